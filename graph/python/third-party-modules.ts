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
  bson: ['pymongo', 'bson'],
  gridfs: ['pymongo'],
  uuid_extensions: ['uuid7'],
  ulid: ['python-ulid', 'ulid-py'],
  socks: ['pysocks'],
  nmap: ['python-nmap'],
  whois: ['python-whois'],
  win32gui: ['pywin32'],
  win32file: ['pywin32'],
  win32process: ['pywin32'],
  pywintypes: ['pywin32'],
  zstd: ['zstd'],
  skbuild: ['scikit-build'],
  rapidjson: ['python-rapidjson'],
  grpc_tools: ['grpcio-tools'],
  grpc_status: ['grpcio-status'],
  grpc_health: ['grpcio-health-checking'],
  grpc_reflection: ['grpcio-reflection'],
  pinecone: ['pinecone', 'pinecone-client'],
  weaviate: ['weaviate-client'],
  pythonjsonlogger: ['python-json-logger'],
  'opentelemetry.trace': ['opentelemetry-api'],
  'opentelemetry.context': ['opentelemetry-api'],
  'opentelemetry.propagate': ['opentelemetry-api'],
  'opentelemetry.metrics': ['opentelemetry-api'],
  'opentelemetry.baggage': ['opentelemetry-api'],
  deepgram: ['deepgram-sdk'],
  slack: ['slackclient'],
  atlassian: ['atlassian-python-api'],
  vertexai: ['google-cloud-aiplatform'],
  apiclient: ['google-api-python-client'],
  'google.generativeai': ['google-generativeai'],
  'google.genai': ['google-genai'],
  argon2: ['argon2-cffi'],
  rest_framework: ['djangorestframework'],
  corsheaders: ['django-cors-headers'],
  django_filters: ['django-filter'],
  debug_toolbar: ['django-debug-toolbar'],
  environ: ['django-environ'],
  storages: ['django-storages'],
  crispy_forms: ['django-crispy-forms'],
  allauth: ['django-allauth'],
  rest_framework_simplejwt: ['djangorestframework-simplejwt'],
  strawberry: ['strawberry-graphql'],
  paho: ['paho-mqtt'],
  RPi: ['rpi-gpio'],
  speech_recognition: ['speechrecognition'],
  'snowflake.connector': ['snowflake-connector-python'],
  factory: ['factory-boy'],
  pdfminer: ['pdfminer-six'],
  camelot: ['camelot-py'],
  tabula: ['tabula-py'],
  barcode: ['python-barcode'],
  newspaper: ['newspaper3k'],
  googlesearch: ['googlesearch-python'],
  skopt: ['scikit-optimize'],
  pycrfsuite: ['python-crfsuite'],
  imblearn: ['imbalanced-learn'],
  cupy: ['cupy', 'cupy-cuda12x', 'cupy-cuda11x'],
  onnxruntime: ['onnxruntime', 'onnxruntime-gpu'],
  open_clip: ['open-clip-torch'],
  whisper: ['openai-whisper'],
  smb: ['pysmb'],
  aws_cdk: ['aws-cdk-lib'],
  cattr: ['cattrs'],
  lzo: ['python-lzo'],
  setuptools_rust: ['setuptools-rust'],
  docopt: ['docopt', 'docopt-ng'],
  yaml_include: ['pyyaml-include'],
  serial_asyncio: ['pyserial-asyncio'],
  bluetooth: ['pybluez'],
  can: ['python-can'],
  keycloak: ['python-keycloak'],
  mx: ['egenix-mx-base'],
};

/** Import name → distributions: the built-in table with the `python.moduleMapping` entries first. */
export type ModuleTable = Readonly<Record<string, readonly string[]>>;

/**
 * The table resolution uses: `mapping` is the `python.moduleMapping` option (distribution →
 * import names, e.g. `{ "pymongo": ["bson", "gridfs"] }`); its entries come before the
 * built-in ones for the same import name.
 */
export function moduleTable(mapping?: Readonly<Record<string, readonly string[]>>): ModuleTable {
  if (!mapping || Object.keys(mapping).length === 0) return MODULE_DISTRIBUTIONS;
  const table: Record<string, string[]> = {};
  for (const [dist, names] of Object.entries(mapping)) {
    for (const name of names) (table[name] ??= []).push(normalizeDistributionName(dist));
  }
  for (const [name, dists] of Object.entries(table))
    table[name] = [...new Set([...dists, ...(MODULE_DISTRIBUTIONS[name] ?? [])])];
  return { ...MODULE_DISTRIBUTIONS, ...table };
}

const DISTRIBUTION_NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?$/;

/** True for a normalised name a distribution can have (PEP 508 names, normalised): never `-typeshed`. */
export function isDistributionName(name: string): boolean {
  return DISTRIBUTION_NAME.test(name);
}

/**
 * Candidate distributions (normalised) for an absolute third-party module, best first: the
 * mapping table at the longest matching dotted prefix, then the normalised dotted prefixes
 * (`ruamel.yaml` → `ruamel-yaml`, `google.cloud.storage` → `google-cloud-storage`), longest
 * first. Names no distribution can have (private `_x`, non-ASCII) are left out.
 */
export function distributionCandidates(module: string, table: ModuleTable = MODULE_DISTRIBUTIONS): string[] {
  const parts = module.split('.');
  const out: string[] = [];
  for (let i = parts.length; i >= 1; i--) {
    const mapped = table[parts.slice(0, i).join('.')];
    if (mapped) out.push(...mapped);
  }
  if (!parts[0].startsWith('_'))
    for (let i = parts.length; i >= 1; i--) out.push(normalizeDistributionName(parts.slice(0, i).join('.')));
  return [...new Set(out)].filter(isDistributionName);
}

/**
 * The declared distribution that provides `module`, or undefined. Besides the candidates of
 * {@link distributionCandidates} it accepts the usual packaging prefixes and suffixes of the
 * top-level name (`python-foo`, `py-foo`, `pyfoo`, `foo-python`, `foo-py`), which is how most
 * remaining mismatches are spelled.
 */
export function declaredDistribution(
  module: string,
  declared: ReadonlySet<string>,
  table: ModuleTable = MODULE_DISTRIBUTIONS,
): string | undefined {
  for (const c of distributionCandidates(module, table)) if (declared.has(c)) return c;
  const top = normalizeDistributionName(module.split('.')[0]);
  for (const c of [`python-${top}`, `py-${top}`, `py${top}`, `${top}-python`, `${top}-py`])
    if (declared.has(c)) return c;
  return undefined;
}

/**
 * The distribution most likely to provide `module`, for naming it in a diagnostic; undefined
 * for a name no distribution is named after (`_typeshed`, any private `_x` the table does not
 * know).
 */
export function likelyDistribution(module: string, table: ModuleTable = MODULE_DISTRIBUTIONS): string | undefined {
  return firstMapped(module, table) ?? topName(module);
}

function firstMapped(module: string, table: ModuleTable): string | undefined {
  const parts = module.split('.');
  for (let i = parts.length; i >= 1; i--) {
    const mapped = table[parts.slice(0, i).join('.')];
    if (mapped) return mapped[0];
  }
  return undefined;
}

function topName(module: string): string | undefined {
  const top = module.split('.')[0];
  const name = normalizeDistributionName(top);
  return top.startsWith('_') || !isDistributionName(name) ? undefined : name;
}
