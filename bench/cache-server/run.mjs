#!/usr/bin/env node
// bench/cache-server: nginx (physical limit), turborepo-remote-cache and `fleet cache serve`,
// side by side on loopback with the same client. Usage: node bench/cache-server/run.mjs
// Env: BENCH_BIG_COUNT (50 MB transfers, default 12), BENCH_SMALL_COUNT (10 KB requests, default 6000).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './client.mjs';
import { startFleet, startNginx, startTrc } from './servers.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = path.join(repo, 'bench', '.work', 'cache-server');
const BIG = 50 * 1000 * 1000;
const BIG_COUNT = Number(process.env.BENCH_BIG_COUNT ?? 12);
const SMALL_COUNT = Number(process.env.BENCH_SMALL_COUNT ?? 6000);
const SMALL_KEYS = 500;

async function benchServer(srv, tag) {
  const big = randomBytes(BIG);
  const small = Array.from({ length: 16 }, () => randomBytes(10 * 1024));
  const q = srv.name.startsWith('turborepo') ? '?teamId=bench' : '';
  const url = (k) => `${srv.base}${k}${q}`;
  const bigPut = await measure({ concurrency: 2, count: BIG_COUNT, request: (i) => ({ url: url(`b${tag}${i}`), method: 'PUT', body: big }) });
  const bigGet = await measure({ concurrency: 2, count: BIG_COUNT, request: (i) => ({ url: url(`b${tag}${i % BIG_COUNT}`), method: 'GET' }) });
  const smallPut = await measure({ concurrency: 64, count: SMALL_COUNT, request: (i) => ({ url: url(`s${tag}${i}`), method: 'PUT', body: small[i % 16] }) });
  const smallGet = await measure({ concurrency: 64, count: SMALL_COUNT, request: (i) => ({ url: url(`s${tag}${(i * 7919) % SMALL_KEYS}`), method: 'GET' }) });
  return { bigPut, bigGet, smallPut, smallGet };
}

function table(results) {
  const [nginx, trc] = results;
  const rows = [['server', 'PUT 50MB MB/s', 'GET 50MB MB/s', 'PUT 10KB req/s', 'p50/p99 ms', 'GET 10KB req/s', 'p50/p99 ms', 'errors']];
  for (const r of results) {
    const m = r.m;
    rows.push([r.name, m.bigPut.mbps.toFixed(0), m.bigGet.mbps.toFixed(0), m.smallPut.rps.toFixed(0), `${m.smallPut.p50.toFixed(1)}/${m.smallPut.p99.toFixed(1)}`, m.smallGet.rps.toFixed(0), `${m.smallGet.p50.toFixed(1)}/${m.smallGet.p99.toFixed(1)}`, String(m.bigPut.errors + m.bigGet.errors + m.smallPut.errors + m.smallGet.errors)]);
  }
  const ratio = (a, b) => `${(a / b).toFixed(2)}×`;
  for (const r of results.slice(2)) {
    const m = r.m;
    rows.push([`${r.name} ÷ turborepo-remote-cache`, ratio(m.bigPut.mbps, trc.m.bigPut.mbps), ratio(m.bigGet.mbps, trc.m.bigGet.mbps), ratio(m.smallPut.rps, trc.m.smallPut.rps), `p99 ${ratio(trc.m.smallPut.p99, m.smallPut.p99)} lower`, ratio(m.smallGet.rps, trc.m.smallGet.rps), `p99 ${ratio(trc.m.smallGet.p99, m.smallGet.p99)} lower`, '']);
    rows.push([`${r.name} ÷ nginx`, ratio(m.bigPut.mbps, nginx.m.bigPut.mbps), ratio(m.bigGet.mbps, nginx.m.bigGet.mbps), ratio(m.smallPut.rps, nginx.m.smallPut.rps), `p99 ${ratio(m.smallPut.p99, nginx.m.smallPut.p99)} of nginx`, ratio(m.smallGet.rps, nginx.m.smallGet.rps), `p99 ${ratio(m.smallGet.p99, nginx.m.smallGet.p99)} of nginx`, '']);
  }
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  const line = (r) => `| ${r.map((c, i) => c.padEnd(widths[i])).join(' | ')} |`;
  return [line(rows[0]), `|${widths.map((w) => '-'.repeat(w + 2)).join('|')}|`, ...rows.slice(1).map(line)].join('\n');
}

async function main() {
  if (!fs.existsSync(path.join(repo, 'dist', 'cli', 'main.js'))) throw new Error('build first: npx tsc -b tsconfig.build.json');
  fs.mkdirSync(work, { recursive: true });
  const starters = [() => startNginx(work), () => startTrc(work), () => startFleet(work, repo, '/v8/artifacts/'), () => startFleet(work, repo, '/v1/cache/')];
  const results = [];
  for (const [i, start] of starters.entries()) {
    const srv = await start();
    try {
      process.stderr.write(`bench: ${srv.name} ...\n`);
      results.push({ name: srv.name, m: await benchServer(srv, i) });
    } finally {
      await srv.stop();
    }
  }
  console.log(`loopback, ${BIG_COUNT} × 50 MB at concurrency 2, ${SMALL_COUNT} × 10 KB at concurrency 64, node ${process.version}\n`);
  console.log(table(results));
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
