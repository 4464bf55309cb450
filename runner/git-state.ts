import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export type GitState =
  | { ok: true; commit: string; patch: string; pushedRef?: string }
  | { ok: false; code: 'FLEET_NOT_A_REPOSITORY' | 'FLEET_COMMIT_NOT_PUSHED' | 'FLEET_PUSH_FAILED'; message: string };

function git(cwd: string, args: string[], env?: NodeJS.ProcessEnv): { code: number; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024, ...(env ? { env } : {}) });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/**
 * Everything in the working tree that differs from HEAD, as a binary diff: changes to tracked
 * files and the untracked files git does not ignore (Nx hashes those too, so an agent without them
 * would compute other hashes). Staged through a copy of the index, so the user's own index is
 * left as it was.
 */
function workingTreeDiff(cwd: string): { code: number; out: string; err: string } {
  const indexPath = git(cwd, ['rev-parse', '--git-path', 'index']).out.trim();
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-index-'));
  try {
    const index = path.join(tmp, 'index');
    const current = path.resolve(cwd, indexPath);
    if (indexPath && fs.existsSync(current)) fs.copyFileSync(current, index);
    const env = { ...process.env, GIT_INDEX_FILE: index };
    const added = git(cwd, ['add', '--all', '--', ':/'], env);
    if (added.code !== 0) return added;
    return git(cwd, ['diff', '--cached', '--binary', 'HEAD'], env);
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/**
 * What agents need to reproduce this checkout: HEAD (which they fetch from `origin`, so it must be
 * reachable from a remote branch, or pushed to a temporary ref with `pushRef`) and the uncommitted
 * changes as a binary diff: tracked files' changes and untracked files git does not ignore.
 */
export function readGitState(cwd: string, runId: string, pushRef: boolean): GitState {
  const head = git(cwd, ['rev-parse', 'HEAD']);
  if (head.code !== 0)
    return {
      ok: false,
      code: 'FLEET_NOT_A_REPOSITORY',
      message: `not a git checkout with a commit: ${head.err.trim()}`,
    };
  const commit = head.out.trim();
  const remoteRefsContaining = (): string =>
    git(cwd, ['for-each-ref', '--contains', commit, '--format=%(refname)', 'refs/remotes/origin']).out.trim();
  // Fetch only when no remote-tracking branch has the commit yet (a fetch is a network round trip).
  let containing = remoteRefsContaining();
  if (containing === '') {
    git(cwd, ['fetch', '--quiet', 'origin']);
    containing = remoteRefsContaining();
  }
  let pushedRef: string | undefined;
  if (containing === '') {
    if (!pushRef) {
      return {
        ok: false,
        code: 'FLEET_COMMIT_NOT_PUSHED',
        message: `HEAD ${commit.slice(0, 12)} is not reachable from any branch of origin, so agents cannot fetch it; push it first, or pass --push-ref to push a temporary ref`,
      };
    }
    pushedRef = `refs/fleet/runs/${runId}`;
    const push = git(cwd, ['push', '--quiet', 'origin', `${commit}:${pushedRef}`]);
    if (push.code !== 0)
      return { ok: false, code: 'FLEET_PUSH_FAILED', message: `git push origin ${pushedRef}: ${push.err.trim()}` };
  }
  const diff = workingTreeDiff(cwd);
  if (diff.code !== 0)
    return {
      ok: false,
      code: 'FLEET_NOT_A_REPOSITORY',
      message: `could not read the working tree's changes: ${diff.err.trim().slice(0, 500)}`,
    };
  return { ok: true, commit, patch: diff.out, pushedRef };
}
