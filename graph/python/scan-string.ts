import type { SourceCursor } from './source-cursor';

const BACKSLASH = 92;
const LF = 10;
const CR = 13;
const LBRACE = 123;
const RBRACE = 125;
const HASH = 35;
const COLON = 58;
const QUOTE1 = 39;
const QUOTE2 = 34;
const UPPER_N = 78;

/** Prefix letters of a string literal that change how its body is scanned. */
export interface StringFlags {
  raw: boolean;
  format: boolean;
}

/**
 * Scans a string literal whose opening quote is at `c.pos` and leaves `c.pos` after its closing
 * quote. F-strings are scanned the PEP 701 (3.12) way: replacement fields are code, so they may
 * hold strings with the same quote; this also accepts every f-string 3.11 accepts.
 * Returns an error message when the literal is not terminated.
 */
export function scanString(c: SourceCursor, flags: StringFlags): string | undefined {
  const q = c.src.charCodeAt(c.pos);
  const triple = c.src.charCodeAt(c.pos + 1) === q && c.src.charCodeAt(c.pos + 2) === q;
  c.pos += triple ? 3 : 1;
  return scanBody(c, q, triple, flags);
}

/** Consumes one line break (`\n`, `\r\n` or `\r`, as Python counts them). */
export function consumeNewline(c: SourceCursor): void {
  if (c.src.charCodeAt(c.pos) === CR && c.src.charCodeAt(c.pos + 1) === LF) c.pos++;
  c.pos++;
  c.line++;
}

function scanBody(c: SourceCursor, q: number, triple: boolean, flags: StringFlags): string | undefined {
  const src = c.src;
  const n = src.length;
  while (c.pos < n) {
    const ch = src.charCodeAt(c.pos);
    if (ch === q) {
      if (!triple) return void c.pos++;
      if (src.charCodeAt(c.pos + 1) === q && src.charCodeAt(c.pos + 2) === q) return void (c.pos += 3);
      c.pos++;
    } else if (ch === BACKSLASH) {
      // Even in raw strings a backslash keeps the next quote from closing the literal.
      c.pos++;
      if (flags.format && !flags.raw && src.charCodeAt(c.pos) === UPPER_N && src.charCodeAt(c.pos + 1) === LBRACE) {
        skipNamedEscape(c);
      } else if (c.pos < n) {
        const next = src.charCodeAt(c.pos);
        // In f-strings a backslash never escapes a brace: `rf'\{{'` is a backslash and `{{`.
        if (flags.format && (next === LBRACE || next === RBRACE)) continue;
        if (next === LF || next === CR) consumeNewline(c);
        else c.pos++;
      }
    } else if (ch === LF || ch === CR) {
      if (!triple) return 'unterminated string literal';
      consumeNewline(c);
    } else if (flags.format && ch === LBRACE) {
      if (src.charCodeAt(c.pos + 1) === LBRACE) c.pos += 2;
      else {
        c.pos++;
        const err = scanField(c, q, triple);
        if (err) return err;
      }
    } else c.pos++;
  }
  return triple ? 'unterminated triple-quoted string literal' : 'unterminated string literal';
}

/** `\N{EM DASH}` in a non-raw f-string is a character name, not a replacement field. */
function skipNamedEscape(c: SourceCursor): void {
  const close = c.src.indexOf('}', c.pos);
  c.pos = close < 0 ? c.src.length : close + 1;
}

/** Scans the code of a replacement field, after its `{`, up to and including its `}`. */
function scanField(c: SourceCursor, q: number, triple: boolean): string | undefined {
  const src = c.src;
  const n = src.length;
  let depth = 0;
  while (c.pos < n) {
    const ch = src.charCodeAt(c.pos);
    if (ch === QUOTE1 || ch === QUOTE2) {
      const err = scanString(c, prefixFlags(src, c.pos));
      if (err) return err;
    } else if (ch === HASH) {
      while (c.pos < n && src.charCodeAt(c.pos) !== LF && src.charCodeAt(c.pos) !== CR) c.pos++;
    } else if (ch === LF || ch === CR) {
      consumeNewline(c);
    } else if (ch === 40 || ch === 91 || ch === LBRACE) {
      depth++;
      c.pos++;
    } else if (ch === 41 || ch === 93 || ch === RBRACE) {
      c.pos++;
      if (ch === RBRACE && depth === 0) return undefined;
      depth--;
    } else if (ch === COLON && depth === 0 && src.charCodeAt(c.pos + 1) !== 61) {
      c.pos++;
      return scanFormatSpec(c, q, triple);
    } else c.pos++;
  }
  return 'unterminated f-string replacement field';
}

/** The format spec after `:` is literal text that may hold nested `{fields}`. */
function scanFormatSpec(c: SourceCursor, q: number, triple: boolean): string | undefined {
  const src = c.src;
  while (c.pos < src.length) {
    const ch = src.charCodeAt(c.pos);
    if (ch === RBRACE) return void c.pos++;
    if (ch === LBRACE) {
      c.pos++;
      const err = scanField(c, q, triple);
      if (err) return err;
    } else if (ch === q) {
      return undefined; // malformed field; let the body see its closing quote
    } else if (ch === LF || ch === CR) {
      if (!triple) return 'unterminated f-string format spec';
      consumeNewline(c);
    } else c.pos++;
  }
  return 'unterminated f-string replacement field';
}

/** Reads the prefix letters (`rb`, `f`, `Rf`, ...) written just before the quote at `quotePos`. */
export function prefixFlags(src: string, quotePos: number): StringFlags {
  let raw = false;
  let format = false;
  for (let i = quotePos - 1; i >= 0 && i >= quotePos - 2; i--) {
    const ch = src.charCodeAt(i) | 0x20; // lower-case ASCII letters
    if (ch === 114) raw = true;
    else if (ch === 102 || ch === 116)
      format = true; // f-strings and 3.14 t-strings
    else if (ch !== 98 && ch !== 117) break;
  }
  return { raw, format };
}
