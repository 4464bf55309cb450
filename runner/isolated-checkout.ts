import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { CheckoutResult } from './checkout';
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
}

function git(o: IsolationOptions, args: string[], input?: string): Promise<{ code: number; output: string }> {
  return new Promise((resolve) => {
    // safe.directory: the origin may belong to the agent's user, not to the task user.
    const env = { PATH: process.env.PATH, HOME: o.runHome, GIT_CONFIG_NOSYSTEM: '1', GIT_TERMINAL_PROMPT: '0' };
    const child = spawn('git', ['-c', 'safe.directory=*', '-c', 'core.hooksPath=/dev/null', ...args], {
      cwd: o.workdir,
      env,
      stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
      ...asUser(o.user),
    });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (e) => resolve({ code: -1, output: e.message }));
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
    if (child.stdin) {
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
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
  for (const args of steps) {
    const r = await git(o, args);
    if (r.code !== 0)
      return {
        ok: false,
        code: 'FLEET_CHECKOUT_FAILED',
        message: `git ${args.join(' ')}: ${r.output.trim().slice(0, 500)}`,
      };
  }
  if (patch) {
    const r = await git(o, ['apply', '--whitespace=nowarn', '--binary', '-'], patch);
    if (r.code !== 0)
      return { ok: false, code: 'FLEET_PATCH_FAILED', message: `git apply: ${r.output.trim().slice(0, 500)}` };
  }
  return { ok: true };
}
