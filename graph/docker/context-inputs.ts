/**
 * The build-context part of a docker-build target's inputs, as Nx file-set globs.
 *
 * Nx inputs are globs over Nx's file set, while Docker's input set is "files a COPY/ADD
 * source or bind mount reaches, minus what .dockerignore (or --exclude) drops". Translating
 * .dockerignore patterns into globs is not exact (exceptions, Docker's `**` quirks), so:
 * - each source becomes positive globs with Docker's per-segment meaning (`*` never crosses
 *   `/`, `**` is `*`), plus `<source>/**` because a source naming a folder copies it all;
 * - every context file those globs could match (computed with a deliberately looser matcher,
 *   so that any reasonable glob engine matches a subset) that Docker does not send is negated
 *   by exact path (`!{workspaceRoot}/...`), so an ignored file cannot sneak in;
 * - a source whose text Nx's glob syntax would read differently (`[...]`, `{...}`) is
 *   enumerated file by file instead.
 * A file added later and not yet negated can cost a needless cache miss, never a false hit.
 */
import { reachableContextFiles, type ContextFilter } from './context-files';
import type { DockerSource } from './types';

/** Workspace-relative globs (no `{workspaceRoot}` token) and exact negations. */
export interface ContextInputGlobs {
  globs: string[];
  /** Files matched by `globs` that Docker does not send (excluded or out of reach). */
  negations: string[];
  /** The exact files Docker sends today (context-relative paths joined to the context). */
  files: string[];
}

/** Characters Nx's glob engine gives a meaning Docker does not (braces, classes, extglobs). */
const NOT_TRANSLATABLE = /[[\]{}]|[@!+*?]\(/;

/**
 * @param context workspace-relative context folder (`.` = workspace root)
 * @param contextFiles files of Nx's file set inside the context, context-relative
 */
export function contextInputGlobs(
  context: string,
  sources: ReadonlyArray<Pick<DockerSource, 'path' | 'excludes'>>,
  contextFiles: readonly string[],
  ignore: ContextFilter,
): ContextInputGlobs {
  const inContext = (rel: string) => (context === '.' ? rel : `${context}/${rel}`);
  const reachable = new Set(reachableContextFiles(contextFiles, sources, ignore));
  const globs = new Set<string>();
  const loose: RegExp[] = [];
  for (const source of sources) {
    const path = source.path;
    if (path === '.' || path === '') {
      globs.add(inContext('**/*'));
      loose.push(/^/);
    } else if (NOT_TRANSLATABLE.test(path)) {
      for (const file of reachableContextFiles(contextFiles, [source], ignore)) globs.add(inContext(file));
    } else {
      const perSegment = path.replace(/\*\*+/g, '*');
      // A literal path that is a file today needs no `/**/*`, one that is a folder no bare entry.
      const literal = perSegment === path && !/[*?]/.test(path);
      const isFile = literal && contextFiles.includes(path);
      const isFolder = literal && contextFiles.some((f) => f.startsWith(`${path}/`));
      if (!isFolder) globs.add(inContext(perSegment));
      if (!isFile) globs.add(inContext(`${perSegment}/**/*`));
      loose.push(looseMatcher(perSegment));
    }
  }
  const negations = contextFiles.filter((f) => !reachable.has(f) && loose.some((re) => re.test(f))).map(inContext);
  return {
    globs: [...globs].sort(),
    negations: [...new Set(negations)].sort(),
    files: [...reachable].sort().map(inContext),
  };
}

/** A superset of what any glob engine matches for the path: `*` and `?` may cross `/`, and everything below. */
function looseMatcher(glob: string): RegExp {
  let re = '';
  for (const c of glob) re += c === '*' ? '.*' : c === '?' ? '.' : c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  return new RegExp(`^${re}(?:/.*)?$`);
}
