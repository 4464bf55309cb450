import * as fs from 'node:fs';
import * as path from 'node:path';

/** Branch and commit of a checkout. */
export interface GitInfo {
  branch: string | null;
  commit: string | null;
}

/**
 * Reads HEAD from the `.git` files directly (worktrees and packed refs included): spawning
 * `git` twice would cost more than the whole rest of the hook. CI checkouts are often detached;
 * `FLEET_BRANCH` / `FLEET_COMMIT` (or GitHub's and GitLab's variables) then name the branch.
 */
export function readGitInfo(root: string, env: NodeJS.ProcessEnv = {}): GitInfo {
  const fromEnv: GitInfo = {
    branch: env.FLEET_BRANCH || env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME || null,
    commit: env.FLEET_COMMIT || null,
  };
  try {
    const gitDir = findGitDir(root);
    if (!gitDir) return fromEnv;
    const commonDir = fs.existsSync(path.join(gitDir, 'commondir'))
      ? path.resolve(gitDir, fs.readFileSync(path.join(gitDir, 'commondir'), 'utf8').trim())
      : gitDir;
    const head = fs.readFileSync(path.join(gitDir, 'HEAD'), 'utf8').trim();
    if (!head.startsWith('ref: ')) return { branch: fromEnv.branch, commit: fromEnv.commit ?? head };
    const ref = head.slice(5);
    return {
      branch: fromEnv.branch ?? ref.replace(/^refs\/heads\//, ''),
      commit: fromEnv.commit ?? resolveRef(commonDir, ref) ?? resolveRef(gitDir, ref),
    };
  } catch {
    return fromEnv;
  }
}

function findGitDir(start: string): string | null {
  for (let dir = start; ; dir = path.dirname(dir)) {
    const dotGit = path.join(dir, '.git');
    if (fs.existsSync(dotGit)) {
      if (fs.statSync(dotGit).isDirectory()) return dotGit;
      const m = /^gitdir:\s*(.+)$/m.exec(fs.readFileSync(dotGit, 'utf8'));
      return m ? path.resolve(dir, m[1].trim()) : null;
    }
    if (path.dirname(dir) === dir) return null;
  }
}

function resolveRef(gitDir: string, ref: string): string | null {
  const loose = path.join(gitDir, ref);
  if (fs.existsSync(loose)) return fs.readFileSync(loose, 'utf8').trim();
  const packed = path.join(gitDir, 'packed-refs');
  if (!fs.existsSync(packed)) return null;
  for (const line of fs.readFileSync(packed, 'utf8').split('\n')) {
    const [sha, name] = line.split(' ');
    if (name === ref) return sha;
  }
  return null;
}
