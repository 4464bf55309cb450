#!/usr/bin/env node
// bench/cache-server: nginx (physical limit), turborepo-remote-cache and `fleet cache serve`,
// side by side on loopback with the same client. Usage: node bench/cache-server/run.mjs
// Env: BENCH_BIG_COUNT (50 MB transfers, default 12), BENCH_SMALL_COUNT (10 KB requests, default
// 6000), BENCH_ROUNDS (default 4). BENCH_ONLY=nginx,trc,v8,v1 and
// BENCH_PHASES=bigPut,bigGet,smallPut,smallGet narrow a run (for profiling one path; a phase left
// out is reported as 0); FLEET_NODE_ARGS (e.g. "--cpu-prof") goes to the fleet server's node.
// BENCH_BIG_CLIENT=http measures the 50 MB phases with the node:http client instead of the raw
// socket client (raw-client.mjs), for comparison with earlier runs.
// BENCH_BASELINE_REPO=DIR (another checkout, built) adds its /v1 server, for before/after figures
// taken under the same conditions.
//
// The machine this runs on is shared and noisy, so: every server is started first and warmed up
// (JIT, connections, file-system caches); then each round measures one phase on every server in
// turn, in an order that changes every round (see `turn`), with dirty pages flushed (`sync`) before each measurement so that one
// server's writeback does not land in the next one's figure; each figure is the best of the rounds.
// The 50 MB phases use raw-client.mjs (a cheaper client, the same for every server); after each
// 50 MB PUT phase one stored body is read back and its SHA-256 compared with what was sent, and
// a fleet server's deferred hashing is waited for (drainDigests) before the next measurement.
import { createHash, randomBytes } from 'node:crypto';
import * as http from 'node:http';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './client.mjs';
import { measureRaw } from './raw-client.mjs';
import { startFleet, startNginx, startTrc } from './servers.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = path.join(repo, 'bench', '.work', 'cache-server');
const BIG = 50 * 1000 * 1000;
const BIG_COUNT = Number(process.env.BENCH_BIG_COUNT ?? 12);
const SMALL_COUNT = Number(process.env.BENCH_SMALL_COUNT ?? 6000);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 4);
const SMALL_KEYS = 500;
const ONLY = (process.env.BENCH_ONLY ?? 'nginx,trc,v8,v1').split(',');
const PHASES = new Set((process.env.BENCH_PHASES ?? 'bigPut,bigGet,smallPut,smallGet').split(','));
const SKIPPED = { rps: 0, mbps: 0, p50: 0, p99: 0, errors: 0 };
const big = randomBytes(BIG);
const bigSha = createHash('sha256').update(big).digest('hex');
const BIG_CLIENT = process.env.BENCH_BIG_CLIENT === 'http' ? measure : measureRaw;
const small = Array.from({ length: 16 }, () => randomBytes(10 * 1024));

/** The four phases; a GET phase needs its PUT phase, which then runs unmeasured if left out. */
const SPECS = {
  bigPut: (url, r, n) => ({
    concurrency: 2,
    count: n.big,
    request: (i) => ({ url: url(`b${r}x${i}`), method: 'PUT', body: big }),
  }),
  bigGet: (url, r, n) => ({
    concurrency: 2,
    count: n.big,
    request: (i) => ({ url: url(`b${r}x${i % n.big}`), method: 'GET', expectBytes: BIG }),
  }),
  smallPut: (url, r, n) => ({
    concurrency: 64,
    count: n.small,
    request: (i) => ({ url: url(`s${r}x${i}`), method: 'PUT', body: small[i % 16] }),
  }),
  smallGet: (url, r, n) => ({
    concurrency: 64,
    count: n.small,
    request: (i) => ({ url: url(`s${r}x${(i * 7919) % Math.min(SMALL_KEYS, n.small)}`), method: 'GET' }),
  }),
};
const NEEDS = { bigPut: 'bigGet', smallPut: 'smallGet' };
const phasesToRun = Object.keys(SPECS).filter((p) => PHASES.has(p) || PHASES.has(NEEDS[p]));

const CLIENT = { bigPut: BIG_CLIENT, bigGet: BIG_CLIENT, smallPut: measure, smallGet: measure };

/** Reads one stored 50 MB body back (node:http, outside any measurement) and compares its SHA-256 with the one sent. */
function spotCheck(url) {
  return new Promise((resolve) => {
    const req = http.get(url, { headers: { authorization: 'Bearer bench-token-0123456789' } }, (res) => {
      const hash = createHash('sha256');
      let n = 0;
      res.on('data', (c) => (hash.update(c), (n += c.length)));
      res.on('end', () => {
        const got = hash.digest('hex');
        resolve(
          res.statusCode === 200 && n === BIG && got === bigSha
            ? null
            : `spot check ${url}: status ${res.statusCode}, ${n} bytes, sha256 ${got.slice(0, 12)}… (sent ${bigSha.slice(0, 12)}…)`,
        );
      });
      res.on('error', (err) => resolve(`spot check ${url}: ${err.message}`));
    });
    req.on('error', (err) => resolve(`spot check ${url}: ${err.message}`));
  });
}

/**
 * fleet publishes a large entry before hashing it and hashes it afterwards on a low-priority
 * thread (see docs/remote-cache.md). So that this deferred work lands in no other server's
 * figure, a fleet server's PUT phase is followed by a wait until its /metrics show no pending
 * digest; returns how long that took (ms), or null for other servers.
 */
async function drainDigests(srv) {
  if (!srv.name.startsWith('fleet')) return null;
  const t0 = performance.now();
  const metrics = new URL('/metrics', srv.base).toString();
  for (let i = 0; i < 1200; i++) {
    const text = await fetch(metrics).then(
      (r) => r.text(),
      () => '',
    );
    if (/^fleet_cache_pending_digests 0$/m.test(text)) return performance.now() - t0;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`${srv.name}: digests still pending after 60 s`);
}

/**
 * Writes `bytes` of scratch file into the work folder and deletes it, just before a 50 MB PUT
 * phase. On this VM, a page-cache page the kernel takes from memory freed long ago costs several
 * times one freed by a recent file deletion (`dd` of 600 MiB: 0.5–0.8 GB/s into the former,
 * 3.2–3.6 GB/s into the latter, measured alternately; presumably the host backing the former anew).
 * Without this, a server's PUT figure depended on whether the phases before it had left recently
 * freed pages, up to 4× either way for every server. With it, every server writes into the same
 * kind of page.
 */
function recyclePages(bytes) {
  const file = path.join(work, 'scratch');
  const chunk = Buffer.alloc(8 * 1024 * 1024, 1);
  const fd = fs.openSync(file, 'w');
  for (let n = 0; n < bytes; n += chunk.length) fs.writeSync(fd, chunk);
  fs.closeSync(fd);
  fs.unlinkSync(file);
}

const urlFor = (srv) => (k) => `${srv.base}${k}${srv.name.startsWith('turborepo') ? '?teamId=bench' : ''}`;

/** Keeps, per figure, the best of the rounds (higher throughput, lower latency). */
function better(a, b) {
  if (!a) return b;
  return {
    rps: Math.max(a.rps, b.rps),
    mbps: Math.max(a.mbps, b.mbps),
    p50: Math.min(a.p50, b.p50),
    p99: Math.min(a.p99, b.p99),
    errors: a.errors + b.errors,
    firstError: a.firstError ?? b.firstError,
  };
}

/**
 * Which server measures `k`-th in round `r`: a Williams design (first order 0, 1, n-1, 2, n-2, …,
 * shifted by one each round), so that over n rounds (n even: the four servers) each server
 * measures once in every position and right after each other server once. A plain rotation
 * keeps who-follows-whom fixed: one server was always measured right after the same other one,
 * and a cost that one left behind for the machine (on this VM, page-cache writes into pages not
 * freed recently are up to 5× slower: see recyclePages) always landed on the
 * same figure.
 */
function turn(r, k, n) {
  const first = k === 0 ? 0 : k % 2 === 1 ? (k + 1) / 2 : n - k / 2;
  return (first + r) % n;
}

async function rounds(servers) {
  const best = servers.map(() => ({}));
  const warm = { big: 2, small: 256 };
  for (const phase of phasesToRun) for (const srv of servers) await CLIENT[phase](SPECS[phase](urlFor(srv), 'w', warm));
  let checked = 0;
  const drains = [];
  for (let r = 0; r < ROUNDS; r++) {
    for (const phase of phasesToRun) {
      for (let k = 0; k < servers.length; k++) {
        const i = turn(r, k, servers.length);
        if (phase === 'bigPut') recyclePages(BIG_COUNT * BIG * 1.25);
        spawnSync('sync');
        const m = await CLIENT[phase](SPECS[phase](urlFor(servers[i]), r, { big: BIG_COUNT, small: SMALL_COUNT }));
        if (phase === 'bigPut') {
          process.stderr.write(`bench: round ${r + 1} ${servers[i].name} PUT 50 MB ${m.mbps.toFixed(0)} MB/s\n`);
          const bad = await spotCheck(urlFor(servers[i])(`b${r}x${(r * 5 + k) % BIG_COUNT}`));
          checked++;
          if (bad) (m.errors++, (m.firstError ??= bad), process.stderr.write(`bench: ${servers[i].name}: ${bad}\n`));
          const drained = await drainDigests(servers[i]);
          if (drained !== null) drains.push(drained);
        }
        if (PHASES.has(phase)) best[i][phase] = better(best[i][phase], m);
      }
    }
    const drainText = drains.length
      ? `, fleet's deferred hashing done ${drains.map((d) => (d / 1000).toFixed(1)).join('/')} s after its PUT phases`
      : '';
    drains.length = 0;
    process.stderr.write(
      `bench: round ${r + 1}/${ROUNDS} done (${checked} stored 50 MB bodies read back, SHA-256 checked${drainText}), load average ${os
        .loadavg()
        .map((x) => x.toFixed(2))
        .join(' ')}\n`,
    );
  }
  return servers.map((srv, i) => ({
    name: srv.name,
    m: { bigPut: SKIPPED, bigGet: SKIPPED, smallPut: SKIPPED, smallGet: SKIPPED, ...best[i] },
  }));
}

function table(results) {
  const nginx = results.find((r) => r.name.startsWith('nginx'));
  const trc = results.find((r) => r.name.startsWith('turborepo'));
  const rows = [
    [
      'server',
      'PUT 50MB MB/s',
      'GET 50MB MB/s',
      'PUT 10KB req/s',
      'p50/p99 ms',
      'GET 10KB req/s',
      'p50/p99 ms',
      'errors',
    ],
  ];
  for (const r of results) {
    const m = r.m;
    rows.push([
      r.name,
      m.bigPut.mbps.toFixed(0),
      m.bigGet.mbps.toFixed(0),
      m.smallPut.rps.toFixed(0),
      `${m.smallPut.p50.toFixed(1)}/${m.smallPut.p99.toFixed(1)}`,
      m.smallGet.rps.toFixed(0),
      `${m.smallGet.p50.toFixed(1)}/${m.smallGet.p99.toFixed(1)}`,
      String(m.bigPut.errors + m.bigGet.errors + m.smallPut.errors + m.smallGet.errors),
    ]);
  }
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
  for (const r of results.filter((x) => x.name.startsWith('fleet') && nginx && trc)) {
    const m = r.m;
    rows.push([
      `${r.name} ÷ turborepo-remote-cache`,
      ratio(m.bigPut.mbps, trc.m.bigPut.mbps),
      ratio(m.bigGet.mbps, trc.m.bigGet.mbps),
      ratio(m.smallPut.rps, trc.m.smallPut.rps),
      `p99 ${ratio(trc.m.smallPut.p99, m.smallPut.p99)} lower`,
      ratio(m.smallGet.rps, trc.m.smallGet.rps),
      `p99 ${ratio(trc.m.smallGet.p99, m.smallGet.p99)} lower`,
      '',
    ]);
    rows.push([
      `${r.name} ÷ nginx`,
      ratio(m.bigPut.mbps, nginx.m.bigPut.mbps),
      ratio(m.bigGet.mbps, nginx.m.bigGet.mbps),
      ratio(m.smallPut.rps, nginx.m.smallPut.rps),
      `p99 ${ratio(m.smallPut.p99, nginx.m.smallPut.p99)} of nginx`,
      ratio(m.smallGet.rps, nginx.m.smallGet.rps),
      `p99 ${ratio(m.smallGet.p99, nginx.m.smallGet.p99)} of nginx`,
      '',
    ]);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main() {
  if (!fs.existsSync(path.join(repo, 'dist', 'cli', 'main.js')))
    throw new Error('build first: npx tsc -b tsconfig.build.json');
  fs.mkdirSync(work, { recursive: true });
  const all = {
    nginx: () => startNginx(work),
    trc: () => startTrc(work),
    v8: () => startFleet(work, repo, '/v8/artifacts/'),
    v1: () => startFleet(work, repo, '/v1/cache/'),
  };
  const baseline = process.env.BENCH_BASELINE_REPO;
  if (baseline) ((all.baseline = () => startFleet(work, baseline, '/v1/cache/', ' (baseline)')), ONLY.push('baseline'));
  const servers = [];
  const load0 = os.loadavg();
  try {
    for (const [k, start] of Object.entries(all)) if (ONLY.includes(k)) servers.push(await start());
    const results = await rounds(servers);
    const load = (l) => l.map((x) => x.toFixed(2)).join(' ');
    console.log(
      `loopback, best of ${ROUNDS} rounds: ${BIG_COUNT} × 50 MB at concurrency 2 (${BIG_CLIENT === measure ? 'node:http' : 'raw socket'} client), ${SMALL_COUNT} × 10 KB at concurrency 64, node ${process.version}, ${os.cpus().length} CPUs, load average ${load(load0)} at start, ${load(os.loadavg())} at end\n`,
    );
    console.log(table(results));
    const errs = results.flatMap((r) =>
      Object.entries(r.m)
        .filter(([, m]) => m.errors > 0)
        .map(([p, m]) => `${r.name} ${p}: ${m.errors} errors, first: ${m.firstError}`),
    );
    if (errs.length > 0) console.log(`\nerrors:\n${errs.join('\n')}`);
  } finally {
    for (const srv of servers) await srv.stop();
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
