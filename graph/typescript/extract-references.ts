import type { RawImport } from '../types';

const DIRECTIVE = /^\/\/\/\s*<(\S+)\s.*?\/>/;

function attribute(comment: string, name: string): string | undefined {
  // Same attribute syntax TypeScript's pragma parser accepts (single or double quotes).
  const m = new RegExp(`\\s${name}\\s*=\\s*(?:'([^']*)'|"([^"]*)")`, 'i').exec(comment);
  return m ? (m[1] ?? m[2]) : undefined;
}

/**
 * Triple-slash `/// <reference path="..." />` and `types="..."` directives. Like TypeScript, only
 * the comments before the first token count; `lib=` and `no-default-lib` are not file references.
 */
export function extractReferences(text: string): RawImport[] {
  const out: RawImport[] = [];
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  let line = 1;
  if (text.startsWith('#!', pos)) {
    const nl = text.indexOf('\n', pos);
    pos = nl === -1 ? text.length : nl;
  }
  while (pos < text.length) {
    const c = text.charCodeAt(pos);
    if (c === 10) {
      line++;
      pos++;
    } else if (c === 32 || c === 9 || c === 13 || c === 11 || c === 12) pos++;
    else if (text.startsWith('//', pos)) {
      const nl = text.indexOf('\n', pos);
      const end = nl === -1 ? text.length : nl;
      if (text.charCodeAt(pos + 2) === 47) addDirective(text.slice(pos, end), line, out);
      pos = end;
    } else if (text.startsWith('/*', pos)) {
      const close = text.indexOf('*/', pos + 2);
      const end = close === -1 ? text.length : close + 2;
      for (let i = text.indexOf('\n', pos); i !== -1 && i < end; i = text.indexOf('\n', i + 1)) line++;
      pos = end;
    } else break;
  }
  return out;
}

function addDirective(comment: string, line: number, out: RawImport[]): void {
  const m = DIRECTIVE.exec(comment);
  if (!m || m[1].toLowerCase() !== 'reference') return;
  if (attribute(comment, 'no-default-lib') === 'true') return;
  const types = attribute(comment, 'types');
  if (types !== undefined) {
    out.push({ specifier: types, kind: 'reference', line });
    return;
  }
  if (attribute(comment, 'lib') !== undefined) return;
  const path = attribute(comment, 'path');
  if (path !== undefined) out.push({ specifier: path, kind: 'reference', line });
}
