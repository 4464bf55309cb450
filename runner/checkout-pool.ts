import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runGit } from './checkout';
import { CheckoutLease, type CheckoutFailure } from './checkout-lease';
import { planInstall } from './install-step';

/**
 * Several checkouts of one repository on an agent (`fleet agent --checkouts N`). With one, two
 * runs at different commits taking turns on an agent (runner/fairness.ts) make nearly every task
 * switch its commit: fetch, checkout, clean, and new resident nx processes, seconds each
 * (bench/fairness). So an agent keeps up to N checkouts of a repository: the clone itself and
 * linked git worktrees of it (they share its object store), each holding one commit (and patch),
 * each with its own resident nx processes, results folder and daemon. All of them use the
 * repository's one local Nx cache (the clone's `.nx/cache`, runner/task-env.ts).
 *
 * Which checkout a task gets (see {@link CheckoutPool.pick}): the one that holds (or is switching
 * to) its commit, without any switch; else one that holds nothing yet; else a new worktree while
 * there are fewer than N; else the least recently used idle one, switched. A checkout that a task
 * uses, or is switching, or that a task waits for, is never switched or removed. The worktrees
 * are removed (`git worktree remove`) when the agent stops; none outlives it.
 */

export interface PooledCheckout<T> {
  /** 0: the repository's clone (the agent's workdir); 1 and up: linked worktrees of it. */
  readonly index: number;
  readonly dir: string;
  readonly lease: CheckoutLease;
  /** What the agent keeps per checkout (resident nx processes, results folder). */
  readonly data: T;
  /** When a task last entered it (the least recently used idle one is switched first). */
  lastUsed: number;
  /** Its worktree exists (the clone always does); made by the first switch to it. */
  created: boolean;
}

export interface CheckoutPoolOptions<T> {
  /** The repository's clone. */
  primary: string;
  /** Checkouts at most, the clone included (>= 1). */
  max: number;
  /** The folder linked worktrees are made in (`<base>/checkout-<n>`); the agent's own. */
  base: string;
  /** The agent's state of a checkout, made once when the checkout is added to the pool. */
  attach(c: { index: number; dir: string }): T;
}

const pause = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

const git = (cwd: string, args: string[]): { ok: boolean; out: string } => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
};

export class CheckoutPool<T> {
  private readonly all: Array<PooledCheckout<T>> = [];
  private closed = false;

  constructor(private readonly o: CheckoutPoolOptions<T>) {
    if (!Number.isInteger(o.max) || o.max < 1) throw new Error(`checkouts must be an integer >= 1, not ${o.max}`);
    this.add(0, o.primary, true);
    // Worktrees of an agent that died without removing them: git forgets those whose folder is gone.
    if (o.max > 1) git(o.primary, ['worktree', 'prune']);
  }

  get checkouts(): ReadonlyArray<PooledCheckout<T>> {
    return this.all;
  }

  get max(): number {
    return this.o.max;
  }

  private add(index: number, dir: string, created: boolean): PooledCheckout<T> {
    const c: PooledCheckout<T> = {
      index,
      dir,
      lease: new CheckoutLease(),
      data: this.o.attach({ index, dir }),
      lastUsed: 0,
      created,
    };
    this.all.push(c);
    return c;
  }

  /**
   * The checkout for `key`, chosen synchronously (the caller enters or prepares it in the same
   * tick, which reserves it); undefined when every checkout is busy with other keys and none
   * more may be made.
   */
  pick(key: string): PooledCheckout<T> | undefined {
    const here = this.all.find((c) => c.lease.target === key);
    if (here) return here;
    const idle = this.all.filter((c) => c.lease.idle);
    const empty = idle.find((c) => c.lease.holds === '');
    if (empty) return empty;
    if (this.all.length < this.o.max) {
      const index = this.all.length;
      return this.add(index, path.join(this.o.base, `checkout-${index}`), false);
    }
    return idle.sort((a, b) => a.lastUsed - b.lastUsed)[0];
  }

  /**
   * Waits for a checkout that holds `key` (switching one with `change` when none does) and
   * counts a task in it; `leave()` on the lease when the task is done.
   */
  async enter(
    key: string,
    change: (c: PooledCheckout<T>) => Promise<CheckoutFailure | undefined>,
  ): Promise<{ checkout: PooledCheckout<T>; failed?: CheckoutFailure }> {
    for (;;) {
      const c = this.pick(key);
      if (c) {
        c.lastUsed = Date.now();
        const failed = await c.lease.enter(key, () => change(c));
        return { checkout: c, failed };
      }
      await pause(50);
    }
  }

  /** Moves an idle (or new) checkout to `key` ahead of any task; undefined when it did not try. */
  async prepare(
    key: string,
    change: (c: PooledCheckout<T>) => Promise<CheckoutFailure | undefined>,
  ): Promise<{ checkout: PooledCheckout<T>; failed?: CheckoutFailure } | undefined> {
    if (this.closed || this.all.some((c) => c.lease.target === key)) return undefined;
    const c = this.pick(key);
    if (!c) return undefined;
    const prepared = await c.lease.prepare(key, () => change(c));
    return prepared && { checkout: c, failed: prepared.failed };
  }

  /** Makes a linked worktree's folder (detached, no files yet: the switch checks the commit out). */
  async createWorktree(c: PooledCheckout<T>): Promise<CheckoutFailure | undefined> {
    if (c.created) return undefined;
    fs.mkdirSync(this.o.base, { recursive: true });
    fs.rmSync(c.dir, { recursive: true, force: true });
    const r = await runGit(['worktree', 'add', '--quiet', '--detach', '--no-checkout', c.dir, 'HEAD'], {
      cwd: this.o.primary,
    });
    if (r.code !== 0)
      return { code: 'FLEET_CHECKOUT_FAILED', message: `git worktree add ${c.dir}: ${r.output.trim().slice(0, 500)}` };
    c.created = true;
    return undefined;
  }

  /**
   * A linked worktree's dependencies at its commit: without an install to run (no lockfile, or
   * `--install-command none`) it uses the clone's `node_modules` through a link, as the operator
   * provided it there; with one, it installs its own (a link would let the install replace the
   * clone's), once per lockfile as the clone does.
   */
  linkDependencies(c: PooledCheckout<T>, installSetting: string | undefined): void {
    if (c.index === 0) return;
    const own = path.join(c.dir, 'node_modules');
    const link = fs.lstatSync(own, { throwIfNoEntry: false });
    if (planInstall(c.dir, installSetting)) {
      if (link?.isSymbolicLink()) fs.unlinkSync(own);
      return;
    }
    const shared = path.join(this.o.primary, 'node_modules');
    if (!link && fs.existsSync(shared)) fs.symlinkSync(fs.realpathSync(shared), own, 'dir');
  }

  /** Removes the linked worktrees (after their tasks ended and their processes were stopped). */
  close(): void {
    this.closed = true;
    for (const c of this.all) {
      if (c.index === 0 || !c.created) continue;
      // The link to the clone's dependencies goes first: nothing may reach through it.
      const own = path.join(c.dir, 'node_modules');
      if (fs.lstatSync(own, { throwIfNoEntry: false })?.isSymbolicLink()) fs.unlinkSync(own);
      const r = git(this.o.primary, ['worktree', 'remove', '--force', c.dir]);
      if (!r.ok) fs.rmSync(c.dir, { recursive: true, force: true });
      c.created = false;
    }
    if (this.all.length > 1) git(this.o.primary, ['worktree', 'prune']);
  }
}
