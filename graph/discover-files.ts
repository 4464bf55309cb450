import { execFile, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FileHash, WorkspacePath } from './types';

/** Folders never part of the file graph, whatever .gitignore says. */
export const ALWAYS_SKIPPED = new Set(['node_modules', 'dist', '.git', '.nx']);

/** A discovered file, with its content hash when git already knows it. */
export interface DiscoveredFile {
  file: WorkspacePath;
  /** Git's blob hash, for tracked files unchanged in the work tree (the same as {@link hashContent} would give). */
  hash?: FileHash;
}

const GIT_OPTIONS = { encoding: 'utf8' as const, maxBuffer: 1024 * 1024 * 1024 };
const STAGED = ['ls-files', '-s', '-z'];
const CHANGED = ['ls-files', '-t', '-m', '-d', '-o', '--exclude-standard', '-z'];

function git(root: string, args: string[]): string | undefined {
  const r = spawnSync('git', args, { cwd: root, ...GIT_OPTIONS });
  return r.status === 0 && !r.error ? r.stdout : undefined;
}

function gitAsync(root: string, args: string[]): Promise<string | undefined> {
  return new Promise((resolve) =>
    execFile('git', args, { cwd: root, ...GIT_OPTIONS }, (err, stdout) => resolve(err ? undefined : stdout)),
  );
}

const SKIPPED_PART = new RegExp(`(?:^|/)(?:${[...ALWAYS_SKIPPED].map((p) => p.replace('.', '\\.')).join('|')})(?:/|$)`);
/** True for a path inside (or naming) one of {@link ALWAYS_SKIPPED}. */
export const isSkippedPath = (f: string): boolean => SKIPPED_PART.test(f);
const skipped = isSkippedPath;

/**
 * Lists the workspace's files: tracked plus untracked-but-not-ignored, or, outside a git
 * repository, a walk that skips node_modules, dist, .git and .nx. Sorted, workspace-relative.
 *
 * In a git repository, tracked files that git reports unchanged come with git's blob hash, so
 * a warm build needs no stat or read of them: git's index already holds their stat data (and
 * re-checks racily clean entries itself). Modified and untracked files come without a hash
 * and are hashed by the caller; deleted ones are left out.
 */
export function discoverFiles(root: string): DiscoveredFile[] {
  const staged = git(root, STAGED);
  return fromGit(root, staged, staged === undefined ? undefined : git(root, CHANGED));
}

/** {@link discoverFiles} with both git listings running at once (the warm file graph's main cost). */
export async function discoverFilesAsync(root: string): Promise<DiscoveredFile[]> {
  const [staged, changed] = await Promise.all([gitAsync(root, STAGED), gitAsync(root, CHANGED)]);
  return fromGit(root, staged, changed);
}

function fromGit(root: string, staged: string | undefined, changed: string | undefined): DiscoveredFile[] {
  if (staged === undefined || changed === undefined) {
    return walkFiles(root, ALWAYS_SKIPPED)
      .filter((f) => !skipped(f))
      .sort()
      .map((file) => ({ file }));
  }
  const out = new Map<string, FileHash | undefined>();
  for (const entry of staged.split('\0')) {
    // `<mode> <blob hash> <stage>\t<path>`; a conflicted file appears once per stage.
    const tab = entry.indexOf('\t');
    if (tab < 0) continue;
    const file = entry.slice(tab + 1);
    if (!skipped(file))
      out.set(file, entry.startsWith('160000') ? undefined : (entry.slice(7, entry.indexOf(' ', 7)) as FileHash));
  }
  // `-t` tags: `C ` modified, `R ` deleted, `? ` untracked. A deleted file is listed as both R and C.
  const entries = changed.split('\0').filter((e) => e.length > 2 && !skipped(e.slice(2)));
  const deleted = new Set(entries.filter((e) => e[0] === 'R').map((e) => e.slice(2)));
  for (const entry of entries) {
    const file = entry.slice(2);
    if (deleted.has(file)) out.delete(file);
    else out.set(file, undefined);
  }
  return [...out.keys()].sort().map((file) => ({ file, hash: out.get(file) }));
}

/** Every file below `root` (workspace-relative), skipping folders and files named in `skip`. */
export function walkFiles(root: string, skip: ReadonlySet<string>, rel = ''): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (skip.has(e.name)) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walkFiles(root, skip, child));
    else if (e.isFile()) out.push(child);
  }
  return out;
}
