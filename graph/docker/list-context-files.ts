import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';

/** Never part of Nx's file set, whatever .gitignore says. */
const SKIPPED = new Set(['node_modules', '.git', '.nx']);

/**
 * The files of Nx's file set inside a workspace folder, relative to that folder: tracked plus
 * untracked-but-not-ignored (`git ls-files -co --exclude-standard`), as Nx hashes them; outside
 * a git repository, a walk that skips node_modules, .git and .nx. Differences from Nx's own
 * list can only cost a needless cache miss (see context-inputs.ts), never a false hit.
 */
export function listContextFiles(workspaceRoot: string, folder: string): string[] {
  const git = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z', '--', folder === '.' ? '.' : `${folder}/`], {
    cwd: workspaceRoot,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const prefix = folder === '.' ? '' : `${folder}/`;
  const listed =
    git.status === 0 && !git.error
      ? git.stdout.split('\0').filter((f) => f.startsWith(prefix) && f !== prefix).map((f) => f.slice(prefix.length))
      : walk(path.join(workspaceRoot, folder), '');
  return [...new Set(listed)].filter((f) => !f.split('/').some((p) => SKIPPED.has(p))).sort();
}

function walk(root: string, rel: string): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (SKIPPED.has(e.name)) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(root, child));
    else if (e.isFile()) out.push(child);
  }
  return out;
}
