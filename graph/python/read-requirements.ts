import type { Diagnostic, WorkspacePath } from '../types';
import { normalizeDistributionName } from './normalize-name';
import { parseRequirement, requirementDependency } from './parse-requirement';
import { joinPath, type PythonFs } from './python-fs';
import type { PythonDependency } from './types';

/** What a requirements file (and the files it includes with `-r`) declares. */
export interface RequirementsFileResult {
  dependencies: PythonDependency[];
  /** `name==version` pins, normalised name → version (also from `-c` constraint files). */
  pins: Map<string, string>;
  diagnostics: Diagnostic[];
}

/**
 * Reads a pip requirements file: PEP 508 lines with extras, markers and pins, `-r`/`--requirement`
 * includes (relative to the including file, each file read once), `-c` constraints (pins only),
 * `-e`/local paths (path dependencies), and line continuations. pip options such as `-i` or
 * `--hash` are skipped. A missing included file gives `PY_REQUIREMENTS_MISSING`.
 */
export function readRequirementsFile(fs: PythonFs, file: WorkspacePath): RequirementsFileResult {
  const result: RequirementsFileResult = { dependencies: [], pins: new Map(), diagnostics: [] };
  readInto(fs, file, result, new Set(), false);
  return result;
}

function readInto(
  fs: PythonFs,
  file: WorkspacePath,
  out: RequirementsFileResult,
  seen: Set<string>,
  constraintsOnly: boolean,
): boolean {
  if (seen.has(file)) return true;
  seen.add(file);
  const text = fs.readFile(file);
  if (text === undefined) return false;
  const dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  for (const { text: line, number } of logicalLines(text)) {
    const include = /^(-r|--requirement|-c|--constraint)(?:\s+|=)(\S+)/.exec(line);
    if (include) {
      const target = joinPath(dir, include[2]);
      const constraints = constraintsOnly || include[1] === '-c' || include[1] === '--constraint';
      if (!readInto(fs, target, out, seen, constraints)) {
        out.diagnostics.push({
          file,
          line: number,
          code: 'PY_REQUIREMENTS_MISSING',
          message: `includes ${include[2]}, which does not exist`,
        });
      }
      continue;
    }
    const dep = requirementLine(line, dir, file);
    if (!dep) continue;
    const pinned = /^===?([^,;=<>!~*\s]+)$/.exec(dep.specifier);
    if (pinned) out.pins.set(dep.normalized, pinned[1]);
    if (!constraintsOnly) out.dependencies.push(dep);
  }
  return true;
}

/** One requirement line (options already handled); undefined for option lines it skips. */
function requirementLine(line: string, dir: string, file: WorkspacePath): PythonDependency | undefined {
  const editable = /^(?:-e|--editable)(?:\s+|=)(\S+)/.exec(line);
  const target = editable ? editable[1] : line;
  if (target.startsWith('-')) return undefined;
  if (/^(\.{1,2}\/|\/|file:)/.test(target)) {
    const path = joinPath(dir, target.replace(/^file:(\/\/)?/, '').replace(/#.*$/, ''));
    const egg = /#egg=([^&\s]+)/.exec(target);
    const name = egg ? egg[1] : path.slice(path.lastIndexOf('/') + 1);
    return { name, normalized: normalizeDistributionName(name), specifier: '', path, declaredIn: file };
  }
  const req = parseRequirement(target);
  if (!req) return undefined;
  const dep = requirementDependency(req, file);
  if (req.url?.startsWith('file:')) dep.path = joinPath(dir, req.url.replace(/^file:(\/\/)?/, ''));
  return dep;
}

/** Non-empty lines with comments removed and `\` continuations joined, with their first line number. */
function logicalLines(text: string): Array<{ text: string; number: number }> {
  const out: Array<{ text: string; number: number }> = [];
  let pending = '';
  let start = 0;
  text.split(/\r?\n/).forEach((raw, i) => {
    if (pending === '') start = i + 1;
    const line = raw.replace(/(^|\s)#.*$/, '');
    if (line.endsWith('\\')) {
      pending += line.slice(0, -1) + ' ';
      return;
    }
    const full = (pending + line).trim();
    pending = '';
    if (full !== '') out.push({ text: full, number: start });
  });
  return out;
}
