/**
 * Word splitting exactly as BuildKit's Dockerfile parser does it (frontend/dockerfile/parser).
 * Docker uses three different splitters depending on the instruction; reproducing each one
 * is what makes line/argument boundaries agree with `docker build`.
 */
import type { DockerFlag } from './types';

const isSpace = (ch: string): boolean => /\s/.test(ch);

/**
 * BuildKit's `parseWords`: quote- and escape-aware split used for ENV, LABEL and ARG.
 * Quotes and escapes are kept in the words; they are removed later by substitution.
 */
export function parseWords(rest: string, escapeChar: string): string[] {
  const chars = Array.from(rest);
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote = '';
  let blankOk = false;
  for (let pos = 0; pos < chars.length; pos++) {
    let ch = chars[pos];
    if (!inWord && !quote) {
      if (isSpace(ch)) continue;
      inWord = true;
    }
    if (quote) {
      if (ch === quote) quote = '';
      // Nothing can be escaped inside single quotes.
      else if (ch === escapeChar && quote !== "'") {
        if (pos + 1 === chars.length) continue;
        word += ch;
        ch = chars[++pos];
      }
      word += ch;
      continue;
    }
    if (isSpace(ch)) {
      if (blankOk || word.length > 0) words.push(word);
      word = '';
      blankOk = false;
      inWord = false;
      continue;
    }
    if (ch === "'" || ch === '"') {
      quote = ch;
      blankOk = true;
    } else if (ch === escapeChar) {
      if (pos + 1 === chars.length) continue;
      word += ch;
      ch = chars[++pos];
    }
    word += ch;
  }
  if ((inWord || quote) && (blankOk || word.length > 0)) words.push(word);
  return words;
}

/** BuildKit's `parseStringsWhitespaceDelimited`: a plain split, blind to quotes. */
export function splitWhitespace(rest: string): string[] {
  const trimmed = rest.trim();
  return trimmed === '' ? [] : trimmed.split(/\s+/);
}

/** Result of {@link extractBuilderFlags}. */
export interface FlagSplit {
  flags: DockerFlag[];
  /** The arguments after the flags (not trimmed at the end). */
  rest: string;
}

/**
 * BuildKit's `extractBuilderFlags`: leading `--name[=value]` words, quote-aware, with `\`
 * (always backslash here, not the escape directive: that is what BuildKit does) escaping.
 * A bare `--` ends the flags.
 */
export function extractBuilderFlags(line: string): FlagSplit {
  const raw: string[] = [];
  let pos = 0;
  while (pos < line.length) {
    while (pos < line.length && isSpace(line[pos])) pos++;
    if (pos >= line.length) break;
    if (!line.startsWith('--', pos)) return { flags: raw.map(toFlag), rest: line.slice(pos) };
    const { word, end, blankOk } = readFlagWord(line, pos);
    pos = end;
    if (word === '--' && !blankOk) {
      return { flags: raw.map(toFlag), rest: line.slice(pos) };
    }
    if (blankOk || word.length > 0) raw.push(word);
  }
  return { flags: raw.map(toFlag), rest: '' };
}

function readFlagWord(line: string, start: number): { word: string; end: number; blankOk: boolean } {
  let word = '';
  let quote = '';
  let blankOk = false;
  let pos = start;
  for (; pos < line.length; pos++) {
    let ch = line[pos];
    if (!quote && isSpace(ch)) break;
    if (!quote && (ch === "'" || ch === '"')) {
      quote = ch;
      blankOk = true;
      continue;
    }
    if (quote && ch === quote) {
      quote = '';
      continue;
    }
    if (ch === '\\') {
      if (pos + 1 === line.length) continue;
      ch = line[++pos];
    }
    word += ch;
  }
  return { word, end: pos, blankOk };
}

function toFlag(word: string): DockerFlag {
  const body = word.replace(/^--/, '');
  const eq = body.indexOf('=');
  if (eq < 0) return { name: body };
  return { name: body.slice(0, eq), value: body.slice(eq + 1) };
}

/**
 * Docker's `parseJSON`: the exec form is used only for a JSON array of strings; anything
 * else (including malformed JSON) silently falls back to the shell form.
 */
export function parseJsonArray(text: string): string[] | undefined {
  const trimmed = text.trim();
  if (!trimmed.startsWith('[')) return undefined;
  let value: unknown;
  try {
    value = JSON.parse(trimmed);
  } catch {
    return undefined;
  }
  if (!Array.isArray(value) || !value.every((v) => typeof v === 'string')) return undefined;
  return value as string[];
}
