/**
 * Heredoc detection, following BuildKit's `heredocsFromLine` / `ParseHeredoc`: the line is
 * split into shell words (quotes kept) and each word that is exactly `[fd]<<[-]NAME` opens a
 * heredoc. `cat <<EOF>out` is therefore a heredoc named `EOF>out`, as in BuildKit.
 */
import { parseWords } from './words';

/** A heredoc opener found on an instruction line, before its body is read. */
export interface HeredocOpener {
  name: string;
  expand: boolean;
  chomp: boolean;
  fd: number;
}

const OPENER = /^(\d*)<<(-?)([^<]*)$/;

/** Every heredoc opened on `line`, in order. */
export function heredocOpeners(line: string): HeredocOpener[] {
  if (!line.includes('<<')) return [];
  const openers: HeredocOpener[] = [];
  for (const word of parseWords(line, '\\')) {
    const opener = parseOpener(word);
    if (opener) openers.push(opener);
  }
  return openers;
}

/** Parses one word as a heredoc opener, or returns undefined. */
export function parseOpener(word: string): HeredocOpener | undefined {
  const match = OPENER.exec(word);
  if (!match || match[3] === '') return undefined;
  const rest = match[3];
  const name = unquote(rest);
  if (name === '' || /\s/.test(name)) return undefined;
  return {
    name,
    // Any quoting of the delimiter disables expansion of the body (POSIX rule, kept by BuildKit).
    expand: name === rest.replace(/\\(.)/g, '$1') && !/['"]/.test(rest),
    chomp: match[2] === '-',
    fd: match[1] === '' ? 0 : Number(match[1]),
  };
}

function unquote(text: string): string {
  let out = '';
  let quote = '';
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quote) {
      if (ch === quote) quote = '';
      else out += ch;
    } else if (ch === '"' || ch === "'") {
      quote = ch;
    } else if (ch === '\\' && i + 1 < text.length) {
      out += text[++i];
    } else {
      out += ch;
    }
  }
  return out;
}
