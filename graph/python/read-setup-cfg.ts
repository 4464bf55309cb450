import type { WorkspacePath } from '../types';
import { normalizeDistributionName } from './normalize-name';
import type { PackagingHints } from './packaging-hints';
import { parseRequirement, requirementDependency } from './parse-requirement';
import type { PythonDependency } from './types';

type Ini = Map<string, Map<string, string>>;

/**
 * Reads setup.cfg: `[metadata] name`, `[options] packages` (a list or `find:` /
 * `find_namespace:` with `[options.packages.find]`), `package_dir`, `py_modules`,
 * `install_requires`, `python_requires`, and `[options.extras_require]`. Never throws.
 */
export function readSetupCfg(text: string, file: WorkspacePath): PackagingHints {
  const ini = parseIni(text);
  const options = ini.get('options');
  const hints: PackagingHints = {
    name: ini.get('metadata')?.get('name'),
    tool: 'setuptools',
    setuptoolsConfig: true,
    requiresPython: options?.get('python_requires'),
    dependencies: requirements(listValue(options?.get('install_requires')), undefined, file),
  };
  for (const [group, value] of ini.get('options.extras_require') ?? []) {
    hints.dependencies.push(...requirements(listValue(value), group, file));
  }
  const packages = options?.get('packages')?.trim();
  if (packages?.startsWith('find')) {
    const find = ini.get('options.packages.find');
    hints.find = {
      where: listValue(find?.get('where')),
      include: listValue(find?.get('include')),
      exclude: listValue(find?.get('exclude')),
    };
  } else if (packages) hints.packages = listValue(packages);
  const modules = listValue(options?.get('py_modules'));
  if (modules.length > 0) hints.packages = [...(hints.packages ?? []), ...modules];
  const packageDir = options?.get('package_dir');
  if (packageDir) hints.packageDir = packageDirValue(packageDir);
  return hints;
}

/** A minimal INI reader in configparser's dialect: `key = value` or `key: value`, indented continuation lines. */
function parseIni(text: string): Ini {
  const ini: Ini = new Map();
  let section: Map<string, string> | undefined;
  let key: string | undefined;
  for (const raw of text.split(/\r?\n/)) {
    if (/^\s*[#;]/.test(raw) || raw.trim() === '') continue;
    const header = /^\[([^\]]+)\]/.exec(raw);
    if (header) {
      section = new Map();
      ini.set(header[1].trim(), section);
      key = undefined;
    } else if (/^\s/.test(raw) && section && key !== undefined) {
      section.set(key, section.get(key) + '\n' + raw.trim());
    } else if (section) {
      const kv = /^([^=:]+)[=:](.*)$/.exec(raw);
      if (!kv) continue;
      key = kv[1].trim();
      section.set(key, kv[2].trim());
    }
  }
  return ini;
}

/** A dangling list: one item per line, or comma separated on one line. */
function listValue(value: string | undefined): string[] {
  if (!value) return [];
  const items = value.includes('\n') ? value.split('\n') : value.split(',');
  return items.map((s) => s.replace(/\s+#.*$/, '').trim()).filter(Boolean);
}

/** `package_dir = =src` or one `pkg = dir` per line. */
function packageDirValue(value: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of value.split('\n')) {
    const eq = line.indexOf('=');
    if (eq >= 0) out[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  return out;
}

function requirements(lines: string[], group: string | undefined, file: WorkspacePath): PythonDependency[] {
  const deps: PythonDependency[] = [];
  for (const line of lines) {
    const req = parseRequirement(line);
    if (!req) continue;
    deps.push(requirementDependency(req, file, group));
  }
  return deps;
}
