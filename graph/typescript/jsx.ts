import { isIdentChar } from './is-ident-char';
import type { Lexer } from './lexer';

/** Where the JSX scanner stopped: `depth` open elements left (0: the outermost one closed). */
export interface JsxState {
  depth: number;
  /** True when it stopped at a `{` inside a tag (an attribute expression), false in children. */
  inTag: boolean;
}

const CH_LT = 60;
const CH_GT = 62;
const CH_SLASH = 47;
const CH_LBRACE = 123;

function isTagNameChar(c: number): boolean {
  return isIdentChar(c) || c === 45 || c === 58 || c === 46;
}

/**
 * Scans JSX from `lex.pos` until the outermost element closes or a `{` starts an embedded
 * expression (the lexer then scans the expression and calls back here at its `}`).
 * With `start`, `lex.pos` is at a `<` in expression position; it returns undefined (consuming
 * nothing) when that `<` opens a TSX generic parameter list (`<T,>` or `<T extends U>`).
 */
export function scanJsx(lex: Lexer, depth: number, inTag: boolean, start: boolean): JsxState | undefined {
  if (start) {
    const afterName = readTagName(lex.text, lex.pos + 1);
    if (afterName === undefined || isGenericParameterList(lex.text, afterName)) return undefined;
    lex.pos = skipTypeArguments(lex, afterName);
    depth = 1;
    inTag = true;
  }
  const text = lex.text;
  while (lex.pos < text.length) {
    if (inTag) {
      const r = scanInTag(lex);
      if (r === 'expr') return { depth, inTag: true };
      if (r === 'selfclose') {
        depth--;
        inTag = false;
        if (depth === 0) return { depth, inTag };
      } else if (r === 'open') inTag = false;
      continue;
    }
    const next = nextChildMarker(text, lex.pos);
    lex.countLines(lex.pos, next);
    lex.pos = next;
    if (next >= text.length) break;
    if (text.charCodeAt(next) === CH_LBRACE) {
      lex.pos++;
      return { depth, inTag: false };
    }
    if (text.charCodeAt(next + 1) === CH_SLASH) {
      const close = text.indexOf('>', next);
      const end = close === -1 ? text.length : close + 1;
      lex.countLines(next, end);
      lex.pos = end;
      if (--depth === 0) return { depth, inTag: false };
    } else {
      const afterName = readTagName(text, next + 1);
      lex.pos = afterName === undefined ? next + 1 : skipTypeArguments(lex, afterName);
      depth++;
      inTag = true;
    }
  }
  lex.fail('unterminated JSX element');
  return { depth: 0, inTag: false };
}

/** One step inside a tag: skips an attribute, a string, trivia; reports `>`, `/>` and `{`. */
function scanInTag(lex: Lexer): 'expr' | 'selfclose' | 'open' | 'more' {
  const text = lex.text;
  const c = text.charCodeAt(lex.pos);
  if (c === 10) {
    lex.line++;
    lex.pos++;
  } else if (c === CH_SLASH && text.charCodeAt(lex.pos + 1) === CH_GT) {
    lex.pos += 2;
    return 'selfclose';
  } else if (c === CH_SLASH && text.charCodeAt(lex.pos + 1) === 42) {
    lex.skipBlockComment();
  } else if (c === CH_SLASH && text.charCodeAt(lex.pos + 1) === CH_SLASH) {
    const end = text.indexOf('\n', lex.pos);
    lex.pos = end === -1 ? text.length : end;
  } else if (c === CH_GT) {
    lex.pos++;
    return 'open';
  } else if (c === CH_LBRACE) {
    lex.pos++;
    return 'expr';
  } else if (c === 34 || c === 39) {
    const close = text.indexOf(String.fromCharCode(c), lex.pos + 1);
    const end = close === -1 ? text.length : close + 1;
    lex.countLines(lex.pos, end);
    lex.pos = end;
  } else lex.pos++;
  return 'more';
}

function nextChildMarker(text: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === CH_LT || c === CH_LBRACE) return i;
  }
  return text.length;
}

/** Position after a tag name at `at` (empty for a fragment `<>`), or undefined if none is there. */
function readTagName(text: string, at: number): number | undefined {
  const c = text.charCodeAt(at);
  if (c === CH_GT) return at;
  if (!isIdentChar(c) || (c >= 48 && c <= 57)) return undefined;
  let i = at + 1;
  while (i < text.length && isTagNameChar(text.charCodeAt(i))) i++;
  return i;
}

/**
 * Skips the type arguments of an element (`<List<Todo> ...>`, TSX since TypeScript 2.9) when
 * they follow the tag name, so that their `>` does not read as the end of the opening tag.
 * Nested lists and arrows (`<F<() => void>>`) count; strings are skipped whole.
 */
function skipTypeArguments(lex: Lexer, afterName: number): number {
  const text = lex.text;
  let i = afterName;
  while (
    i < text.length &&
    (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9 || text.charCodeAt(i) === 10 || text.charCodeAt(i) === 13)
  )
    i++;
  if (text.charCodeAt(i) !== CH_LT) return afterName;
  let depth = 0;
  for (; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === CH_LT) depth++;
    else if (c === CH_GT && text.charCodeAt(i - 1) !== 61 && --depth === 0) break;
    else if (c === 34 || c === 39 || c === 96) {
      const close = text.indexOf(String.fromCharCode(c), i + 1);
      i = close === -1 ? text.length : close;
    }
  }
  const end = Math.min(i + 1, text.length);
  lex.countLines(afterName, end);
  return end;
}

function isGenericParameterList(text: string, afterName: number): boolean {
  let i = afterName;
  while (i < text.length && (text.charCodeAt(i) === 32 || text.charCodeAt(i) === 9)) i++;
  if (text.charCodeAt(i) === 44) return true;
  return text.startsWith('extends', i) && !isIdentChar(text.charCodeAt(i + 7));
}
