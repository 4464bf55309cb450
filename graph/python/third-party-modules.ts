import { normalizeDistributionName } from './normalize-name';

/**
 * Import names whose distribution is named differently, import name → distributions
 * (normalised, most common first). Names that only differ by case, `_`/`-`/`.` need no entry:
 * PEP 503 normalisation covers them (`typing_extensions` → `typing-extensions`).
 */
export const MODULE_DISTRIBUTIONS: Readonly<Record<string, readonly string[]>> = {
  yaml: ['pyyaml'],
  PIL: ['pillow'],
  sklearn: ['scikit-learn'],
  skimage: ['scikit-image'],
  cv2: ['opencv-python', 'opencv-python-headless', 'opencv-contrib-python', 'opencv-contrib-python-headless'],
  'google.protobuf': ['protobuf'],
  'google.auth': ['google-auth'],
  'google.oauth2': ['google-auth'],
  'google.api_core': ['google-api-core'],
  googleapiclient: ['google-api-python-client'],
  grpc: ['grpcio'],
  bs4: ['beautifulsoup4'],
  dateutil: ['python-dateutil'],
  attr: ['attrs'],
  jwt: ['pyjwt'],
  Crypto: ['pycryptodome'],
  Cryptodome: ['pycryptodomex'],
  dotenv: ['python-dotenv'],
  OpenSSL: ['pyopenssl'],
  nacl: ['pynacl'],
  git: ['gitpython'],
  github: ['pygithub'],
  gitlab: ['python-gitlab'],
  serial: ['pyserial'],
  usb: ['pyusb'],
  zmq: ['pyzmq'],
  MySQLdb: ['mysqlclient'],
  psycopg2: ['psycopg2', 'psycopg2-binary'],
  pkg_resources: ['setuptools'],
  jose: ['python-jose'],
  multipart: ['python-multipart'],
  slugify: ['python-slugify'],
  ldap: ['python-ldap'],
  dns: ['dnspython'],
  magic: ['python-magic'],
  docx: ['python-docx'],
  pptx: ['python-pptx'],
  fitz: ['pymupdf'],
  Levenshtein: ['levenshtein', 'python-levenshtein'],
  win32api: ['pywin32'],
  win32con: ['pywin32'],
  win32com: ['pywin32'],
  pythoncom: ['pywin32'],
  gi: ['pygobject'],
  wx: ['wxpython'],
  cairo: ['pycairo'],
  OpenGL: ['pyopengl'],
  Xlib: ['python-xlib'],
  telegram: ['python-telegram-bot'],
  discord: ['discord-py'],
  faiss: ['faiss-cpu', 'faiss-gpu'],
  kafka: ['kafka-python'],
  memcache: ['python-memcached'],
  snappy: ['python-snappy'],
  websocket: ['websocket-client'],
  socketio: ['python-socketio'],
  engineio: ['python-engineio'],
  consul: ['python-consul'],
  xdist: ['pytest-xdist'],
  _pytest: ['pytest'],
  Bio: ['biopython'],
  absl: ['absl-py'],
  tree: ['dm-tree'],
  osgeo: ['gdal'],
  umap: ['umap-learn'],
  community: ['python-louvain'],
  igraph: ['igraph', 'python-igraph'],
  markdown_it: ['markdown-it-py'],
  mpl_toolkits: ['matplotlib'],
  pylab: ['matplotlib'],
  pyximport: ['cython'],
  sentry_sdk: ['sentry-sdk'],
  jenkins: ['python-jenkins'],
  ruamel: ['ruamel-yaml'],
  editor: ['python-editor'],
  Image: ['pillow'],
};

/**
 * Candidate distributions (normalised) for an absolute third-party module, best first: the
 * mapping table at the longest matching dotted prefix, then the normalised dotted prefixes
 * (`ruamel.yaml` → `ruamel-yaml`, `google.cloud.storage` → `google-cloud-storage`), longest first.
 */
export function distributionCandidates(module: string): string[] {
  const parts = module.split('.');
  const out: string[] = [];
  for (let i = parts.length; i >= 1; i--) {
    const mapped = MODULE_DISTRIBUTIONS[parts.slice(0, i).join('.')];
    if (mapped) out.push(...mapped);
  }
  for (let i = parts.length; i >= 1; i--) out.push(normalizeDistributionName(parts.slice(0, i).join('.')));
  return [...new Set(out)];
}

/**
 * The declared distribution that provides `module`, or undefined. Besides the candidates of
 * {@link distributionCandidates} it accepts the usual packaging prefixes and suffixes of the
 * top-level name (`python-foo`, `py-foo`, `pyfoo`, `foo-python`, `foo-py`), which is how most
 * remaining mismatches are spelled.
 */
export function declaredDistribution(module: string, declared: ReadonlySet<string>): string | undefined {
  for (const c of distributionCandidates(module)) if (declared.has(c)) return c;
  const top = normalizeDistributionName(module.split('.')[0]);
  for (const c of [`python-${top}`, `py-${top}`, `py${top}`, `${top}-python`, `${top}-py`]) if (declared.has(c)) return c;
  return undefined;
}

/** The distribution most likely to provide `module`, for naming it in a diagnostic. */
export function likelyDistribution(module: string): string {
  const parts = module.split('.');
  for (let i = parts.length; i >= 1; i--) {
    const mapped = MODULE_DISTRIBUTIONS[parts.slice(0, i).join('.')];
    if (mapped) return mapped[0];
  }
  return normalizeDistributionName(parts[0]);
}
