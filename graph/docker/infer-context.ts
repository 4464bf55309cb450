/**
 * Which folder a Dockerfile is built from, as a user expects (issue #12, docs/dockerfiles.md
 * "Build context"): the `context` option; else the context of a `docker build -f` of this
 * Dockerfile that the repository itself runs (project.json, package.json scripts); else the
 * nearest folder, from the Dockerfile's own up to the workspace root, in which its COPY/ADD
 * sources exist (the one where most exist when none has all, nearest first on a tie).
 */
import * as posix from 'node:path/posix';
import type { FoundBuildCommand } from './build-commands';
import { reachableContextFiles } from './context-files';
import type { DockerSource } from './types';

/** The rule that chose a context; stays in `metadata.fleet.contextRule`. */
export type ContextRule = 'option' | 'build-command' | 'copy-sources' | 'dockerfile-folder';

export interface ChosenContext {
  context: string;
  rule: ContextRule;
  /** For `build-command`: where the command was found. */
  origin?: string;
}

export interface InferContextInput {
  dockerfile: string;
  /** The `context` setting when the options give one. */
  option?: string;
  commands: readonly FoundBuildCommand[];
  /** Context sources of the Dockerfile (context-relative). */
  sources: ReadonlyArray<Pick<DockerSource, 'path' | 'excludes'>>;
  /** Files of Nx's file set in a folder, folder-relative. */
  listFiles(folder: string): string[];
  /** True when a workspace-relative path lies in some project's build output (not in git, yet copied). */
  isBuildOutput(path: string): boolean;
}

export function chooseContext(input: InferContextInput): ChosenContext {
  if (input.option !== undefined) return { context: input.option, rule: 'option' };
  const command = input.commands.find((c) => c.dockerfile === input.dockerfile);
  if (command) return { context: command.context, rule: 'build-command', origin: command.origin };
  const own = folderOf(input.dockerfile);
  const sources = input.sources.filter((s) => s.path !== '.' && s.path !== '');
  if (sources.length === 0) return { context: own, rule: 'dockerfile-folder' };
  const countIn = (folder: string, files: readonly string[]) =>
    sources.filter((s) => sourceExists(folder, s, files, input.isBuildOutput)).length;
  const ownCount = countIn(own, input.listFiles(own));
  if (ownCount === sources.length) return { context: own, rule: 'copy-sources' };
  // One listing of the root serves every ancestor (a prefix filter), instead of one git call each.
  const all = own === '.' ? [] : input.listFiles('.');
  let best = { context: own, count: ownCount };
  for (let folder = parentOf(own); folder !== undefined; folder = parentOf(folder)) {
    const prefix = folder === '.' ? '' : `${folder}/`;
    const count = countIn(
      folder,
      prefix ? all.filter((f) => f.startsWith(prefix)).map((f) => f.slice(prefix.length)) : all,
    );
    if (count > best.count) best = { context: folder, count };
    if (count === sources.length) break;
  }
  return { context: best.context, rule: best.count > 0 ? 'copy-sources' : 'dockerfile-folder' };
}

/** A source exists in a folder when some file there matches it, or it lies in a build output. */
export function sourceExists(
  folder: string,
  source: Pick<DockerSource, 'path' | 'excludes'>,
  files: readonly string[],
  isBuildOutput: (path: string) => boolean,
): boolean {
  if (isBuildOutput(folder === '.' ? source.path : `${folder}/${source.path}`)) return true;
  return reachableContextFiles(files, [{ path: source.path, excludes: [] }]).length > 0;
}

function folderOf(file: string): string {
  const dir = posix.dirname(file);
  return dir === '' ? '.' : dir;
}

function parentOf(folder: string): string | undefined {
  if (folder === '.') return undefined;
  const parent = posix.dirname(folder);
  return parent === '' ? '.' : parent;
}
