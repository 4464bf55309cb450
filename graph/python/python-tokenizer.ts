import { PyToken, type PyTokenType } from './python-token';
import type { SourceCursor } from './source-cursor';
import { consumeNewline, prefixFlags, scanString } from './scan-string';

const PRAGMA = 'fleet: ignore-';

/** A scan failure, positioned for a diagnostic. */
export interface TokenizerError {
  line: number;
  message: string;
}

/**
 * A cursor-style Python tokenizer: `next()` advances to the next significant token and exposes
 * it through fields, so scanning a file allocates nothing per token. It knows just enough of
 * the grammar to find statement boundaries reliably: strings (all prefixes, triple quotes,
 * PEP 701 f-strings), comments, bracket depth, backslash continuations and indentation.
 */
export class PythonTokenizer {
  type: PyTokenType = PyToken.Newline;
  /** Source range of the current token. */
  start = 0;
  end = 0;
  /** 1-based line where the current token starts. */
  line = 1;
  /** True when the current token is the first of a logical line. */
  atLineStart = false;
  /** Indentation column of the current logical line (tabs to multiples of 8). */
  indent = 0;
  error: TokenizerError | undefined;
  /** Lines carrying a `# fleet: ignore-import` comment. */
  readonly pragmaLines = new Set<number>();
  /** Lines carrying a `# fleet: ignore-undeclared` comment. */
  readonly undeclaredPragmaLines = new Set<number>();
  /** Position of the next `fleet: ignore-` at or after the last search (-1: none left), so that comments cost one search per pragma, not one per comment. */
  private nextPragma = -2;

  private readonly c: SourceCursor;
  private readonly brackets: number[] = [];
  private readonly bracketLines: number[] = [];
  private lineHasToken = false;

  constructor(src: string) {
    // A byte-order mark is not part of the code.
    this.c = { src, pos: src.charCodeAt(0) === 0xfeff ? 1 : 0, line: 1 };
  }

  /** Current bracket nesting depth. */
  get depth(): number {
    return this.brackets.length;
  }

  /** Text of the current token. */
  text(): string {
    return this.c.src.slice(this.start, this.end);
  }

  /** True when the current token is the one-character operator `ch`. */
  isOp(ch: string): boolean {
    return (
      this.type === PyToken.Op && this.end - this.start === 1 && this.c.src.charCodeAt(this.start) === ch.charCodeAt(0)
    );
  }

  /** True when the current token is the name `word`. */
  isName(word: string): boolean {
    return (
      this.type === PyToken.Name && this.end - this.start === word.length && this.c.src.startsWith(word, this.start)
    );
  }

  next(): PyTokenType {
    if (this.type === PyToken.Error || this.type === PyToken.EndOfFile) return this.type;
    const c = this.c;
    const src = c.src;
    for (;;) {
      const col = this.skipSpace();
      if (c.pos >= src.length) return this.finish();
      const ch = src.charCodeAt(c.pos);
      if (ch === 35) this.skipComment();
      else if (ch === 10 || ch === 13) {
        this.line = c.line;
        consumeNewline(c);
        if (this.brackets.length === 0 && this.lineHasToken) {
          this.lineHasToken = false;
          return this.emit(PyToken.Newline, c.pos - 1, c.pos);
        }
      } else if (ch === 92) {
        const after = src.charCodeAt(c.pos + 1);
        if (after !== 10 && after !== 13) return this.fail(c.line, 'unexpected character after line continuation');
        c.pos++;
        consumeNewline(c);
      } else {
        this.atLineStart = !this.lineHasToken;
        if (this.atLineStart) this.indent = col;
        this.lineHasToken = true;
        return this.scanToken(ch);
      }
    }
  }

  /** Skips blanks; returns the indentation column when at the start of a logical line. */
  private skipSpace(): number {
    const c = this.c;
    const src = c.src;
    let col = 0;
    for (;;) {
      const ch = src.charCodeAt(c.pos);
      if (ch === 32) col++;
      else if (ch === 9) col = (Math.floor(col / 8) + 1) * 8;
      else if (ch === 12) col = 0;
      else return col;
      c.pos++;
    }
  }

  private skipComment(): void {
    const c = this.c;
    const src = c.src;
    const start = c.pos;
    while (c.pos < src.length) {
      const ch = src.charCodeAt(c.pos);
      if (ch === 10 || ch === 13) break;
      c.pos++;
    }
    if (this.nextPragma === -2 || (this.nextPragma >= 0 && this.nextPragma < start))
      this.nextPragma = src.indexOf(PRAGMA, start);
    const at = this.nextPragma;
    if (at < 0 || at >= c.pos) return;
    const word = src.slice(at + PRAGMA.length, at + PRAGMA.length + 10);
    if (word.startsWith('import')) this.pragmaLines.add(c.line);
    else if (word === 'undeclared') this.undeclaredPragmaLines.add(c.line);
    this.nextPragma = src.indexOf(PRAGMA, at + 1);
  }

  private scanToken(ch: number): PyTokenType {
    const c = this.c;
    const start = c.pos;
    this.line = c.line;
    if (isNameStart(ch)) return this.scanName(start);
    if (ch === 39 || ch === 34) return this.scanStringToken(start, start);
    if (isDigit(ch) || (ch === 46 && isDigit(c.src.charCodeAt(start + 1)))) return this.scanNumber(start);
    c.pos++;
    if (ch === 40 || ch === 91 || ch === 123) {
      this.brackets.push(ch);
      this.bracketLines.push(c.line);
    } else if (ch === 41 || ch === 93 || ch === 125) {
      const failure = this.closeBracket(ch);
      if (failure) return failure;
    } else if (ch === 58 && c.src.charCodeAt(c.pos) === 61) c.pos++; // `:=` is one token
    return this.emit(PyToken.Op, start, c.pos);
  }

  private closeBracket(ch: number): PyTokenType | undefined {
    const open = this.brackets.pop();
    this.bracketLines.pop();
    const closer = String.fromCharCode(ch);
    if (open === undefined) return this.fail(this.c.line, `unmatched '${closer}'`);
    // ( ) are 40/41; [ ] and { } are two apart.
    if (ch - open !== (open === 40 ? 1 : 2)) {
      return this.fail(this.c.line, `closing parenthesis '${closer}' does not match '${String.fromCharCode(open)}'`);
    }
    return undefined;
  }

  private scanName(start: number): PyTokenType {
    const c = this.c;
    const src = c.src;
    c.pos++;
    while (c.pos < src.length && isNameChar(src.charCodeAt(c.pos))) c.pos++;
    const q = src.charCodeAt(c.pos);
    if ((q === 39 || q === 34) && c.pos - start <= 2 && isStringPrefix(src, start, c.pos)) {
      return this.scanStringToken(start, c.pos);
    }
    return this.emit(PyToken.Name, start, c.pos);
  }

  private scanStringToken(start: number, quotePos: number): PyTokenType {
    const c = this.c;
    const line = c.line;
    c.pos = quotePos;
    const err = scanString(c, prefixFlags(c.src, quotePos));
    if (err) return this.fail(line, err);
    this.emit(PyToken.String, start, c.pos);
    this.line = line;
    return PyToken.String;
  }

  private scanNumber(start: number): PyTokenType {
    const c = this.c;
    const src = c.src;
    for (;;) {
      const ch = src.charCodeAt(c.pos);
      if (isNameChar(ch) || ch === 46) c.pos++;
      else if ((ch === 43 || ch === 45) && (src.charCodeAt(c.pos - 1) | 0x20) === 101)
        c.pos++; // 1e+5
      else break;
    }
    return this.emit(PyToken.Number, start, c.pos);
  }

  private finish(): PyTokenType {
    if (this.brackets.length > 0) {
      const line = this.bracketLines[this.bracketLines.length - 1];
      return this.fail(line, `'${String.fromCharCode(this.brackets[this.brackets.length - 1])}' was never closed`);
    }
    this.line = this.c.line;
    return this.emit(PyToken.EndOfFile, this.c.pos, this.c.pos);
  }

  private emit(type: PyTokenType, start: number, end: number): PyTokenType {
    this.type = type;
    this.start = start;
    this.end = end;
    return type;
  }

  private fail(line: number, message: string): PyTokenType {
    this.error = { line, message };
    this.line = line;
    return this.emit(PyToken.Error, this.c.pos, this.c.pos);
  }
}

function isDigit(ch: number): boolean {
  return ch >= 48 && ch <= 57;
}

function isNameStart(ch: number): boolean {
  return (ch >= 97 && ch <= 122) || (ch >= 65 && ch <= 90) || ch === 95 || ch >= 128;
}

function isNameChar(ch: number): boolean {
  return isNameStart(ch) || isDigit(ch);
}

/** `r`, `b`, `u`, `f`, `rb`, `br`, `fr`, `rf` in any case (also `t` template strings of 3.14). */
function isStringPrefix(src: string, start: number, end: number): boolean {
  const p = src.slice(start, end).toLowerCase();
  return (
    p === 'r' ||
    p === 'b' ||
    p === 'u' ||
    p === 'f' ||
    p === 't' ||
    p === 'rb' ||
    p === 'br' ||
    p === 'fr' ||
    p === 'rf' ||
    p === 'tr' ||
    p === 'rt'
  );
}
