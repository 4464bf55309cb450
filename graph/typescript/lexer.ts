import { isIdentChar } from './is-ident-char';
import { isOperandKeyword } from './is-operand-keyword';
import { unescapeJs } from './unescape-js';
import { scanJsx, type JsxState } from './jsx';

/** Token kinds the import extractor cares about; everything else is `Punct` with its char code. */
export const enum Tok {
  EOF,
  Ident,
  String,
  /** A template literal without substitutions: usable as a specifier in `import()` / `require()`. */
  NoSubTemplate,
  /** Any other template part, a number, a regex or a whole JSX element: an operand. */
  Operand,
  Punct,
}

/** A lexing problem: the file is not valid JS/TS; extraction keeps what it found before it. */
export interface LexProblem {
  line: number;
  message: string;
}

const enum Frame {
  Brace,
  Template,
  JsxChild,
  JsxAttr,
}

const CH_LF = 10;
const CH_SLASH = 47;
const CH_STAR = 42;
const CH_BACKSLASH = 92;
const CH_BACKTICK = 96;
const CH_DOLLAR = 36;
const CH_LBRACE = 123;
const CH_RBRACE = 125;

/**
 * A forgiving JS/TS/JSX tokenizer that only distinguishes what import extraction needs.
 * It skips comments, strings, template literals (tracking `${}` nesting), regex literals
 * (decided by the previous token, like a parser would) and, when `jsx` is on, JSX text.
 * It never throws: the first problem is recorded in `problem` and scanning goes on.
 */
export class Lexer {
  pos = 0;
  line = 1;
  tok: Tok = Tok.EOF;
  /** Char code of a `Punct` token (`.` also for `?.`; 0 for `...`). */
  punct = 0;
  /** Start and end offsets of the current token (an `Ident`'s text is sliced only on demand). */
  tokStart = 0;
  tokEnd = 0;
  /** Cooked value of a `String` / `NoSubTemplate`. */
  stringValue = '';
  /** Line where the current token starts. */
  tokLine = 1;
  problem: LexProblem | undefined;
  /** The previous token was `.` or `?.`: the current word is a property name. */
  afterDot = false;
  /** The previous token was `typeof`: an `import(...)` here is a type query. */
  afterTypeof = false;
  private readonly frames: number[] = [];
  private readonly jsxDepths: number[] = [];
  private regexAllowed = true;

  constructor(
    readonly text: string,
    readonly jsx: boolean,
  ) {
    if (text.charCodeAt(0) === 0xfeff) this.pos = 1;
    if (text.startsWith('#!', this.pos)) this.skipLine();
  }

  fail(message: string, line = this.line): void {
    this.problem ??= { line, message };
  }

  /** Advances to the next token and returns its kind. */
  next(): Tok {
    this.afterDot = this.tok === Tok.Punct && this.punct === 46;
    this.afterTypeof = this.tok === Tok.Ident && this.isWord('typeof');
    const t = this.scan();
    this.tok = t;
    this.regexAllowed = this.allowsRegexAfter(t);
    return t;
  }

  /** Text of the current `Ident` token. */
  get value(): string {
    return this.text.slice(this.tokStart, this.tokEnd);
  }

  /** True when the current token is the identifier `word` (compared in place: no string is built). */
  isWord(word: string): boolean {
    return this.tokEnd - this.tokStart === word.length && this.text.startsWith(word, this.tokStart);
  }

  private allowsRegexAfter(t: Tok): boolean {
    if (t === Tok.Ident) return isOperandKeyword(this.text, this.tokStart, this.tokEnd);
    if (t !== Tok.Punct) return false;
    const p = this.punct;
    // `)`, `]`, `}` and postfix `++`/`--` (stored as 1) end an operand: a `/` after them divides.
    return p !== 41 && p !== 93 && p !== 125 && p !== 1;
  }

  private scan(): Tok {
    const text = this.text;
    const len = text.length;
    for (;;) {
      this.skipTrivia();
      if (this.pos >= len) {
        this.tokLine = this.line;
        if (this.frames.length > 0) this.fail('unexpected end of file: unclosed `{`, `${` or JSX expression');
        return Tok.EOF;
      }
      this.tokLine = this.line;
      const c = text.charCodeAt(this.pos);
      if (isIdentChar(c)) return this.scanWord(c);
      if (c === 39 || c === 34) return this.scanString(c);
      if (c === CH_BACKTICK) {
        this.pos++;
        return this.scanTemplate(true);
      }
      if (c === CH_SLASH && this.regexAllowed && this.scanRegex()) return Tok.Operand;
      if (c === 60 && this.jsx && this.regexAllowed) {
        const t = this.startJsx();
        if (t !== undefined) return t;
      }
      return this.scanPunct(c);
    }
  }

  private skipTrivia(): void {
    const text = this.text;
    const len = text.length;
    while (this.pos < len) {
      const c = text.charCodeAt(this.pos);
      if (c === CH_LF) {
        this.line++;
        this.pos++;
      } else if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12 || c === 0xa0 || c === 0xfeff) {
        this.pos++;
      } else if (c === CH_SLASH && text.charCodeAt(this.pos + 1) === CH_SLASH) {
        this.skipLine();
      } else if (c === CH_SLASH && text.charCodeAt(this.pos + 1) === CH_STAR) {
        this.skipBlockComment();
      } else return;
    }
  }

  private skipLine(): void {
    const end = this.text.indexOf('\n', this.pos);
    this.pos = end === -1 ? this.text.length : end;
  }

  /** Skips a block comment; also used by the JSX scanner. */
  skipBlockComment(): void {
    const start = this.line;
    const end = this.text.indexOf('*/', this.pos + 2);
    const stop = end === -1 ? this.text.length : end + 2;
    this.countLines(this.pos, stop);
    this.pos = stop;
    if (end === -1) this.fail('unterminated comment', start);
  }

  countLines(from: number, to: number): void {
    const text = this.text;
    for (let i = text.indexOf('\n', from); i !== -1 && i < to; i = text.indexOf('\n', i + 1)) this.line++;
  }

  private scanWord(first: number): Tok {
    const text = this.text;
    const start = this.pos;
    let i = start + 1;
    while (i < text.length && isIdentChar(text.charCodeAt(i))) i++;
    this.pos = i;
    // Numbers: `1e-5`, `0x1f`, `1_000n`; a `.5`-style fraction is caught in scanPunct.
    if (first >= 48 && first <= 57) return Tok.Operand;
    this.tokStart = start;
    this.tokEnd = i;
    return Tok.Ident;
  }

  private scanString(quote: number): Tok {
    const text = this.text;
    const start = ++this.pos;
    let escaped = false;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === quote) {
        this.pos = i + 1;
        this.stringValue = escaped ? unescapeJs(text.slice(start, i)) : text.slice(start, i);
        return Tok.String;
      }
      if (c === CH_BACKSLASH) {
        escaped = true;
        if (text.charCodeAt(i + 1) === CH_LF) this.line++;
        i++;
      } else if (c === CH_LF) {
        this.pos = i;
        this.fail('unterminated string literal');
        return Tok.Operand;
      }
    }
    this.pos = text.length;
    this.fail('unterminated string literal');
    return Tok.Operand;
  }

  /** Scans template characters from `pos` to the closing backtick or a `${`. */
  private scanTemplate(head: boolean): Tok {
    const text = this.text;
    const start = this.pos;
    const startLine = this.line;
    for (let i = start; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === CH_BACKTICK) {
        this.pos = i + 1;
        if (!head) return Tok.Operand;
        const raw = text.slice(start, i);
        this.stringValue = raw.includes('\\') ? unescapeJs(raw) : raw;
        return Tok.NoSubTemplate;
      }
      if (c === CH_BACKSLASH) {
        if (text.charCodeAt(i + 1) === CH_LF) this.line++;
        i++;
      } else if (c === CH_LF) this.line++;
      else if (c === CH_DOLLAR && text.charCodeAt(i + 1) === CH_LBRACE) {
        this.pos = i + 2;
        this.frames.push(Frame.Template);
        // An expression starts after `${`: report it like `{` so a regex or JSX may follow.
        this.punct = CH_LBRACE;
        return Tok.Punct;
      }
    }
    this.pos = text.length;
    this.fail('unterminated template literal', startLine);
    return Tok.Operand;
  }

  /** Tries to scan a regex literal at `pos`; false (nothing consumed) when it is not one. */
  private scanRegex(): boolean {
    const text = this.text;
    let inClass = false;
    for (let i = this.pos + 1; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === CH_LF) return false;
      if (c === CH_BACKSLASH) i++;
      else if (c === 91) inClass = true;
      else if (c === 93) inClass = false;
      else if (c === CH_SLASH && !inClass) {
        i++;
        while (i < text.length && isIdentChar(text.charCodeAt(i))) i++;
        this.pos = i;
        return true;
      }
    }
    return false;
  }

  private startJsx(): Tok | undefined {
    const state: JsxState | undefined = scanJsx(this, 0, false, true);
    return state === undefined ? undefined : this.afterJsx(state);
  }

  /** Continues after the JSX scanner stopped: either the element closed or a `{` opened. */
  private afterJsx(state: JsxState): Tok {
    if (state.depth === 0) return Tok.Operand;
    this.frames.push(state.inTag ? Frame.JsxAttr : Frame.JsxChild);
    this.jsxDepths.push(state.depth);
    this.punct = CH_LBRACE;
    return Tok.Punct;
  }

  private scanPunct(c: number): Tok {
    const text = this.text;
    const n = text.charCodeAt(this.pos + 1);
    this.pos++;
    this.punct = c;
    if (c === CH_LBRACE) this.frames.push(Frame.Brace);
    else if (c === CH_RBRACE) return this.closeBrace();
    else if (c === 46) {
      if (n >= 48 && n <= 57) return this.scanWord(n);
      if (n === 46 && text.charCodeAt(this.pos + 1) === 46) {
        this.pos += 2;
        this.punct = 0;
      }
    } else if (c === 63 && n === 46) {
      const after = text.charCodeAt(this.pos + 1);
      if (!(after >= 48 && after <= 57)) {
        this.pos++;
        this.punct = 46;
      }
    } else if ((c === 43 || c === 45) && n === c) {
      this.pos++;
      this.punct = 1;
    } else if (c === 60 && n === 60) {
      this.pos++; // `<<`: its second `<` must not open JSX
    } else if (c === 61 && n === 62) {
      this.pos++;
      this.punct = 2;
    }
    return Tok.Punct;
  }

  private closeBrace(): Tok {
    const frame = this.frames.pop();
    if (frame === undefined) {
      this.fail('unexpected `}`');
      return Tok.Punct;
    }
    if (frame === Frame.Template) return this.scanTemplate(false);
    if (frame === Frame.JsxChild || frame === Frame.JsxAttr) {
      const depth = this.jsxDepths.pop() ?? 1;
      const state = scanJsx(this, depth, frame === Frame.JsxAttr, false);
      return this.afterJsx(state ?? { depth: 0, inTag: false });
    }
    return Tok.Punct;
  }
}
