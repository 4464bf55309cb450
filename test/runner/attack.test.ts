import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import { runNamespace } from '../../cache/run-tokens';
import { fleetBin } from '../cache/support/serve-process';
import { redisConnection, runKeys } from '../../runner';
import { attackFiles, type AttackReport, type AttackTargets, type RedisAttempt } from './support/attack-fixture';
import { waitUntil } from './support/processes';
import { dteWorkspace } from './support/dte-fixture';
import { taskJson } from './support/planted-state';
import { ensureTaskUser, TrustCluster } from './support/trust-cluster';

// An untrusted task tries every credential it can read (support/attack-fixture.ts) on two
// untrusted agents: `pr-u` runs tasks as a task user, `pr-s` as its own user (an agent that
// cannot switch users); a trusted agent serves the trusted queue the task tries to fill.
const TASK_USER = ensureTaskUser('fleet-task-atk');
const POOLS = TASK_USER ? ['u', 's'] : ['s'];
const VICTIM = { runId: 'r-victim-pr-42', commit: randomBytes(20).toString('hex') };
/** Where the test writes the cluster's Redis port for the task (world-readable). */
const PORT_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-attack-port-'));
fs.chmodSync(PORT_DIR, 0o755);
const canary = (pool: string): AttackTargets['canary'] => {
  const run = runKeys.run(`r-trusted-canary-${pool}`);
  return {
    run,
    log: `${run}:log`,
    patch: `${run}:patch`,
    patchValue: `diff --git a/secret-${pool} ${randomBytes(8).toString('hex')}`,
    job: `fleet-bull:fleet-any:canary-${pool}`,
    planted: `${run}:planted`,
    jobPlanted: `fleet-bull:fleet-any:planted-${pool}`,
  };
};
const TARGETS: Record<string, AttackTargets> = Object.fromEntries(
  POOLS.map((pool) => [
    pool,
    {
      mainHash: `atk-${pool}-main-${randomBytes(6).toString('hex')}`,
      victimHash: `atk-${pool}-victim-${randomBytes(6).toString('hex')}`,
      victim: VICTIM,
      jobRunId: `r-attack-jobs-${pool}`,
      commit: randomBytes(20).toString('hex'),
      redisPortFile: path.join(PORT_DIR, 'port'),
      canary: canary(pool),
    },
  ]),
);

let cluster: TrustCluster;
let ws: TestWorkspace;

beforeAll(async () => {
  const f = dteWorkspace({ extraFiles: attackFiles(TARGETS) });
  ws = f.ws;
  cluster = await new TrustCluster(f.bare).start();
  fs.writeFileSync(TARGETS[POOLS[0]].redisPortFile, new URL(cluster.redis.url).port, { mode: 0o644 });
  // A trusted run's keys and a trusted job, as a trusted run leaves them.
  const seed = redisConnection(cluster.redis.url, 'test-attack-seed');
  for (const pool of POOLS) {
    const c = TARGETS[pool].canary;
    await seed.hset(c.run, 'status', 'passed', 'command', 'nx run-many -t build');
    await seed.xadd(c.log, '*', 'line', `trusted log line ${pool}`);
    await seed.set(c.patch, c.patchValue);
    await seed.hset(c.job, 'data', '{"trusted":true}');
  }
  seed.disconnect();
  await cluster.startAgents([
    { id: 'trusted-a', trust: 'trusted' },
    ...(TASK_USER ? [{ id: 'pr-u', trust: 'untrusted' as const, taskUser: TASK_USER, labels: ['pool-u'] }] : []),
    { id: 'pr-s', trust: 'untrusted', labels: ['pool-s'] },
  ]);
}, 90_000);

afterAll(async () => {
  await cluster?.stop();
  fs.rmSync(PORT_DIR, { recursive: true, force: true });
});

const redisLine = (pool: string, r: RedisAttempt): string =>
  `redis from pool ${pool} at ${r.endpoint}: ${r.reachable ? 'reachable' : 'unreachable'}, ${r.auths} AUTH tried ` +
  `(${r.authOk} accepted, ${r.wrongpass} WRONGPASS), ${r.opsTried} commands (${r.opsOk} ok, ${r.noauth} NOAUTH, ` +
  `${r.otherErrors} other errors), ${r.keysSeen} run keys seen, trusted patch read: ${r.readTrustedPatch}, ` +
  `${r.deleted} deleted, ${r.planted} planted`;

async function get(route: 'nx' | 'turbo', hash: string, token: string): Promise<{ status: number; body: string }> {
  const url = `${cluster.cache.url}${route === 'nx' ? '/v1/cache/' : '/v8/artifacts/'}${hash}`;
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}` } });
  return { status: res.status, body: await res.text() };
}

async function mintFor(identity: { runId: string; commit: string }): Promise<string> {
  const res = await fetch(`${cluster.cache.url}/v1/fleet/run-tokens`, {
    method: 'POST',
    headers: { authorization: `Bearer ${cluster.tokens.coordinatorMint}`, 'content-type': 'application/json' },
    body: JSON.stringify(identity),
  });
  expect(res.status).toBe(200);
  return ((await res.json()) as { token: string }).token;
}

/** Entries per namespace in the cache server's store (`fleet cache stats --json`). */
function storedNamespaces(): Record<string, number> {
  const r = spawnSync(process.execPath, [fleetBin(), 'cache', 'stats', '--store', `fs:${cluster.store}`, '--json'], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { namespaces: Record<string, number> }).namespaces;
}

describe('an untrusted task that tries every token and key it can read', () => {
  it('writes nothing a trusted reader or another untrusted run gets (with a task user); without one, only what the docs say', async () => {
    const run = await cluster.run(ws, 'untrusted', ['run-many', '-t', 'attack']);
    expect(run.code, run.output).toBe(0);
    const reports: Record<string, AttackReport> = {};
    for (const pool of POOLS) {
      const r = taskJson<AttackReport>(run.output, `attack-${pool}:attack`, 'ATTACK-REPORT');
      expect(r, run.output).toBeDefined();
      reports[pool] = r!;
      console.log(
        `attack from pool ${pool} (uid ${r!.uid}): ${r!.sources} sources (${r!.sourcesRead} readable), ` +
          `${r!.filesTried} files tried (${r!.filesRead} read), ${r!.credentials} credential candidates, ` +
          `${r!.pems} PEM blocks, ${r!.procCmdlines} argv of processes, ${r!.redisUrls} Redis URLs ` +
          `(${r!.redisUrlsOutOfScope} of other Redis servers left alone); ${r!.puts} PUTs (${r!.accepted.length} accepted), ` +
          `${r!.mints} mint attempts (${r!.minted} minted), ${r!.jobs} jobs enqueued`,
      );
      for (const a of r!.redis) console.log(redisLine(pool, a));
      // The attack really ran: it read files and every process's argv, found credentials, and its
      // own run token (in its environment) was accepted for its own namespace.
      expect(r!.filesRead).toBeGreaterThan(0);
      expect(r!.procCmdlines).toBeGreaterThan(5);
      expect(r!.credentials).toBeGreaterThan(10);
      expect(r!.accepted.length).toBeGreaterThan(0);
      // No fleet secret variable (FLEET_REDIS_URL(_FILE), keys, tokens) in the task's environment.
      expect(r!.envSecrets).toEqual([]);
      // The cluster's Redis answered, and it was tried without a credential and with every one found.
      const port = new URL(cluster.redis.url).port;
      const mine = r!.redis.find((a) => a.endpoint === `127.0.0.1:${port}`);
      expect(mine?.reachable, JSON.stringify(r!.redis)).toBe(true);
      if (mine!.authOk === 0) expect(mine!.auths).toBeGreaterThanOrEqual(r!.credentials);
    }
    const agentPid = (id: string): number => cluster.agents.get(id)!.process.pid;

    // Trusted readers (a read-only and a read-write token of `main`) get none of it, on either API.
    let reads = 0;
    for (const pool of POOLS)
      for (const hash of [TARGETS[pool].mainHash, TARGETS[pool].victimHash])
        for (const route of ['nx', 'turbo'] as const)
          for (const token of [cluster.tokens.trustedReader, cluster.tokens.trustedWriter]) {
            expect((await get(route, hash, token)).status, `${route} ${hash}`).toBe(404);
            reads++;
          }

    // Only the attack run's own namespace holds entries; `main` holds none. The victim run's
    // namespace holds entries only where the agent could not use a task user.
    const attackNs = runNamespace({ runId: run.summary!.runId, commit: ws.git(['rev-parse', 'HEAD']).trim() });
    const victimNs = runNamespace(VICTIM);
    const stored = storedNamespaces();
    expect(stored.main).toBeUndefined();
    expect(Object.keys(stored).sort()).toEqual([attackNs, ...(POOLS.includes('s') ? [victimNs] : [])].sort());

    const victimToken = await mintFor(VICTIM);
    if (reports.u) {
      expect(reports.u.uid).not.toBe(0);
      // It could not read its agent's environment, so it never held a mint token.
      expect(reports.u.readable).not.toContain(`/proc/${agentPid('pr-u')}/environ`);
      expect(reports.u.minted).toBe(0);
      // Nor did it find the Redis URL (not in any argv, the agent's environment or home): every
      // AUTH got WRONGPASS, every command NOAUTH; the trusted run's keys and job are as seeded.
      expect(reports.u.redisUrls).toBe(0);
      expect(reports.u.jobs).toBe(0);
      const mine = reports.u.redis.find((a) => a.endpoint === `127.0.0.1:${new URL(cluster.redis.url).port}`)!;
      expect(mine.authOk).toBe(0);
      expect(mine.wrongpass).toBe(mine.auths);
      expect(mine.opsOk).toBe(0);
      expect(mine.noauth).toBe(mine.opsTried);
      expect(mine.opsTried).toBeGreaterThan(0);
      expect([mine.readTrustedPatch, mine.keysSeen, mine.deleted, mine.planted]).toEqual([false, 0, 0, 0]);
      const c = TARGETS.u.canary;
      const check = redisConnection(cluster.redis.url, 'test-attack-canary');
      try {
        expect(await check.get(c.patch)).toBe(c.patchValue);
        expect(await check.xlen(c.log)).toBe(1);
        expect(await check.hget(c.job, 'data')).toBe('{"trusted":true}');
        expect(await check.exists(c.planted, c.jobPlanted)).toBe(0);
      } finally {
        check.disconnect();
      }
      for (const hash of [TARGETS.u.mainHash, TARGETS.u.victimHash])
        for (const route of ['nx', 'turbo'] as const) {
          expect((await get(route, hash, victimToken)).status, `victim reads ${route} ${hash}`).toBe(404);
          reads++;
        }
    }
    if (reports.s) {
      // What docs/distributed.md says of an agent without a task user: the task reads the agent's
      // environment and files, holds its mint token, and can write another untrusted run's
      // namespace (never main: checked above).
      expect(reports.s.readable).toContain(`/proc/${agentPid('pr-s')}/environ`);
      // It reads FLEET_REDIS_URL_FILE there and the file in the agent's home: with the password it
      // reads, deletes and adds trusted keys in a Redis shared with the trusted level (hence one
      // Redis per trust level, and the agent's FLEET_REDIS_SHARED warning).
      expect(reports.s.redisUrls).toBeGreaterThan(0);
      expect(reports.s.jobs).toBeGreaterThan(0);
      const mine = reports.s.redis.find((a) => a.endpoint === `127.0.0.1:${new URL(cluster.redis.url).port}`)!;
      expect(mine.authOk).toBe(1);
      expect(mine.readTrustedPatch).toBe(true);
      expect(mine.deleted).toBe(2);
      expect(mine.planted).toBe(3);
      expect(mine.keysSeen).toBeGreaterThan(0);
      expect(reports.s.minted).toBeGreaterThan(0);
      const poisoned = await get('nx', TARGETS.s.victimHash, victimToken);
      expect(poisoned.status).toBe(200);
      expect(poisoned.body).toContain('POISON s');
      // The victim's namespace holds exactly what was PUT with the tokens minted for it.
      const viaMint = new Set(reports.s.accepted.filter((a) => a.via.startsWith('minted')).map((a) => a.hash));
      expect(stored[victimNs]).toBe(viaMint.size);
      expect([...viaMint].every((h) => h.startsWith('atk-s-'))).toBe(true);
    }

    // Every job it enqueued was refused at an agent; none started.
    const events = redisConnection(cluster.redis.url, 'test-attack-events');
    try {
      const refused = async (): Promise<number> => {
        let n = 0;
        for (const pool of POOLS)
          n += (await events.xrange(runKeys.events(TARGETS[pool].jobRunId), '-', '+'))
            .map(([, f]) => JSON.parse(f[1]) as { type: string })
            .filter((e) => e.type === 'refused').length;
        return n;
      };
      const total = POOLS.reduce((n, p) => n + reports[p].jobs, 0);
      let seen = 0;
      for (let i = 0; i < 300 && seen < total; i++) {
        seen = await refused();
        if (seen < total) await new Promise((r) => setTimeout(r, 100));
      }
      expect(seen).toBe(total);
      expect(cluster.agentLogs()).not.toMatch(/"task started","runId":"r-attack-jobs-/);
      console.log(`attack: ${reads} reads by trusted and victim tokens returned nothing; ${seen} forged jobs refused`);
      // Every untrusted agent warned that its Redis is shared with the trusted level.
      const untrusted = [...cluster.agents.values()].filter((a) => a.spec.trust === 'untrusted');
      const warned = await waitUntil(
        () => untrusted.every((a) => a.process.output().includes('"code":"FLEET_REDIS_SHARED"')),
        20_000,
      );
      expect(warned, cluster.agentLogs()).toBe(true);
      console.log(`attack: ${untrusted.length} untrusted agents warned FLEET_REDIS_SHARED`);
    } finally {
      events.disconnect();
    }
  }, 240_000);
});

describe('an untrusted agent on a Redis shared with the trusted level', () => {
  it('with --shared-redis refuse (FLEET_SHARED_REDIS) does not start: FLEET_REDIS_SHARED, never ready', async () => {
    const a = cluster.startAgent({ id: 'pr-refuse', trust: 'untrusted', env: { FLEET_SHARED_REDIS: 'refuse' } });
    const timer = setTimeout(() => void a.process.stop(1000), 45_000);
    const code = await a.process.exited;
    clearTimeout(timer);
    const out = a.process.output();
    expect(code, out).not.toBe(0);
    expect(out).toContain('[FLEET_REDIS_SHARED]');
    expect(out).toContain('agent trusted-a (trusted)');
    expect(out).not.toContain('agent ready');
    console.log(`shared redis: untrusted agent with refuse exited ${code} without serving`);
  }, 60_000);
});
