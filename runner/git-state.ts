import { spawnSync } from 'node:child_process';

export type GitState =
  | { ok: true; commit: string; patch: string; pushedRef?: string }
  | { ok: false; code: 'FLEET_NOT_A_REPOSITORY' | 'FLEET_COMMIT_NOT_PUSHED' | 'FLEET_PUSH_FAILED'; message: string };

function git(cwd: string, args: string[]): { code: number; out: string; err: string } {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8', maxBuffer: 512 * 1024 * 1024 });
  return { code: r.status ?? -1, out: r.stdout ?? '', err: r.stderr ?? '' };
}

/**
 * What agents need to reproduce this checkout: HEAD (which they fetch from `origin`, so it must be
 * reachable from a remote branch, or pushed to a temporary ref with `pushRef`) and the uncommitted
 * changes to tracked files as a binary diff. Untracked files are not carried (documented).
 */
export function readGitState(cwd: string, runId: string, pushRef: boolean): GitState {
  const head = git(cwd, ['rev-parse', 'HEAD']);
  if (head.code !== 0) return { ok: false, code: 'FLEET_NOT_A_REPOSITORY', message: `not a git checkout with a commit: ${head.err.trim()}` };
  const commit = head.out.trim();
  const remoteRefsContaining = (): string => git(cwd, ['for-each-ref', '--contains', commit, '--format=%(refname)', 'refs/remotes/origin']).out.trim();
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
    if (push.code !== 0) return { ok: false, code: 'FLEET_PUSH_FAILED', message: `git push origin ${pushedRef}: ${push.err.trim()}` };
  }
  const diff = git(cwd, ['diff', '--binary', 'HEAD']);
  return { ok: true, commit, patch: diff.out, pushedRef };
}
