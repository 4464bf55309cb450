import { spawn, type SpawnOptions } from 'node:child_process';

export type CheckoutResult =
  { ok: true } | { ok: false; code: 'FLEET_CHECKOUT_FAILED' | 'FLEET_PATCH_FAILED'; message: string };

export type GitResult = { code: number; output: string };

/** Runs git with `options` (cwd, env, uid), collecting stdout and stderr; never rejects. */
export function runGit(args: string[], options: SpawnOptions, input?: string): Promise<GitResult> {
  return new Promise((resolve) => {
    const child = spawn('git', args, { ...options, stdio: [input === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'] });
    let output = '';
    child.stdout!.on('data', (c: Buffer) => (output += c.toString()));
    child.stderr!.on('data', (c: Buffer) => (output += c.toString()));
    child.once('error', (e) => resolve({ code: -1, output: e.message }));
    child.once('close', (code) => resolve({ code: code ?? -1, output }));
    if (child.stdin) {
      // git may exit before reading all of stdin (a bad patch): that EPIPE is in git's exit code already.
      child.stdin.on('error', () => undefined);
      child.stdin.end(input);
    }
  });
}

/** Runs the checkout's git steps in order, then applies the patch; the first failure is the result. */
export async function runCheckoutSteps(
  git: (args: string[], input?: string) => Promise<GitResult>,
  steps: string[][],
  patch?: string,
): Promise<CheckoutResult> {
  for (const args of steps) {
    const r = await git(args);
    if (r.code !== 0)
      return {
        ok: false,
        code: 'FLEET_CHECKOUT_FAILED',
        message: `git ${args.join(' ')}: ${r.output.trim().slice(0, 500)}`,
      };
  }
  if (patch) {
    const r = await git(['apply', '--whitespace=nowarn', '--binary', '-'], patch);
    if (r.code !== 0)
      return { ok: false, code: 'FLEET_PATCH_FAILED', message: `git apply: ${r.output.trim().slice(0, 500)}` };
  }
  return { ok: true };
}

/**
 * Makes the agent's checkout equal the run's commit plus the coordinator's patch. Untracked files
 * are cleaned (outputs of an earlier task could otherwise leak into this one), except the
 * dependencies and Nx's own folder, which are expensive to rebuild and keyed by content anyway.
 */
export async function syncCheckout(workdir: string, commit: string, patch?: string): Promise<CheckoutResult> {
  const steps: string[][] = [
    ['fetch', '--quiet', 'origin', commit],
    ['checkout', '--quiet', '--force', '--detach', commit],
    ['clean', '-fdxq', '-e', 'node_modules', '-e', '.nx'],
  ];
  return runCheckoutSteps((args, input) => runGit(args, { cwd: workdir }, input), steps, patch);
}
