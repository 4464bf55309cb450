import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCheckoutSteps, runGit, type CheckoutResult, type GitResult } from './checkout';
import { asUser, giveTo, sweepTaskUser, type TaskUser } from './task-user';

/**
 * The checkout of an untrusted run: nothing of an earlier run survives. The workdir is removed
 * and made again from the origin URL the agent read when it started (not from the old checkout's
 * `.git/config`, which a task could have changed), so untracked and ignored files, node_modules
 * and the install stamp, the local Nx cache (`.nx`), git hooks and git config all go. The task's
 * HOME and TMPDIR are a fresh folder too. Git runs as the task user: the agent never runs git in
 * a folder a task could write.
 */
export interface IsolationOptions {
  workdir: string;
  /** The per-run HOME of tasks (removed and made again too). */
  runHome: string;
  originUrl: string;
  user?: TaskUser;
  /**
   * Git's global config for these commands (the agent's, not writable by tasks): `safe.directory=*`
   * there, because git honours it only from protected config, and `-c` does not reach the
   * upload-pack of a local-path origin owned by the agent's user.
   */
  gitConfigFile: string;
}

/** Writes the git config {@link isolatedCheckout} uses (owned by the agent, readable by the task user). */
export function writeIsolationGitConfig(file: string): void {
  fs.writeFileSync(file, '[safe]\n\tdirectory = *\n[core]\n\thooksPath = /dev/null\n', { mode: 0o644 });
}

function git(o: IsolationOptions, args: string[], input?: string): Promise<GitResult> {
  // safe.directory: the origin may belong to the agent's user, not to the task user.
  const env = {
    PATH: process.env.PATH,
    HOME: o.runHome,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_CONFIG_GLOBAL: o.gitConfigFile,
    GIT_TERMINAL_PROMPT: '0',
  };
  return runGit(
    ['-c', 'safe.directory=*', '-c', 'core.hooksPath=/dev/null', ...args],
    { cwd: o.workdir, env, ...asUser(o.user) },
    input,
  );
}

/** Removes `dir` and makes it again, empty, owned by the task user. */
function fresh(dir: string, user: TaskUser | undefined): void {
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true, mode: 0o755 });
  giveTo(user, dir);
}

export async function isolatedCheckout(o: IsolationOptions, commit: string, patch?: string): Promise<CheckoutResult> {
  if (o.user) sweepTaskUser(o.user);
  fresh(o.workdir, o.user);
  fresh(o.runHome, o.user);
  fs.mkdirSync(path.join(o.runHome, 'tmp'));
  giveTo(o.user, path.join(o.runHome, 'tmp'));
  const steps: string[][] = [
    ['init', '--quiet'],
    ['remote', 'add', 'origin', o.originUrl],
    ['fetch', '--quiet', '--depth=1', 'origin', commit],
    ['checkout', '--quiet', '--force', '--detach', commit],
  ];
  return runCheckoutSteps((args, input) => git(o, args, input), steps, patch);
}
