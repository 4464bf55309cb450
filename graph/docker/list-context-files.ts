import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { walkFiles } from '../discover-files';

/** Never part of Nx's file set, whatever .gitignore says. */
const SKIPPED = new Set(['node_modules', '.git', '.nx']);

/**
 * The files of Nx's file set inside a workspace folder, relative to that folder: tracked plus
 * untracked-but-not-ignored (`git ls-files -co --exclude-standard`), as Nx hashes them; outside
 * a git repository, a walk that skips node_modules, .git and .nx. Differences from Nx's own
 * list can only cost a needless cache miss (see context-inputs.ts), never a false hit.
 */
export function listContextFiles(workspaceRoot: string, folder: string): string[] {
  const git = spawnSync(
    'git',
    ['ls-files', '-co', '--exclude-standard', '-z', '--', folder === '.' ? '.' : `${folder}/`],
    {
      cwd: workspaceRoot,
      encoding: 'utf8',
      maxBuffer: 1024 * 1024 * 1024,
    },
  );
  const prefix = folder === '.' ? '' : `${folder}/`;
  const listed =
    git.status === 0 && !git.error
      ? git.stdout
          .split('\0')
          .filter((f) => f.startsWith(prefix) && f !== prefix)
          .map((f) => f.slice(prefix.length))
      : walkFiles(path.join(workspaceRoot, folder), SKIPPED);
  return [...new Set(listed)].filter((f) => !f.split('/').some((p) => SKIPPED.has(p))).sort();
}
