import { PyToken, type PyTokenType } from './python-token';
import type { PythonTokenizer } from './python-tokenizer';

/** One module named by an import statement, before block flags (weak, TYPE_CHECKING) apply. */
export interface ParsedImport {
  specifier: string;
  level: number;
  kind: 'import' | 'from';
  line: number;
  names?: string[];
}

/** What a statement parser consumed: the imports, and the token that ended the statement. */
export interface ParsedStatement {
  imports: ParsedImport[];
  /** The terminator already consumed (Newline, `;`, EndOfFile) or Error. */
  last: PyTokenType;
  /** Set when the statement is malformed. */
  error?: string;
}

/** Parses `import a.b as c, d` with the tokenizer on the `import` keyword. */
export function parseImportStatement(tok: PythonTokenizer): ParsedStatement {
  const imports: ParsedImport[] = [];
  for (;;) {
    tok.next();
    const line = tok.line;
    const dotted = readDotted(tok);
    if (dotted === undefined) return fail(imports, tok, 'expected a module name after import');
    imports.push({ specifier: dotted, level: 0, kind: 'import', line });
    const after = skipAlias(tok);
    if (after === undefined) return fail(imports, tok, "expected a name after 'as'");
    if (!tok.isOp(',')) return end(imports, tok);
  }
}

/** Parses `from ..a.b import (c, d as e)` with the tokenizer on the `from` keyword. */
export function parseFromStatement(tok: PythonTokenizer): ParsedStatement {
  const line = tok.line;
  let level = 0;
  tok.next();
  while (tok.isOp('.')) {
    level++;
    tok.next();
  }
  let specifier = '';
  if (!tok.isName('import')) {
    const dotted = readDotted(tok);
    if (dotted === undefined) return fail([], tok, 'expected a module name after from');
    specifier = dotted;
  }
  if (!tok.isName('import')) return fail([], tok, "expected 'import'");
  if (level === 0 && specifier === '') return fail([], tok, 'expected a module name after from');
  const names = readImportedNames(tok);
  if (names === undefined) return fail([], tok, 'malformed list of imported names');
  return end([{ specifier, level, kind: 'from', line, names }], tok);
}

/** Reads `NAME (. NAME)*` from the current token; leaves the tokenizer on the token after it. */
function readDotted(tok: PythonTokenizer): string | undefined {
  if (tok.type !== PyToken.Name) return undefined;
  let name = tok.text();
  for (;;) {
    tok.next();
    if (!tok.isOp('.')) return name;
    if (tok.next() !== PyToken.Name) return undefined;
    name += '.' + tok.text();
  }
}

/** Skips an optional `as NAME`; returns false-y only when `as` is not followed by a name. */
function skipAlias(tok: PythonTokenizer): true | undefined {
  if (!tok.isName('as')) return true;
  if (tok.next() !== PyToken.Name) return undefined;
  tok.next();
  return true;
}

/** After `import` of a from-statement: `*`, `(a, b as c,)` or `a, b`. Leaves the tokenizer after the list. */
function readImportedNames(tok: PythonTokenizer): string[] | undefined {
  tok.next();
  if (tok.isOp('*')) {
    tok.next();
    return [];
  }
  const paren = tok.isOp('(');
  if (paren) tok.next();
  const names: string[] = [];
  for (;;) {
    if (paren && tok.isOp(')') && names.length > 0) break;
    if (tok.type !== PyToken.Name) return undefined;
    names.push(tok.text());
    tok.next();
    if (skipAlias(tok) === undefined) return undefined;
    if (!tok.isOp(',')) break;
    tok.next();
  }
  if (paren) {
    if (!tok.isOp(')')) return undefined;
    tok.next();
  }
  return names;
}

function isTerminator(tok: PythonTokenizer): boolean {
  return tok.type === PyToken.Newline || tok.type === PyToken.EndOfFile || tok.isOp(';');
}

function end(imports: ParsedImport[], tok: PythonTokenizer): ParsedStatement {
  if (isTerminator(tok)) return { imports, last: tok.type };
  return fail(imports, tok, 'invalid syntax in import statement');
}

function fail(imports: ParsedImport[], tok: PythonTokenizer, message: string): ParsedStatement {
  // A tokenizer error (unterminated string, ...) explains more than the parser's complaint.
  if (tok.type === PyToken.Error) return { imports, last: PyToken.Error };
  return { imports, last: PyToken.Error, error: message };
}
