/**
 * Variable substitution and quote removal for one word, following BuildKit's shell lexer
 * (`frontend/dockerfile/shell/lex.go`, `ProcessWord`): `$VAR`, `${VAR}`, `${VAR:-d}`,
 * `${VAR-d}`, `${VAR:+a}`, `${VAR+a}`, `${VAR:?m}`, `${VAR?m}`; single quotes are literal,
 * double quotes expand, and the escape character (`\` or `` ` ``) escapes.
 */

/** Returns the value of a variable in scope, or undefined when it is not set. */
export type VariableLookup = (name: string) => string | undefined;

/** Result of {@link expandWord}. */
export interface Expansion {
  value: string;
  /** Every variable name looked up, in order, deduplicated. */
  variables: string[];
  /** Looked-up names that were not set (Docker substitutes the empty string). */
  unset: string[];
  /** Set when the word is malformed (`${`, `${:}`, unsupported modifier...). */
  error?: string;
}

/** Cursor over one word; local to one call. */
interface Lexer {
  chars: string[];
  pos: number;
  escapeChar: string;
  lookup: VariableLookup;
  variables: Set<string>;
  unset: Set<string>;
}

class SubstitutionError extends Error {}

/** Expands variables in `word` and removes quotes and escapes, like Docker does for COPY, ENV, FROM... */
export function expandWord(word: string, lookup: VariableLookup, escapeChar = '\\'): Expansion {
  const lx: Lexer = { chars: Array.from(word), pos: 0, escapeChar, lookup, variables: new Set(), unset: new Set() };
  try {
    const value = processUntil(lx, undefined);
    return { value, variables: [...lx.variables], unset: [...lx.unset] };
  } catch (error) {
    // Converted once, here: callers only ever see data.
    const message = error instanceof SubstitutionError ? error.message : String(error);
    return { value: '', variables: [...lx.variables], unset: [...lx.unset], error: message };
  }
}

const peek = (lx: Lexer): string | undefined => lx.chars[lx.pos];

function processUntil(lx: Lexer, stop: string | undefined): string {
  let out = '';
  while (lx.pos < lx.chars.length) {
    const ch = lx.chars[lx.pos];
    if (stop !== undefined && ch === stop) {
      lx.pos++;
      return out;
    }
    if (ch === "'") out += singleQuoted(lx);
    else if (ch === '"') out += doubleQuoted(lx);
    else if (ch === '$') out += dollar(lx);
    else if (ch === lx.escapeChar) {
      lx.pos++;
      if (lx.pos < lx.chars.length) out += lx.chars[lx.pos++];
    } else {
      out += ch;
      lx.pos++;
    }
  }
  if (stop !== undefined) throw new SubstitutionError(`unexpected end of statement while looking for matching ${stop}`);
  return out;
}

function singleQuoted(lx: Lexer): string {
  lx.pos++;
  let out = '';
  while (lx.pos < lx.chars.length) {
    const ch = lx.chars[lx.pos++];
    if (ch === "'") return out;
    out += ch;
  }
  throw new SubstitutionError('unexpected end of statement while looking for matching single-quote');
}

function doubleQuoted(lx: Lexer): string {
  lx.pos++;
  let out = '';
  while (lx.pos < lx.chars.length) {
    const ch = lx.chars[lx.pos];
    if (ch === '"') {
      lx.pos++;
      return out;
    }
    if (ch === '$') {
      out += dollar(lx);
      continue;
    }
    lx.pos++;
    if (ch === lx.escapeChar) {
      const next = peek(lx);
      if (next === undefined) continue;
      // Only ", $ and the escape itself can be escaped inside double quotes.
      if (next === '"' || next === '$' || next === lx.escapeChar) {
        out += next;
        lx.pos++;
        continue;
      }
    }
    out += ch;
  }
  throw new SubstitutionError('unexpected end of statement while looking for matching double-quote');
}

function readName(lx: Lexer): string {
  let name = '';
  const first = peek(lx);
  if (first !== undefined && /[0-9]/.test(first)) {
    while (peek(lx) !== undefined && /[0-9]/.test(peek(lx) as string)) name += lx.chars[lx.pos++];
    return name;
  }
  while (peek(lx) !== undefined && /[\p{L}\p{N}_]/u.test(peek(lx) as string)) name += lx.chars[lx.pos++];
  return name;
}

function get(lx: Lexer, name: string): string | undefined {
  lx.variables.add(name);
  const value = lx.lookup(name);
  if (value === undefined) lx.unset.add(name);
  return value;
}

function dollar(lx: Lexer): string {
  lx.pos++;
  if (peek(lx) !== '{') {
    const name = readName(lx);
    return name === '' ? '$' : (get(lx, name) ?? '');
  }
  lx.pos++;
  const first = peek(lx);
  if (first === undefined) throw new SubstitutionError("syntax error: missing '}'");
  if (first === '{' || first === '}' || first === ':') throw new SubstitutionError('syntax error: bad substitution');
  const name = readName(lx);
  const op = lx.chars[lx.pos++];
  if (op === '}') return get(lx, name) ?? '';
  if (op === ':') return modifier(lx, name, lx.chars[lx.pos++], true);
  return modifier(lx, name, op, false);
}

/** `${name:-word}` (colon: empty counts as unset) and `${name-word}` (colon-less) forms. */
function modifier(lx: Lexer, name: string, op: string | undefined, colon: boolean): string {
  if (op === undefined) throw new SubstitutionError("syntax error: missing '}'");
  if (op !== '-' && op !== '+' && op !== '?') {
    throw new SubstitutionError(`unsupported modifier (${op}) in substitution`);
  }
  const word = processUntil(lx, '}');
  const value = get(lx, name);
  const present = colon ? value !== undefined && value !== '' : value !== undefined;
  if (op === '-') return present ? (value as string) : word;
  if (op === '+') return present ? word : '';
  if (!present) throw new SubstitutionError(`${name}: ${word || 'is not allowed to be empty'}`);
  return value as string;
}

/** Names referenced as `$X` / `${X...}` in shell text that Docker itself does not expand (RUN). */
export function shellVariableReferences(text: string): string[] {
  const names = new Set<string>();
  for (const match of text.matchAll(/\$\{?([A-Za-z_][A-Za-z0-9_]*)/g)) names.add(match[1]);
  return [...names];
}
