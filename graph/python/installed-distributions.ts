import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { normalizeDistributionName } from './normalize-name';

/**
 * Which installed distributions provide which modules, read from `*.dist-info/RECORD` of one
 * or more site-packages folders (RECORD lists every installed file; `top_level.txt` is written
 * by setuptools only). Used for diagnostics only: the graph never depends on it, so a laptop
 * with a `.venv` and a CI runner without one compute the same edges, nodes and hashes.
 */
export interface InstalledDistributions {
  /** Normalised distributions providing `module` at its longest installed dotted prefix (`google.protobuf` → `protobuf`); empty when none. */
  providers(module: string): string[];
  /** Top-level name → distributions by importlib.metadata's rule for distributions without `top_level.txt` (normalised): `packages_distributions()`. */
  topLevel(): Map<string, string[]>;
  /** Editable installs (uv's workspace members): normalised distribution → the folder it was installed from (absolute). */
  editable: Map<string, string>;
}

const MODULE_FILE = /^(.*?)(?:\.[A-Za-z0-9_-]+)?\.(py|pyi|so|pyd)$/;
/** Deep enough for namespace packages split across distributions (`google.cloud.storage`). */
const MAX_DEPTH = 4;

/** Reads every `*.dist-info` in the given site-packages folders; missing folders are skipped. */
export function readInstalledDistributions(sitePackages: readonly string[]): InstalledDistributions {
  const byPrefix = new Map<string, Set<string>>();
  const tops = new Map<string, Set<string>>();
  const editable = new Map<string, string>();
  const add = (map: Map<string, Set<string>>, key: string, dist: string) =>
    (map.get(key) ?? map.set(key, new Set()).get(key))?.add(dist);
  for (const dir of sitePackages) {
    for (const entry of listDir(dir)) {
      if (!entry.endsWith('.dist-info')) continue;
      const info = join(dir, entry);
      const name = distributionName(info, entry);
      const url = editableUrl(info);
      if (url) editable.set(name, url);
      for (const path of recordPaths(readText(join(info, 'RECORD')) ?? '')) {
        // importlib.metadata's own rule for distributions without top_level.txt (3.11): every `.py` file's first part.
        if (path.endsWith('.py'))
          add(tops, path.includes('/') ? path.slice(0, path.indexOf('/')) : path.slice(0, -3), name);
        const parts = modulePath(path);
        if (!parts) continue;
        for (let i = 1; i <= Math.min(parts.length, MAX_DEPTH); i++) add(byPrefix, parts.slice(0, i).join('.'), name);
        if (/^__editable___.*_finder\.py$/.test(path))
          for (const pkg of finderPackages(join(dir, path))) add(byPrefix, pkg, name);
      }
    }
  }
  return {
    providers(module) {
      const parts = module.split('.');
      for (let i = Math.min(parts.length, MAX_DEPTH); i >= 1; i--) {
        const found = byPrefix.get(parts.slice(0, i).join('.'));
        if (found) return [...found].sort();
      }
      return [];
    },
    topLevel: () => new Map([...tops].map(([k, v]) => [k, [...v].sort()])),
    editable,
  };
}

/** The dotted parts of an installed module file (`google/protobuf/__init__.py` → `google`, `protobuf`), or undefined for other files. */
function modulePath(path: string): string[] | undefined {
  if (path.startsWith('..') || path.startsWith('/') || /(^|\/)(__pycache__|[^/]+\.dist-info|[^/]+\.data)\//.test(path))
    return undefined;
  const m = MODULE_FILE.exec(path);
  if (!m) return undefined;
  const parts = m[1].split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return parts.length > 0 && parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p)) ? parts : undefined;
}

/** First CSV column of each RECORD row (paths with commas are quoted). */
function recordPaths(text: string): string[] {
  const out: string[] = [];
  for (const line of text.split(/\r?\n/)) {
    if (line === '') continue;
    out.push(
      line.startsWith('"')
        ? line.slice(1, line.indexOf('"', 1))
        : line.slice(0, line.indexOf(',') < 0 ? undefined : line.indexOf(',')),
    );
  }
  return out;
}

function distributionName(info: string, entry: string): string {
  const name = /^Name:\s*(.+)$/m.exec(readText(join(info, 'METADATA')) ?? '')?.[1];
  return normalizeDistributionName(name ?? entry.replace(/-[^-]*\.dist-info$/, '').replace(/\.dist-info$/, ''));
}

/** The folder of an editable install (`direct_url.json` with `dir_info.editable`), absolute. */
function editableUrl(info: string): string | undefined {
  try {
    const direct = JSON.parse(readText(join(info, 'direct_url.json')) ?? 'null') as {
      url?: string;
      dir_info?: { editable?: boolean };
    } | null;
    return direct?.dir_info?.editable && direct.url?.startsWith('file:') ? fileURLToPath(direct.url) : undefined;
  } catch {
    return undefined;
  }
}

/** The packages setuptools' editable finder maps (`MAPPING = {'pkg': '/path/src/pkg'}`). */
function finderPackages(file: string): string[] {
  const mapping = /MAPPING[^=]*=\s*\{([^}]*)\}/.exec(readText(file) ?? '')?.[1] ?? '';
  return [...mapping.matchAll(/['"]([A-Za-z_][\w.]*)['"]\s*:/g)].map((m) => m[1]);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** The site-packages folders of a virtual environment (`lib/python3.X/site-packages`, `Lib/site-packages` on Windows). */
export function venvSitePackages(venv: string): string[] {
  const out = listDir(join(venv, 'lib'))
    .filter((d) => d.startsWith('python'))
    .map((d) => join(venv, 'lib', d, 'site-packages'));
  if (existsSync(join(venv, 'Lib', 'site-packages'))) out.push(join(venv, 'Lib', 'site-packages'));
  return out.filter((d) => existsSync(d));
}

/** Looks up the environment of a project: `(project root) => installed distributions`, or undefined where there is none. */
export type PythonEnvironmentLookup = (projectRoot: string) => InstalledDistributions | undefined;

/**
 * The environments on this machine, looked up lazily and read once per lookup object: the
 * project's `.venv`, the workspace's `.venv`, else the configured interpreter's site-packages
 * (its venv when it is a path into one, else asked of the interpreter, once, with a time limit).
 * Create one per graph computation: nothing is kept beyond it.
 */
export function nodePythonEnvironments(workspaceRoot: string, interpreter = 'python3'): PythonEnvironmentLookup {
  const read = new Map<string, InstalledDistributions | undefined>();
  const load = (key: string, dirs: () => string[]) => {
    if (!read.has(key)) {
      const found = dirs();
      read.set(key, found.length > 0 ? readInstalledDistributions(found) : undefined);
    }
    return read.get(key);
  };
  return (root) => {
    const own = load(join(workspaceRoot, root, '.venv'), () => venvSitePackages(join(workspaceRoot, root, '.venv')));
    if (own) return own;
    const shared = load(join(workspaceRoot, '.venv'), () => venvSitePackages(join(workspaceRoot, '.venv')));
    return shared ?? load(`interpreter:${interpreter}`, () => interpreterSitePackages(workspaceRoot, interpreter));
  };
}

function interpreterSitePackages(workspaceRoot: string, interpreter: string): string[] {
  const command = interpreter.replace('{workspaceRoot}', workspaceRoot);
  if (isAbsolute(command) && existsSync(join(dirname(dirname(command)), 'pyvenv.cfg')))
    return venvSitePackages(dirname(dirname(command)));
  const r = spawnSync(
    command,
    ['-c', 'import site,sys;print("\\n".join(site.getsitepackages()+[site.getusersitepackages()]))'],
    { encoding: 'utf8', timeout: 5000 },
  );
  return r.status === 0
    ? r.stdout
        .split('\n')
        .map((s) => s.trim())
        .filter((d) => d && existsSync(d))
    : [];
}

/** The workspace-relative folder of an editable install inside the workspace, else undefined. */
export function workspaceFolderOf(workspaceRoot: string, absolute: string): string | undefined {
  const rel = relative(workspaceRoot, absolute).split('\\').join('/');
  return rel.startsWith('..') || isAbsolute(rel) ? undefined : rel;
}
