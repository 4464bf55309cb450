import type { WorkspacePath } from '../types';
import { lineOf } from './dynamic-dependencies';
import type { PackagingHints } from './packaging-hints';
import { parseRequirement, requirementDependency } from './parse-requirement';
import { PyToken } from './python-token';
import { PythonTokenizer } from './python-tokenizer';

/** A statically known Python value: string, list/tuple, dict, a call, or unknown. */
type Literal = string | Literal[] | { [key: string]: Literal } | LiteralCall | undefined;

interface LiteralCall {
  call: string;
  kwargs: Record<string, Literal>;
  args: Literal[];
}

/**
 * Reads what a `setup.py` states literally in its `setup(...)` call: `name=`, `packages=[...]`
 * or `find_packages(...)` / `find_namespace_packages(...)` with literal `where`/`include`/
 * `exclude`, `package_dir={...}`, `py_modules=`, `install_requires=[...]`, `python_requires=`.
 * Values computed at run time (variables, `open(...).read()`) are ignored; the file is never
 * executed. Returns undefined when no `setup(` call is found.
 */
export function readSetupPy(text: string, file: WorkspacePath): PackagingHints | undefined {
  const kwargs = setupCallArguments(new PythonTokenizer(text));
  if (!kwargs) return undefined;
  const hints: PackagingHints = { tool: 'setuptools', dependencies: [] };
  if (typeof kwargs.name === 'string') hints.name = kwargs.name;
  if (typeof kwargs.python_requires === 'string') hints.requiresPython = kwargs.python_requires;
  const requires = kwargs.install_requires;
  hints.setuptoolsConfig = true;
  if ('install_requires' in kwargs && (!Array.isArray(requires) || requires.some((r) => typeof r !== 'string'))) {
    hints.computedSetupDependencies = { file, line: lineOf(text, /\binstall_requires\s*=/) };
  }
  for (const line of stringList(requires)) {
    const req = parseRequirement(line);
    if (req) hints.dependencies.push(requirementDependency(req, file));
  }
  const packages = kwargs.packages;
  if (isCall(packages) && /find(_namespace)?_packages$/.test(packages.call)) {
    const where = packages.kwargs.where ?? packages.args[0];
    hints.find = {
      where: typeof where === 'string' ? [where] : [],
      include: stringList(packages.kwargs.include),
      exclude: stringList(packages.kwargs.exclude ?? packages.args[1]),
    };
  } else if (Array.isArray(packages)) hints.packages = stringList(packages);
  const modules = stringList(kwargs.py_modules);
  if (modules.length > 0) hints.packages = [...(hints.packages ?? []), ...modules];
  const dirs = kwargs.package_dir;
  if (dirs && typeof dirs === 'object' && !Array.isArray(dirs) && !isCall(dirs)) {
    hints.packageDir = Object.fromEntries(
      Object.entries(dirs).filter((e): e is [string, string] => typeof e[1] === 'string'),
    );
  }
  return hints;
}

function isCall(v: Literal): v is LiteralCall {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && typeof v.call === 'string' && 'kwargs' in v;
}

function stringList(v: Literal): string[] {
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
}

/** Finds `setup(` or `setuptools.setup(` and returns its keyword arguments. */
function setupCallArguments(tok: PythonTokenizer): Record<string, Literal> | undefined {
  let afterDef = false;
  for (let t = tok.next(); t !== PyToken.EndOfFile && t !== PyToken.Error;) {
    if (tok.isName('setup') && tok.depth === 0 && !afterDef) {
      tok.next();
      if (tok.isOp('(')) return readCall(tok, 'setup').kwargs;
      continue;
    }
    afterDef = tok.isName('def');
    t = tok.next();
  }
  return undefined;
}

/** With the tokenizer on `(`, reads the arguments; leaves it after the matching `)`. */
function readCall(tok: PythonTokenizer, name: string): LiteralCall {
  const call: LiteralCall = { call: name, kwargs: {}, args: [] };
  const base = tok.depth;
  tok.next();
  while (tok.depth >= base && tok.type !== PyToken.EndOfFile && tok.type !== PyToken.Error) {
    if (tok.isOp(',')) {
      tok.next();
      continue;
    }
    if (tok.type === PyToken.Name) {
      const key = tok.text();
      tok.next();
      if (tok.isOp('=')) {
        tok.next();
        call.kwargs[key] = readValue(tok, base);
        continue;
      }
      call.args.push(readNameValue(tok, key, base));
      continue;
    }
    call.args.push(readValue(tok, base));
  }
  tok.next();
  return call;
}

/** Reads one value whose first token is current; `base` is the depth of the enclosing bracket. */
function readValue(tok: PythonTokenizer, base: number): Literal {
  if (tok.type === PyToken.String) return readStrings(tok, base);
  if (tok.type === PyToken.Name) {
    const name = tok.text();
    tok.next();
    return readNameValue(tok, name, base);
  }
  if (tok.isOp('[') || tok.isOp('(')) return readSequence(tok);
  if (tok.isOp('{')) return readDict(tok);
  return skipValue(tok, base);
}

/** After a name: a (dotted) call such as `find_packages(...)`, else an unknown value. */
function readNameValue(tok: PythonTokenizer, name: string, base: number): Literal {
  let dotted = name;
  while (tok.isOp('.') && tok.next() === PyToken.Name) {
    dotted += '.' + tok.text();
    tok.next();
  }
  if (tok.isOp('(')) return readCall(tok, dotted);
  return skipValue(tok, base);
}

function readStrings(tok: PythonTokenizer, base: number): Literal {
  let value = '';
  while (tok.type === PyToken.String) {
    const text = tok.text();
    if (/^[a-z]*f/i.test(text)) return skipValue(tok, base);
    const q = text.search(/['"]/);
    const triple = text.startsWith(text[q].repeat(3), q) && text.length - q >= 6;
    value += text.slice(q + (triple ? 3 : 1), text.length - (triple ? 3 : 1));
    tok.next();
  }
  return tok.isOp(',') || tok.depth < base || tok.isOp(':') ? value : skipValue(tok, base);
}

function readSequence(tok: PythonTokenizer): Literal[] {
  const base = tok.depth;
  const items: Literal[] = [];
  tok.next();
  while (tok.depth >= base && tok.type !== PyToken.EndOfFile && tok.type !== PyToken.Error) {
    if (tok.isOp(',')) tok.next();
    else items.push(readValue(tok, base));
  }
  tok.next();
  return items;
}

function readDict(tok: PythonTokenizer): Literal {
  const base = tok.depth;
  const dict: { [key: string]: Literal } = {};
  tok.next();
  while (tok.depth >= base && tok.type !== PyToken.EndOfFile && tok.type !== PyToken.Error) {
    if (tok.isOp(',')) {
      tok.next();
      continue;
    }
    const key = readValue(tok, base);
    if (!tok.isOp(':')) continue;
    tok.next();
    const value = readValue(tok, base);
    if (typeof key === 'string') dict[key] = value;
  }
  tok.next();
  return dict;
}

/** Skips an expression we cannot evaluate, up to the next `,` or closing bracket of its container. */
function skipValue(tok: PythonTokenizer, base: number): undefined {
  while (tok.type !== PyToken.EndOfFile && tok.type !== PyToken.Error && tok.depth >= base) {
    if (tok.depth === base && (tok.isOp(',') || tok.isOp(':'))) return undefined;
    tok.next();
  }
  return undefined;
}
