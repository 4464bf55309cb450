import type { WorkspacePath } from '../types';
import { parseFromStatement, parseImportStatement, type ParsedStatement } from './parse-import-statement';
import { PyToken, type PyTokenType } from './python-token';
import { PythonTokenizer } from './python-tokenizer';
import type { PythonExtraction, PythonImport } from './types';

/** A block whose body changes the flags of the imports in it. */
interface Block {
  indent: number;
  typeChecking: boolean;
  /** For `try:` blocks: indices of the imports in the body, made weak by an `except ImportError`. */
  tryImports?: number[];
}

interface ExtractState {
  tok: PythonTokenizer;
  imports: PythonImport[];
  /** Statement line range of each import, for the ignore pragma. */
  ranges: number[];
  blocks: Block[];
  typeCheckingDepth: number;
  /** The `try:` block that most recently ended at each indentation, for its `except` clauses. */
  closedTry: Map<number, Block>;
  syntaxError?: { line: number; message: string };
}

const IMPORT_ERRORS = new Set(['ImportError', 'ModuleNotFoundError']);

/**
 * Lists the imports of one Python source file without running Python.
 *
 * Finds `import` / `from` statements anywhere (nested in functions, classes, `if`, `try`,
 * after `;` or `:`), marks those under `if TYPE_CHECKING:` and those in a `try:` whose
 * handlers catch `ImportError`/`ModuleNotFoundError` (weak), adds literal
 * `importlib.import_module("x")` / `import_module("x")` / `__import__("x")` calls (weak), and
 * drops statements carrying `# fleet: ignore-import`. Never throws: on a syntax error it
 * returns the imports found before it and one `PY_SYNTAX_ERROR` diagnostic.
 *
 * @param file used only to fill in diagnostics.
 */
export function extractImports(source: string, file: WorkspacePath): PythonExtraction {
  const state: ExtractState = {
    tok: new PythonTokenizer(source),
    imports: [],
    ranges: [],
    blocks: [],
    typeCheckingDepth: 0,
    closedTry: new Map(),
  };
  scan(state);
  if (state.tok.undeclaredPragmaLines.size > 0) markIgnoredUndeclared(state);
  const imports = state.tok.pragmaLines.size > 0 ? dropIgnored(state) : state.imports;
  const err = state.syntaxError ?? state.tok.error;
  const diagnostics = err
    ? [{ file, line: err.line, code: 'PY_SYNTAX_ERROR', message: `invalid Python syntax: ${err.message}` }]
    : [];
  return { imports, diagnostics };
}

function scan(state: ExtractState): void {
  const tok = state.tok;
  let stmtStart = true;
  let afterDot = false;
  let t = tok.next();
  while (t !== PyToken.EndOfFile && t !== PyToken.Error) {
    if (t === PyToken.Newline) {
      stmtStart = true;
      afterDot = false;
      t = tok.next();
      continue;
    }
    if (tok.atLineStart) closeBlocks(state, tok.indent);
    if (t === PyToken.Name) {
      // Both handlers consume tokens; the one they stop on is processed again from the top.
      const after = stmtStart ? statement(state) : afterDot ? undefined : stringImport(state);
      if (after !== undefined) {
        t = after;
        stmtStart = false;
        afterDot = false;
        continue;
      }
      if (stmtStart) {
        const call = stringImport(state);
        if (call !== undefined) {
          t = call;
          stmtStart = false;
          continue;
        }
      }
    }
    // A statement may follow `;` or the `:` of a compound-statement header on the same line.
    stmtStart = t === PyToken.Op && tok.depth === 0 && (tok.isOp(';') || tok.isOp(':'));
    afterDot = tok.isOp('.');
    t = tok.next();
  }
}

/**
 * Handles a statement-start name: an import statement, or a block header that matters.
 * Returns the current (already consumed) token for the caller to process, or undefined when
 * the name starts nothing of interest.
 */
function statement(state: ExtractState): PyTokenType | undefined {
  const tok = state.tok;
  if (tok.isName('import')) return record(state, tok.line, parseImportStatement(tok));
  if (tok.isName('from')) return record(state, tok.line, parseFromStatement(tok));
  if (!tok.atLineStart) return undefined;
  if (tok.isName('if')) return typeCheckingHeader(state);
  if (tok.isName('try')) {
    const block: Block = { indent: tok.indent, typeChecking: false, tryImports: [] };
    state.blocks.push(block);
    return tok.next();
  }
  if (tok.isName('except')) return exceptHeader(state);
  return undefined;
}

function record(state: ExtractState, stmtLine: number, parsed: ParsedStatement): PyTokenType {
  if (parsed.error !== undefined) {
    state.syntaxError = { line: state.tok.line, message: parsed.error };
    return PyToken.Error;
  }
  if (parsed.last === PyToken.Error) return PyToken.Error;
  const endLine = state.tok.line;
  for (const p of parsed.imports) {
    const imp: PythonImport = { specifier: p.specifier, level: p.level, kind: p.kind, weak: false, line: p.line };
    if (p.names) imp.names = p.names;
    add(state, imp, stmtLine, endLine);
  }
  return parsed.last;
}

function add(state: ExtractState, imp: PythonImport, fromLine: number, toLine: number): void {
  if (state.typeCheckingDepth > 0) imp.typeChecking = true;
  const index = state.imports.length;
  state.imports.push(imp);
  state.ranges.push(fromLine, toLine);
  for (const b of state.blocks) b.tryImports?.push(index);
}

/** `if TYPE_CHECKING:` or `if typing.TYPE_CHECKING:` (any qualifier). */
function typeCheckingHeader(state: ExtractState): PyTokenType {
  const tok = state.tok;
  const indent = tok.indent;
  let last = '';
  let t = tok.next();
  while (t === PyToken.Name) {
    last = tok.text();
    t = tok.next();
    if (!tok.isOp('.')) break;
    t = tok.next();
  }
  if (last === 'TYPE_CHECKING' && tok.isOp(':')) {
    state.blocks.push({ indent, typeChecking: true });
    state.typeCheckingDepth++;
  }
  return t;
}

/** An `except` clause: if it catches an import error, the imports of its `try:` body are weak. */
function exceptHeader(state: ExtractState): PyTokenType {
  const tok = state.tok;
  const tried = state.closedTry.get(tok.indent);
  let catchesImport = false;
  let t = tok.next();
  while (t !== PyToken.Newline && t !== PyToken.EndOfFile && t !== PyToken.Error) {
    if (t === PyToken.Op && tok.depth === 0 && tok.isOp(':')) break;
    if (t === PyToken.Name && IMPORT_ERRORS.has(tok.text())) catchesImport = true;
    t = tok.next();
  }
  if (catchesImport && tried?.tryImports) {
    for (const i of tried.tryImports) state.imports[i].weak = true;
  }
  return t;
}

function closeBlocks(state: ExtractState, indent: number): void {
  const blocks = state.blocks;
  while (blocks.length > 0 && blocks[blocks.length - 1].indent >= indent) {
    const b = blocks.pop() as Block;
    if (b.typeChecking) state.typeCheckingDepth--;
    if (b.tryImports) state.closedTry.set(b.indent, b);
  }
}

/**
 * `importlib.import_module("x.y")`, `import_module("x")`, `__import__("x")` with one literal
 * string argument. Returns the token that ended the match for the caller, or undefined when
 * the current name is not one of these.
 */
function stringImport(state: ExtractState): PyTokenType | undefined {
  const tok = state.tok;
  const len = tok.end - tok.start;
  if (len !== 9 && len !== 10 && len !== 13) return undefined;
  let t: PyTokenType;
  if (tok.isName('importlib')) {
    tok.next();
    if (!tok.isOp('.')) return tok.type;
    tok.next();
    if (!tok.isName('import_module')) return tok.type;
  } else if (!tok.isName('import_module') && !tok.isName('__import__')) return undefined;
  if (tok.next() !== PyToken.Op || !tok.isOp('(')) return tok.type;
  if ((t = tok.next()) !== PyToken.String) return t;
  const value = literalModule(tok.text());
  const line = tok.line;
  t = tok.next();
  if (value === undefined || !(tok.isOp(',') || tok.isOp(')'))) return t;
  const level = value.length - value.replace(/^\.+/, '').length;
  add(state, { specifier: value.slice(level), level, kind: 'string', weak: true, line }, line, line);
  return t;
}

const MODULE_LITERAL = /^\.*(?:[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)?$/;

/** The module named by a plain string literal token (`"x.y"`, `r'x'`), or undefined. */
function literalModule(token: string): string | undefined {
  const quote = token.search(/['"]/);
  const prefix = token.slice(0, quote).toLowerCase();
  if (prefix.includes('f') || prefix.includes('b') || prefix.includes('t')) return undefined;
  const q = token[quote];
  const triple = token.startsWith(q + q + q, quote) && token.length - quote >= 6;
  const body = token.slice(quote + (triple ? 3 : 1), token.length - (triple ? 3 : 1));
  if (body === '' || !MODULE_LITERAL.test(body)) return undefined;
  return body;
}

/** Drops imports whose statement has a `# fleet: ignore-import` comment on one of its lines. */
function dropIgnored(state: ExtractState): PythonImport[] {
  const lines = state.tok.pragmaLines;
  return state.imports.filter((_, i) => {
    for (let l = state.ranges[2 * i]; l <= state.ranges[2 * i + 1]; l++) if (lines.has(l)) return false;
    return true;
  });
}

/** Marks imports whose statement has a `# fleet: ignore-undeclared` comment on one of its lines: they keep their edges, never get a finding. */
function markIgnoredUndeclared(state: ExtractState): void {
  const lines = state.tok.undeclaredPragmaLines;
  state.imports.forEach((imp, i) => {
    for (let l = state.ranges[2 * i]; l <= state.ranges[2 * i + 1]; l++) if (lines.has(l)) imp.ignoreUndeclared = true;
  });
}
