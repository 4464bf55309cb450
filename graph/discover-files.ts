import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkspacePath } from './types';

/** Folders never part of the file graph, whatever .gitignore says. */
export const ALWAYS_SKIPPED = new Set(['node_modules', 'dist', '.git', '.nx']);

/**
 * Lists the workspace's files: tracked plus untracked-but-not-ignored (`git ls-files -co
 * --exclude-standard`), or, outside a git repository, a walk that skips node_modules, dist,
 * .git and .nx. Sorted, workspace-relative. Listed files may since have been deleted.
 */
export function discoverFiles(root: string): WorkspacePath[] {
  const git = spawnSync('git', ['ls-files', '-co', '--exclude-standard', '-z'], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 1024 * 1024 * 1024,
  });
  const files =
    git.status === 0 && !git.error ? git.stdout.split('\0').filter((f) => f !== '') : walk(root, '');
  return [...new Set(files)].filter((f) => !f.split('/').some((part) => ALWAYS_SKIPPED.has(part))).sort();
}

function walk(root: string, rel: string): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(path.join(root, rel), { withFileTypes: true });
  } catch {
    return out;
  }
  for (const e of entries) {
    if (ALWAYS_SKIPPED.has(e.name)) continue;
    const child = rel ? `${rel}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(root, child));
    else if (e.isFile()) out.push(child);
  }
  return out;
}
