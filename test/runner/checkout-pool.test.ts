import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckoutPool, type PooledCheckout } from '../../runner/checkout-pool';
import { syncCheckout } from '../../runner/checkout';

/** A small deterministic generator (the cases are the same on every run). */
function rng(seed: number): () => number {
  let x = seed >>> 0;
  return () => (x = (x * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

const tick = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

describe('CheckoutPool: which checkout a task gets', () => {
  it('over generated task sequences: never more than max checkouts, a checkout is switched only with no task in it, and every task runs at its key', async () => {
    let cases = 0;
    let tasks = 0;
    let switches = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const r = rng(seed);
      const max = 1 + Math.floor(r() * 3);
      const keys = Array.from({ length: 1 + Math.floor(r() * 4) }, (_, i) => `k${i}`);
      const pool = new CheckoutPool({ primary: '/nonexistent', max, base: '/nonexistent', attach: () => ({}) });
      const inside = new Map<number, number>();
      const task = async (key: string, ms: number): Promise<void> => {
        const { checkout: c, failed } = await pool.enter(key, async (sw: PooledCheckout<object>) => {
          // The invariant: nothing runs in a checkout that is being switched.
          expect(inside.get(sw.index) ?? 0, `seed ${seed}: switched under a task`).toBe(0);
          switches++;
          await tick(1 + Math.floor(r() * 3));
          return undefined;
        });
        expect(failed).toBeUndefined();
        expect(pool.checkouts.length, `seed ${seed}`).toBeLessThanOrEqual(max);
        expect(c.lease.holds).toBe(key);
        inside.set(c.index, (inside.get(c.index) ?? 0) + 1);
        await tick(ms);
        expect(c.lease.holds, `seed ${seed}: the key changed under a task`).toBe(key);
        inside.set(c.index, inside.get(c.index)! - 1);
        c.lease.leave();
      };
      const running: Array<Promise<void>> = [];
      for (let i = 0; i < 12; i++) {
        running.push(task(keys[Math.floor(r() * keys.length)], 1 + Math.floor(r() * 8)));
        if (r() < 0.5) await tick(Math.floor(r() * 4));
      }
      await Promise.all(running);
      tasks += running.length;
      cases++;
    }
    console.log(`CheckoutPool: ${cases} generated cases, ${tasks} tasks, ${switches} switches checked`);
  });

  it('a key that has a checkout goes there without a switch; a new key takes an empty one, then a new one, then the least recently used idle one', async () => {
    const calls: string[] = [];
    const pool = new CheckoutPool({ primary: '/nonexistent', max: 2, base: '/b', attach: () => ({}) });
    const enter = async (key: string): Promise<PooledCheckout<object>> => {
      const { checkout } = await pool.enter(key, async (c) => void calls.push(`${c.index}:${key}`));
      return checkout;
    };
    const a = await enter('A');
    expect(a.index).toBe(0);
    const b = await enter('B');
    expect(b.index).toBe(1);
    expect(b.dir).toBe(path.join('/b', 'checkout-1'));
    // Alternating A and B: no switch at all.
    for (let i = 0; i < 5; i++) ((await enter('A')).lease.leave(), (await enter('B')).lease.leave());
    expect(calls).toEqual(['0:A', '1:B']);
    // Both in use (a, b still entered): C waits, and switches neither under its task.
    let cEntered: PooledCheckout<object> | undefined;
    const c = enter('C').then((x) => (cEntered = x));
    await tick(150);
    expect([cEntered, calls.length]).toEqual([undefined, 2]);
    await tick(10);
    b.lease.leave();
    a.lease.leave();
    // Both idle now: the least recently used one (A's, entered before B's last time) is switched.
    await c;
    expect(cEntered!.index).toBe(0);
    expect(calls).toEqual(['0:A', '1:B', '0:C']);
    expect(pool.checkouts).toHaveLength(2);
    // A prepare of a key a checkout holds does nothing; of a new one, it switches an idle one.
    cEntered!.lease.leave();
    expect(await pool.prepare('B', async () => void calls.push('never'))).toBeUndefined();
    expect((await pool.prepare('D', async (x) => void calls.push(`${x.index}:D`)))?.checkout.index).toBe(1);
    expect(calls.at(-1)).toBe('1:D');
  });
});

describe('CheckoutPool with real git', () => {
  let tmp: string;
  let bare: string;
  let clone: string;
  const commits: string[] = [];

  beforeAll(() => {
    tmp = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-pool-git-'));
    const src = path.join(tmp, 'src');
    fs.mkdirSync(src);
    git(src, ['init', '-q', '-b', 'main']);
    git(src, ['config', 'user.email', 't@example.com']);
    git(src, ['config', 'user.name', 't']);
    for (const n of [1, 2, 3]) {
      fs.writeFileSync(path.join(src, 'f.txt'), `version ${n}\n`);
      git(src, ['add', '-A']);
      git(src, ['commit', '-q', '-m', `v${n}`]);
      commits.push(git(src, ['rev-parse', 'HEAD']));
      git(src, ['branch', '-q', '-f', `v${n}`]);
    }
    bare = path.join(tmp, 'origin.git');
    git(tmp, ['clone', '-q', '--bare', src, bare]);
    clone = path.join(tmp, 'agent');
    git(tmp, ['clone', '-q', bare, clone]);
    // Dependencies the operator provided in the clone (no lockfile: nothing to install).
    fs.mkdirSync(path.join(clone, 'node_modules', 'dep'), { recursive: true });
    fs.writeFileSync(path.join(clone, 'node_modules', 'dep', 'index.js'), 'module.exports = 1;\n');
  });

  afterAll(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('worktrees share the clone’s objects, link its dependencies, hold their own commits, and are removed on close', async () => {
    const base = path.join(tmp, 'state', 'checkouts');
    const pool = new CheckoutPool({ primary: clone, max: 2, base, attach: () => ({}) });
    const change = (commit: string) => async (c: PooledCheckout<object>) => {
      const made = await pool.createWorktree(c);
      if (made) return made;
      const r = await syncCheckout(c.dir, commit);
      if (!r.ok) return { code: r.code, message: r.message };
      pool.linkDependencies(c, undefined);
      return undefined;
    };
    const one = await pool.enter(commits[0], change(commits[0]));
    const two = await pool.enter(commits[1], change(commits[1]));
    expect([one.failed, two.failed]).toEqual([undefined, undefined]);
    expect([one.checkout.dir, two.checkout.dir]).toEqual([clone, path.join(base, 'checkout-1')]);
    expect(fs.readFileSync(path.join(clone, 'f.txt'), 'utf8')).toBe('version 1\n');
    expect(fs.readFileSync(path.join(two.checkout.dir, 'f.txt'), 'utf8')).toBe('version 2\n');
    // One object store: the worktree's git folder is inside the clone's.
    expect(git(two.checkout.dir, ['rev-parse', '--git-common-dir'])).toBe(path.join(clone, '.git'));
    expect(fs.readlinkSync(path.join(two.checkout.dir, 'node_modules'))).toBe(
      fs.realpathSync(path.join(clone, 'node_modules')),
    );
    expect(git(clone, ['worktree', 'list', '--porcelain'])).toContain(`worktree ${two.checkout.dir}`);
    // A third commit with both in use waits; once the worktree is idle it is switched (not a third checkout).
    one.checkout.lease.leave();
    two.checkout.lease.leave();
    (await pool.enter(commits[0], change(commits[0]))).checkout.lease.leave();
    const three = await pool.enter(commits[2], change(commits[2]));
    expect([three.failed, three.checkout.index, pool.checkouts.length]).toEqual([undefined, 1, 2]);
    expect(fs.readFileSync(path.join(three.checkout.dir, 'f.txt'), 'utf8')).toBe('version 3\n');
    three.checkout.lease.leave();
    pool.close();
    expect(fs.existsSync(three.checkout.dir)).toBe(false);
    expect(git(clone, ['worktree', 'list', '--porcelain'])).not.toContain('checkout-1');
    // The link went, the clone's dependencies stayed.
    expect(fs.existsSync(path.join(clone, 'node_modules', 'dep', 'index.js'))).toBe(true);
  });

  it('a worktree left by an agent that died is pruned when the next pool starts', () => {
    const dead = path.join(tmp, 'dead-agent', 'checkout-1');
    git(clone, ['worktree', 'add', '-q', '--detach', dead, commits[1]]);
    fs.rmSync(path.dirname(dead), { recursive: true, force: true });
    expect(git(clone, ['worktree', 'list', '--porcelain'])).toContain(dead);
    new CheckoutPool({ primary: clone, max: 2, base: path.join(tmp, 'next'), attach: () => ({}) }).close();
    expect(git(clone, ['worktree', 'list', '--porcelain'])).not.toContain(dead);
  });
});
