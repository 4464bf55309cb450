/**
 * Ports of Go's `path/filepath.Clean` and `filepath.Match` (Unix flavour). Docker and
 * BuildKit are written in Go, and `.dockerignore` and COPY source semantics are defined by
 * these two functions, so we port them rather than approximate them with a glob library.
 */

/** Go `filepath.Clean` for `/`-separated paths. `''` → `.`, `a//b/../c/` → `a/c`, `/../x` → `/x`. */
export function goClean(path: string): string {
  if (path === '') return '.';
  const rooted = path.startsWith('/');
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part !== '..') {
      out.push(part);
    } else if (out.length > 0 && out[out.length - 1] !== '..') {
      out.pop();
    } else if (!rooted) {
      // A leading `..` of a relative path is kept; above the root it is dropped.
      out.push('..');
    }
  }
  const joined = out.join('/');
  if (rooted) return `/${joined}`;
  return joined === '' ? '.' : joined;
}

/** Returned by {@link goMatch} for a malformed pattern (Go's `ErrBadPattern`). */
export interface BadPattern {
  badPattern: true;
}

/**
 * Go `filepath.Match`: `*` (no `/`), `?` (one non-`/`), `[...]` with ranges and `^`
 * negation (`!` is a literal in Go, unlike shells), `\` escapes. Returns `{ badPattern }`
 * for a malformed pattern, exactly where Go returns `ErrBadPattern`.
 */
export function goMatch(pattern: string, name: string): boolean | BadPattern {
  let pat = Array.from(pattern);
  let rest = Array.from(name);
  while (pat.length > 0) {
    const { star, chunk, remaining } = scanChunk(pat);
    pat = remaining;
    if (star && chunk.length === 0) return !rest.includes('/');
    const first = matchChunk(chunk, rest);
    if (first === BAD) return { badPattern: true };
    if (first !== undefined && (first.length === 0 || pat.length > 0)) {
      rest = first;
      continue;
    }
    const skipped = star ? matchAfterStar(chunk, rest, pat.length === 0) : undefined;
    if (skipped === BAD) return { badPattern: true };
    if (skipped !== undefined) {
      rest = skipped;
      continue;
    }
    return validateRemaining(pat) ? false : { badPattern: true };
  }
  return rest.length === 0;
}

const BAD = Symbol('bad pattern');
type ChunkResult = string[] | undefined | typeof BAD;

function matchAfterStar(chunk: string[], name: string[], last: boolean): ChunkResult {
  for (let i = 0; i < name.length && name[i] !== '/'; i++) {
    const t = matchChunk(chunk, name.slice(i + 1));
    if (t === BAD) return BAD;
    if (t !== undefined) {
      if (last && t.length > 0) continue;
      return t;
    }
  }
  return undefined;
}

function validateRemaining(pat: string[]): boolean {
  let rest = pat;
  while (rest.length > 0) {
    const { chunk, remaining } = scanChunk(rest);
    rest = remaining;
    if (matchChunk(chunk, []) === BAD) return false;
  }
  return true;
}

function scanChunk(pattern: string[]): { star: boolean; chunk: string[]; remaining: string[] } {
  let start = 0;
  while (start < pattern.length && pattern[start] === '*') start++;
  const star = start > 0;
  let inRange = false;
  let i = start;
  for (; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      if (i + 1 < pattern.length) i++;
    } else if (ch === '[') inRange = true;
    else if (ch === ']') inRange = false;
    else if (ch === '*' && !inRange) break;
  }
  return { star, chunk: pattern.slice(start, i), remaining: pattern.slice(i) };
}

/** Matches a star-free chunk at the start of `s`; returns what is left of `s`. */
function matchChunk(chunkIn: string[], sIn: string[]): ChunkResult {
  let chunk = chunkIn;
  let s = sIn;
  // After a failure Go keeps scanning the chunk only to validate its syntax.
  let failed = false;
  while (chunk.length > 0) {
    if (!failed && s.length === 0) failed = true;
    const ch = chunk[0];
    if (ch === '[') {
      const r = failed ? '' : s[0];
      if (!failed) s = s.slice(1);
      const cls = matchClass(chunk.slice(1), r);
      if (cls === BAD) return BAD;
      chunk = cls.rest;
      if (!failed && !cls.matched) failed = true;
      continue;
    }
    if (ch === '?') {
      if (!failed) {
        if (s[0] === '/') failed = true;
        s = s.slice(1);
      }
      chunk = chunk.slice(1);
      continue;
    }
    let literal = ch;
    if (ch === '\\') {
      chunk = chunk.slice(1);
      if (chunk.length === 0) return BAD;
      literal = chunk[0];
    }
    if (!failed) {
      if (literal !== s[0]) failed = true;
      s = s.slice(1);
    }
    chunk = chunk.slice(1);
  }
  return failed ? undefined : s;
}

function matchClass(chunkIn: string[], r: string): { matched: boolean; rest: string[] } | typeof BAD {
  let chunk = chunkIn;
  let negated = false;
  if (chunk[0] === '^') {
    negated = true;
    chunk = chunk.slice(1);
  }
  let match = false;
  let nrange = 0;
  for (;;) {
    if (chunk.length > 0 && chunk[0] === ']' && nrange > 0) {
      chunk = chunk.slice(1);
      break;
    }
    const lo = getEsc(chunk);
    if (lo === BAD) return BAD;
    let hi = lo.ch;
    chunk = lo.rest;
    if (chunk[0] === '-') {
      const h = getEsc(chunk.slice(1));
      if (h === BAD) return BAD;
      hi = h.ch;
      chunk = h.rest;
    }
    const cp = r.codePointAt(0) ?? -1;
    if ((lo.ch.codePointAt(0) ?? 0) <= cp && cp <= (hi.codePointAt(0) ?? 0)) match = true;
    nrange++;
  }
  return { matched: match !== negated, rest: chunk };
}

function getEsc(chunkIn: string[]): { ch: string; rest: string[] } | typeof BAD {
  let chunk = chunkIn;
  if (chunk.length === 0 || chunk[0] === '-' || chunk[0] === ']') return BAD;
  if (chunk[0] === '\\') {
    chunk = chunk.slice(1);
    if (chunk.length === 0) return BAD;
  }
  const rest = chunk.slice(1);
  if (rest.length === 0) return BAD;
  return { ch: chunk[0], rest };
}

/** True when `text` contains Go glob metacharacters. */
export function hasGlob(text: string): boolean {
  return /[*?[]/.test(text);
}
