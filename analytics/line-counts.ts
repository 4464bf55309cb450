import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { ChangedFile } from './diff-manifests';

/**
 * Line counts of changed files. The store keeps content hashes only (a task run costs bytes,
 * not copies of sources), so the old content comes from git: the file at the recorded run's
 * commit, used only when its Nx hash equals the recorded one (the run may have had uncommitted
 * edits). Then `git diff --numstat <commit> -- file` against the working tree is exact;
 * otherwise the counts stay null. Between two recorded runs the same holds for the later run's
 * commit, and the counts are `git diff --numstat <commit> <later commit>`.
 */
export function addLineCounts(
  root: string,
  commit: string | null,
  changed: ChangedFile[],
  recordedHash: (file: string) => string | undefined,
  hashFile: (file: string) => string | null,
  /** Between two recorded runs: the later run's commit and hashes (instead of the working tree). */
  later?: { commit: string | null; recordedHash: (file: string) => string | undefined },
): void {
  if (!commit || !changed.length || (later && !later.commit)) return;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-explain-'));
  try {
    for (const c of changed) {
      const atCommit = (at: string, expected: string | undefined): boolean => {
        const show = spawnSync('git', ['show', `${at}:${c.file}`], { cwd: root, maxBuffer: 64 << 20 });
        if (show.status !== 0) return false;
        const copy = path.join(tmp, 'old');
        fs.writeFileSync(copy, show.stdout);
        return hashFile(copy) === expected;
      };
      if (!atCommit(commit, recordedHash(c.file))) continue;
      if (later && !atCommit(later.commit!, later.recordedHash(c.file))) continue;
      const range = later ? [commit, later.commit!] : [commit];
      const diff = spawnSync('git', ['diff', '--no-ext-diff', '--numstat', ...range, '--', c.file], {
        cwd: root,
        encoding: 'utf8',
      });
      const m = /^(\d+|-)\t(\d+|-)\t/.exec(diff.stdout ?? '');
      if (diff.status === 0 && m && m[1] !== '-') {
        c.linesAdded = Number(m[1]);
        c.linesRemoved = Number(m[2]);
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
