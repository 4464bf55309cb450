/**
 * A small JSON parser that also accepts what tsconfig files allow (comments and trailing commas)
 * and, unlike `JSON.parse` on Node 20, always reports the line and column of a syntax error.
 * Located errors are what let one bad file become one precise diagnostic instead of a crash.
 */

export type JsoncResult = { ok: true; value: unknown } | { ok: false; message: string; line: number; column: number };

interface Options {
  /** Accept `//` and `/* *\/` comments and trailing commas (tsconfig); off for package.json. */
  jsonc: boolean;
}

class JsonSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

/** Parses JSON (or JSONC with `{ jsonc: true }`); never throws. */
export function parseJsonc(text: string, options: Options = { jsonc: true }): JsoncResult {
  const parser = new Parser(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text, options.jsonc);
  try {
    const value = parser.document();
    return { ok: true, value };
  } catch (e) {
    if (!(e instanceof JsonSyntaxError)) throw e;
    const { line, column } = lineAndColumn(parser.text, e.offset);
    return { ok: false, message: e.message, line, column };
  }
}

/** 1-based line and column of an offset. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  let line = 1;
  let lineStart = 0;
  for (let i = 0; i < offset && i < text.length; i++) {
    if (text.charCodeAt(i) === 10) {
      line++;
      lineStart = i + 1;
    }
  }
  return { line, column: offset - lineStart + 1 };
}

class Parser {
  private pos = 0;
  constructor(
    readonly text: string,
    private readonly jsonc: boolean,
  ) {}

  document(): unknown {
    const value = this.value();
    this.skip();
    if (this.pos < this.text.length) this.fail(`unexpected ${this.describe()} after the end of the value`);
    return value;
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.pos);
  }

  private describe(): string {
    return this.pos >= this.text.length ? 'end of file' : `character ${JSON.stringify(this.text[this.pos])}`;
  }

  private skip(): void {
    for (;;) {
      const c = this.text[this.pos];
      if (c === ' ' || c === '\t' || c === '\n' || c === '\r') this.pos++;
      else if (this.jsonc && c === '/' && this.text[this.pos + 1] === '/') {
        const end = this.text.indexOf('\n', this.pos);
        this.pos = end < 0 ? this.text.length : end;
      } else if (this.jsonc && c === '/' && this.text[this.pos + 1] === '*') {
        const end = this.text.indexOf('*/', this.pos + 2);
        if (end < 0) this.fail('unterminated comment');
        this.pos = end + 2;
      } else return;
    }
  }

  private value(): unknown {
    this.skip();
    const c = this.text[this.pos];
    if (c === '{') return this.object();
    if (c === '[') return this.array();
    if (c === '"') return this.string();
    if (c === '-' || (c >= '0' && c <= '9')) return this.number();
    for (const [word, value] of [
      ['true', true],
      ['false', false],
      ['null', null],
    ] as const) {
      if (this.text.startsWith(word, this.pos)) {
        this.pos += word.length;
        return value;
      }
    }
    return this.fail(`expected a value, found ${this.describe()}`);
  }

  private object(): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.pos++; // {
    for (let first = true; ; first = false) {
      this.skip();
      if (this.text[this.pos] === '}' && (first || this.jsonc)) {
        this.pos++;
        return out;
      }
      if (this.text[this.pos] !== '"') this.fail(`expected a property name in double quotes, found ${this.describe()}`);
      const key = this.string();
      this.skip();
      if (this.text[this.pos] !== ':') this.fail(`expected ":" after property name, found ${this.describe()}`);
      this.pos++;
      Object.defineProperty(out, key, { value: this.value(), enumerable: true, writable: true, configurable: true });
      this.skip();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] === '}') {
        this.pos++;
        return out;
      } else this.fail(`expected "," or "}" in object, found ${this.describe()}`);
    }
  }

  private array(): unknown[] {
    const out: unknown[] = [];
    this.pos++; // [
    for (let first = true; ; first = false) {
      this.skip();
      if (this.text[this.pos] === ']' && (first || this.jsonc)) {
        this.pos++;
        return out;
      }
      out.push(this.value());
      this.skip();
      if (this.text[this.pos] === ',') this.pos++;
      else if (this.text[this.pos] === ']') {
        this.pos++;
        return out;
      } else this.fail(`expected "," or "]" in array, found ${this.describe()}`);
    }
  }

  private string(): string {
    const start = this.pos;
    this.pos++; // opening quote
    for (;;) {
      const c = this.text[this.pos];
      if (c === undefined || c === '\n') {
        this.pos = start;
        this.fail('unterminated string');
      }
      if (c === '\\') this.pos += 2;
      else if (c === '"') break;
      else this.pos++;
    }
    this.pos++;
    const raw = this.text.slice(start, this.pos);
    try {
      return JSON.parse(raw) as string;
    } catch {
      this.pos = start;
      return this.fail('invalid escape in string');
    }
  }

  private number(): number {
    const m = /^-?(0|[1-9]\d*)(\.\d+)?([eE][+-]?\d+)?/.exec(this.text.slice(this.pos, this.pos + 64));
    if (!m) this.fail(`invalid number`);
    this.pos += m[0].length;
    return Number(m[0]);
  }
}
