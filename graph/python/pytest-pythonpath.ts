import * as posix from 'node:path/posix';
import { parse } from 'smol-toml';
import type { WorkspacePath } from '../types';
import { joinPath, type PythonFs } from './python-fs';
import { tableAt, type TomlTable } from './toml-values';

/** Ini files pytest reads its settings from, in its own order of precedence, with their section. */
const INI_FILES: Array<{ file: string; section: string }> = [
  { file: 'pytest.ini', section: 'pytest' },
  { file: '.pytest.ini', section: 'pytest' },
  { file: 'tox.ini', section: 'pytest' },
  { file: 'setup.cfg', section: 'tool:pytest' },
];

/**
 * The folders pytest's `pythonpath` setting puts on `sys.path` for a project whose pytest
 * config is in its folder (`[tool.pytest.ini_options] pythonpath` or an ini file's
 * `pythonpath =`), as workspace paths (`''` is the root). Entries are relative to the config
 * file's folder; one that leaves the workspace is dropped. Modules found there are imported by
 * the tests even when no Nx project owns them, so the test target hashes those folders.
 */
export function pytestPythonPath(fs: PythonFs, root: WorkspacePath): WorkspacePath[] {
  const entries = fromIni(fs, root) ?? fromPyproject(fs.readFile(joinPath(root, 'pyproject.toml'))) ?? [];
  const out = new Set<WorkspacePath>();
  for (const entry of entries) {
    const path = posix.normalize(posix.join(root === '' ? '.' : root, entry));
    if (path === '..' || path.startsWith('../') || posix.isAbsolute(entry)) continue;
    out.add(path === '.' ? '' : path);
  }
  return [...out].sort();
}

function fromPyproject(text: string | undefined): string[] | undefined {
  if (text === undefined) return undefined;
  let table: TomlTable | undefined;
  try {
    table = tableAt(parse(text) as TomlTable, 'tool', 'pytest', 'ini_options');
  } catch {
    return undefined;
  }
  const value = table?.pythonpath;
  if (typeof value === 'string') return value.split(/\s+/).filter(Boolean);
  if (Array.isArray(value)) return value.filter((v): v is string => typeof v === 'string');
  return undefined;
}

/** `pythonpath = a b` in the first ini file that has pytest's section, continuation lines included. */
function fromIni(fs: PythonFs, root: WorkspacePath): string[] | undefined {
  for (const { file, section } of INI_FILES) {
    const text = fs.readFile(joinPath(root, file));
    if (text === undefined) continue;
    const lines = text.split(/\r?\n/);
    const start = lines.findIndex((l) => l.trim() === `[${section}]`);
    if (start < 0) continue;
    for (let i = start + 1; i < lines.length && !lines[i].trim().startsWith('['); i++) {
      const m = /^pythonpath\s*[=:](.*)$/.exec(lines[i]);
      if (!m) continue;
      const values = [m[1]];
      for (let j = i + 1; j < lines.length && /^\s+\S/.test(lines[j]); j++) values.push(lines[j]);
      return values.join(' ').split(/\s+/).filter(Boolean);
    }
    return [];
  }
  return undefined;
}
