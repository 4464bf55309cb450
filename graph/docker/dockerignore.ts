/**
 * `.dockerignore` with Docker's exact semantics: the reader is moby/patternmatcher's
 * `ignorefile.ReadAll`, the matcher is `PatternMatcher.MatchesOrParentMatches`, and each
 * pattern is compiled to a regular expression the way `Pattern.compile` does it. The
 * differences from .gitignore are deliberate and documented in docs/dockerfiles.md.
 */
import { readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import * as nodePath from 'node:path';
import { goClean, goMatch } from './go-path';
import type { DockerfileDiagnostic } from './types';

/** One pattern line after Docker's cleaning. */
export interface DockerignorePattern {
  /** Cleaned pattern without the leading `!`, e.g. `**\/*.go`, `README-secret.md`. */
  pattern: string;
  /** True for `!pattern` lines: a match re-includes the path. */
  exclusion: boolean;
  /** 1-based line in the ignore file. */
  line: number;
}

/** A loaded ignore file and its matcher. */
export interface Dockerignore {
  /** The file the patterns came from (`Dockerfile.dockerignore` or `.dockerignore`); undefined when none. */
  source?: string;
  patterns: DockerignorePattern[];
  /** Bad patterns (skipped) with their lines. */
  diagnostics: DockerfileDiagnostic[];
  /**
   * True when the context-relative path (forward slashes; `./` and leading `/` tolerated)
   * is left out of the build context. The context root itself is never excluded.
   */
  isExcluded(relPath: string): boolean;
}

/** Options of {@link parseDockerignore}. */
export interface ParseDockerignoreOptions {
  /** Path used in diagnostics and as `source`. */
  file?: string;
}

/** Parses ignore-file text (pure). Bad patterns are reported and skipped instead of failing. */
export function parseDockerignore(text: string, options: ParseDockerignoreOptions = {}): Dockerignore {
  const file = options.file ?? '.dockerignore';
  const patterns: DockerignorePattern[] = [];
  const diagnostics: DockerfileDiagnostic[] = [];
  const lines = text.replace(/^\uFEFF/, '').split('\n');
  lines.forEach((rawLine, i) => {
    const pattern = readPatternLine(rawLine.replace(/\r$/, ''));
    if (!pattern) return;
    const checked = goMatch(pattern.pattern, '.');
    if (typeof checked !== 'boolean' || pattern.pattern === '') {
      const message =
        pattern.pattern === '' ? 'illegal exclusion pattern: "!"' : `syntax error in pattern: ${pattern.pattern}`;
      diagnostics.push({ file, line: i + 1, code: 'DOCKERIGNORE_BAD_PATTERN', message, severity: 'error' });
      return;
    }
    patterns.push({ ...pattern, line: i + 1 });
  });
  const matchers = patterns.map((p) => ({ exclusion: p.exclusion, match: compilePattern(p.pattern) }));
  const result: Dockerignore = {
    patterns,
    diagnostics,
    isExcluded: (relPath) => isExcludedBy(matchers, relPath),
  };
  if (options.file !== undefined) result.source = options.file;
  return result;
}

/** ReadAll: `#` only in column one starts a comment; whitespace is trimmed; paths are cleaned. */
function readPatternLine(line: string): Omit<DockerignorePattern, 'line'> | undefined {
  if (line.startsWith('#')) return undefined;
  let pattern = line.trim();
  if (pattern === '') return undefined;
  const exclusion = pattern.startsWith('!');
  if (exclusion) pattern = pattern.slice(1).trim();
  if (pattern !== '') {
    pattern = goClean(pattern);
    if (pattern.length > 1 && pattern.startsWith('/')) pattern = pattern.slice(1);
  }
  return { pattern, exclusion };
}

type PathMatcher = (path: string) => boolean;

/**
 * Docker's `Pattern.compile`: `**` crosses directories (and a leading `**\/` may match
 * nothing), `*` and `?` never cross `/`, `[...]` and `\` escapes pass through to the regexp,
 * the regexp metacharacters `.+(){}$|` are escaped. Docker also takes exact, prefix and suffix shortcuts;
 * they are reproduced because the suffix one differs from the regexp (`**foo` matches `barfoo`).
 */
export function compilePattern(pattern: string): PathMatcher {
  const chars = Array.from(pattern);
  let source = '^';
  let type: 'exact' | 'prefix' | 'suffix' | 'regexp' = 'exact';
  for (let i = 0; i < chars.length; i++) {
    const ch = chars[i];
    const atStart = i === 0;
    if (ch === '*' && chars[i + 1] === '*') {
      i++;
      if (chars[i + 1] === '/') i++;
      if (i + 1 >= chars.length) {
        if (type === 'exact') type = 'prefix';
        else {
          source += '.*';
          type = 'regexp';
        }
      } else {
        source += '(.*/)?';
        type = 'regexp';
      }
      if (atStart) type = 'suffix';
    } else if (ch === '*' || ch === '?') {
      source += ch === '*' ? '[^/]*' : '[^/]';
      type = 'regexp';
    } else if ('.+(){}$|'.includes(ch)) {
      // Docker escapes exactly these; `^` passes through, so `[^a]` is a negated class.
      source += `\\${ch}`;
    } else if (ch === '\\') {
      if (i + 1 < chars.length) {
        source += `\\${chars[++i]}`;
        type = 'regexp';
      } else source += '\\\\';
    } else if (ch === '[' || ch === ']') {
      source += ch;
      type = 'regexp';
    } else source += ch;
  }
  switch (type) {
    case 'exact':
      return (path) => path === pattern;
    case 'prefix':
      return (path) => path.startsWith(pattern.slice(0, -2));
    case 'suffix':
      return suffixMatcher(pattern.slice(2));
    default:
      return compileRegExp(`${source}$`);
  }
}

function suffixMatcher(suffix: string): PathMatcher {
  // `**/foo` also matches `foo` itself.
  return (path) => path.endsWith(suffix) || (suffix.startsWith('/') && path === suffix.slice(1));
}

function compileRegExp(source: string): PathMatcher {
  try {
    const re = new RegExp(source);
    return (path) => re.test(path);
  } catch {
    // goMatch has already validated the pattern; a regexp Go accepts but JS does not matches nothing.
    return () => false;
  }
}

/** `MatchesOrParentMatches`: a pattern that matches a parent directory matches the path; last match wins. */
function isExcludedBy(matchers: ReadonlyArray<{ exclusion: boolean; match: PathMatcher }>, relPath: string): boolean {
  const path = normalizeContextPath(relPath);
  if (path === '.') return false;
  const parts = path.split('/');
  const parents = parts.slice(0, -1).map((_, i) => parts.slice(0, i + 1).join('/'));
  let matched = false;
  for (const { exclusion, match } of matchers) {
    // An inclusion cannot change an already-excluded path, nor an exclusion an included one.
    if (exclusion !== matched) continue;
    if (match(path) || parents.some(match)) matched = !exclusion;
  }
  return matched;
}

/** `./a//b/` → `a/b`; `/x` → `x`; backslashes become slashes. */
export function normalizeContextPath(relPath: string): string {
  const cleaned = goClean(relPath.replace(/\\/g, '/'));
  const stripped = cleaned.replace(/^\/+/, '');
  return stripped === '' ? '.' : stripped;
}

/**
 * The ignore files Docker considers, most specific first: `<Dockerfile path>.dockerignore`
 * (next to the Dockerfile, e.g. `build/api.Dockerfile.dockerignore`), then the context's
 * `.dockerignore`. Only the first that exists is used; they are never merged.
 */
export function dockerignoreCandidates(contextDir: string, dockerfilePath: string): string[] {
  const dockerfile = nodePath.resolve(contextDir, dockerfilePath);
  return [`${dockerfile}.dockerignore`, nodePath.join(nodePath.resolve(contextDir), '.dockerignore')];
}

/** Reads the ignore file that applies to this Dockerfile and context; none gives an empty matcher. */
export async function loadDockerignore(contextDir: string, dockerfilePath: string): Promise<Dockerignore> {
  for (const candidate of dockerignoreCandidates(contextDir, dockerfilePath)) {
    let text: string;
    try {
      text = await readFile(candidate, 'utf8');
    } catch (error) {
      if (isMissing(error)) continue;
      return unreadable(candidate, error);
    }
    return parseDockerignore(text, { file: candidate });
  }
  return parseDockerignore('');
}

/** Synchronous {@link loadDockerignore}, for callers that cannot await (e.g. sync graph code). */
export function loadDockerignoreSync(contextDir: string, dockerfilePath: string): Dockerignore {
  for (const candidate of dockerignoreCandidates(contextDir, dockerfilePath)) {
    try {
      return parseDockerignore(readFileSync(candidate, 'utf8'), { file: candidate });
    } catch (error) {
      if (isMissing(error)) continue;
      return unreadable(candidate, error);
    }
  }
  return parseDockerignore('');
}

function isMissing(error: unknown): boolean {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  return code === 'ENOENT' || code === 'ENOTDIR';
}

/** An unreadable ignore file excludes nothing but says so (Docker would fail the build). */
function unreadable(file: string, error: unknown): Dockerignore {
  const result = parseDockerignore('', { file });
  const message = `cannot read ${file}: ${error instanceof Error ? error.message : String(error)}`;
  result.diagnostics.push({ file, line: 1, code: 'DOCKERIGNORE_UNREADABLE', message, severity: 'error' });
  return result;
}
