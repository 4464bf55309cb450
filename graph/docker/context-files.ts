/**
 * Which files of a build context a build can read: those that survive `.dockerignore`, and
 * of those, the ones a COPY/ADD source or a bind mount reaches. This is the exact input set
 * of an image build, so it is what the Nx plugin hashes.
 */
import { normalizeContextPath, parseDockerignore, type Dockerignore } from './dockerignore';
import { goMatch } from './go-path';
import type { DockerSource } from './types';

/** The part of {@link Dockerignore} these functions need. */
export type ContextFilter = Pick<Dockerignore, 'isExcluded'>;

/** A source as accepted by {@link reachableContextFiles}: a path/glob or a model source. */
export type SourceSpec = string | Pick<DockerSource, 'path' | 'excludes'>;

/**
 * Context files (context-relative, forward slashes) that Docker sends to the builder.
 * Returned normalised (`./a` → `a`), in input order, without duplicates.
 */
export function survivingContextFiles(files: readonly string[], ignore: ContextFilter): string[] {
  const out = new Set<string>();
  for (const file of files) {
    const path = normalizeContextPath(file);
    if (path !== '.' && !ignore.isExcluded(path)) out.add(path);
  }
  return [...out];
}

/**
 * Context files that at least one source reaches, after `.dockerignore` (when given).
 * A source matches like COPY does: Go `filepath.Match` per path segment (so `*` never
 * crosses `/` and `**` is just `*`), and a source naming a directory reaches all below it.
 *
 * @example
 * reachableContextFiles(['src/a.ts', 'docs/x.md', 'package.json'], ['package*.json', 'src'])
 * // ['src/a.ts', 'package.json']
 */
export function reachableContextFiles(
  files: readonly string[],
  sources: readonly SourceSpec[],
  ignore?: ContextFilter,
): string[] {
  const candidates = ignore
    ? survivingContextFiles(files, ignore)
    : survivingContextFiles(files, { isExcluded: () => false });
  const specs = sources.map(toSpec);
  return candidates.filter((file) => specs.some((spec) => specReaches(spec, file)));
}

interface Spec {
  segments: string[];
  excludes: ContextFilter;
}

function toSpec(source: SourceSpec): Spec {
  const path = typeof source === 'string' ? source : source.path;
  const excludes = typeof source === 'string' ? [] : source.excludes;
  const normalized = normalizeContextPath(path);
  return {
    segments: normalized === '.' ? [] : normalized.split('/'),
    // `--exclude` patterns use the .dockerignore matcher (parent directories, `!` exceptions).
    excludes: parseDockerignore(excludes.join('\n')),
  };
}

/**
 * True when the source matches the file or one of its parent directories. `--exclude`
 * patterns are matched against the path below the matched source, as BuildKit applies them
 * to each copied tree.
 */
export function sourceReaches(source: SourceSpec, file: string): boolean {
  return specReaches(toSpec(source), file);
}

function specReaches(s: Spec, file: string): boolean {
  const parts = normalizeContextPath(file).split('/');
  if (parts.length < s.segments.length) return false;
  for (let i = 0; i < s.segments.length; i++) {
    if (goMatch(s.segments[i], parts[i]) !== true) return false;
  }
  const below = parts.slice(s.segments.length).join('/') || parts[parts.length - 1];
  return !s.excludes.isExcluded(below);
}
