/** Result of {@link parseJsonc}: the value, or where and why it failed. */
export type JsoncResult = { ok: true; value: unknown } | { ok: false; line: number; message: string };

/**
 * Parses JSON with comments and trailing commas (tsconfig.json's dialect). Comments and
 * trailing commas are blanked out in place, so JSON.parse's error position maps to the
 * original line. Never throws.
 */
export function parseJsonc(text: string): JsoncResult {
  const clean = blankCommentsAndTrailingCommas(text.charCodeAt(0) === 0xfeff ? ` ${text.slice(1)}` : text);
  try {
    return { ok: true, value: JSON.parse(clean) };
  } catch (err) {
    const message = (err as Error).message;
    const m = /position (\d+)/.exec(message);
    const pos = m ? Number(m[1]) : clean.length;
    return { ok: false, line: lineAt(text, pos), message: message.replace(/^JSON\.parse: /, '') };
  }
}

function lineAt(text: string, pos: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < pos; i = text.indexOf('\n', i + 1)) line++;
  return line;
}

function blankCommentsAndTrailingCommas(text: string): string {
  const out = text.split('');
  let lastComma = -1;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === '"') {
      lastComma = -1;
      for (i++; i < text.length && text[i] !== '"' && text[i] !== '\n'; i++) if (text[i] === '\\') i++;
    } else if (c === '/' && text[i + 1] === '/') {
      for (; i < text.length && text[i] !== '\n'; i++) out[i] = ' ';
    } else if (c === '/' && text[i + 1] === '*') {
      const end = text.indexOf('*/', i + 2);
      const stop = end === -1 ? text.length : end + 2;
      for (; i < stop; i++) if (text[i] !== '\n') out[i] = ' ';
      i--;
    } else if (c === ',') lastComma = i;
    else if ((c === '}' || c === ']') && lastComma !== -1) {
      out[lastComma] = ' ';
      lastComma = -1;
    } else if (c !== ' ' && c !== '\t' && c !== '\n' && c !== '\r') lastComma = -1;
  }
  return out.join('');
}
