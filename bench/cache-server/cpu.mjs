#!/usr/bin/env node
// Server CPU per GB of 50 MB PUTs and GETs, per thread, from /proc (Linux): what the throughput
// tables cannot show on a shared, noisy machine. Usage: node bench/cache-server/cpu.mjs
// Env: CPU_SERVERS=fleet,nginx,trc (default fleet), CPU_COUNT (50 MB transfers, default 24),
// CPU_CONCURRENCY (default 2), CPU_GET=0 (PUTs only), FLEET_NODE_ARGS, BENCH_BASELINE_REPO=DIR (adds "baseline": another
// built checkout's fleet), CPU_CLIENT=http (the node:http client instead of raw sockets). For fleet the PUT figure is split into the time of the PUTs and the
// background hashing that follows them (waited for, up to 60 s).
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { measure } from './client.mjs';
import { measureRaw as raw } from './raw-client.mjs';
import { startFleet, startNginx, startTrc } from './servers.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const work = path.join(repo, 'bench', '.work', 'cache-cpu');
const BIG = 50 * 1000 * 1000;
const COUNT = Number(process.env.CPU_COUNT ?? 24);
const CONC = Number(process.env.CPU_CONCURRENCY ?? 2);
const TICK = 100; // USER_HZ
const measureRaw = process.env.CPU_CLIENT === 'http' ? measure : raw;
const body = randomBytes(BIG);

/** Every thread of `pid` and of its children (nginx's workers): name → CPU seconds. */
function threads(pid) {
  const out = new Map();
  const pids = [pid];
  for (const p of fs.readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const st = fs.readFileSync(`/proc/${p}/stat`, 'latin1');
      if (Number(st.slice(st.lastIndexOf(')') + 2).split(' ')[1]) === pid) pids.push(Number(p));
    } catch {}
  }
  for (const p of pids) {
    for (const t of fs.readdirSync(`/proc/${p}/task`)) {
      try {
        const st = fs.readFileSync(`/proc/${p}/task/${t}/stat`, 'latin1');
        const name =
          st
            .slice(st.indexOf('(') + 1, st.lastIndexOf(')'))
            .replace(/[0-9]+$/, '')
            .trim() || '?';
        const f = st.slice(st.lastIndexOf(')') + 2).split(' ');
        // Node names no thread: the event loop is the thread whose id is the pid; the background
        // hasher is the one at nice 19; the rest are libuv's pool, V8's helpers and workers.
        const label = Number(t) === p ? `${name} main` : Number(f[16]) === 19 ? `${name} nice-19` : `${name} other`;
        const key = p === pid ? label : `child ${label}`;
        out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) / TICK);
      } catch {}
    }
  }
  return out;
}

function diff(a, b) {
  const d = new Map();
  for (const [k, v] of b) if (v - (a.get(k) ?? 0) > 0) d.set(k, v - (a.get(k) ?? 0));
  return d;
}

const fmt = (d, gb) =>
  [...d]
    .sort((x, y) => y[1] - x[1])
    .map(([k, v]) => `${k} ${(v / gb).toFixed(2)}`)
    .join(', ');
const total = (d) => [...d.values()].reduce((a, b) => a + b, 0);

async function metricsPending(srv) {
  const u = new URL(srv.base);
  try {
    const r = await fetch(`http://${u.host}/metrics`);
    const m = /^fleet_cache_pending_digests (\d+)$/m.exec(await r.text());
    return m ? Number(m[1]) : 0;
  } catch {
    return 0;
  }
}

async function main() {
  fs.mkdirSync(work, { recursive: true });
  const starters = {
    fleet: () => startFleet(work, repo, '/v1/cache/'),
    nginx: () => startNginx(work),
    trc: () => startTrc(work),
  };
  if (process.env.BENCH_BASELINE_REPO)
    starters.baseline = () => startFleet(work, process.env.BENCH_BASELINE_REPO, '/v1/cache/', ' (baseline)');
  const names = (process.env.CPU_SERVERS ?? 'fleet').split(',');
  console.log(
    `server CPU seconds per GB, ${COUNT} × 50 MB at concurrency ${CONC}, load average ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}`,
  );
  for (const name of names) {
    const srv = await starters[name]();
    try {
      const url = (k) => `${srv.base}${k}${srv.name.startsWith('turborepo') ? '?teamId=bench' : ''}`;
      await measureRaw({ concurrency: CONC, count: 2, request: (i) => ({ url: url(`w${i}`), method: 'PUT', body }) });
      const gb = (COUNT * BIG) / 1e9;
      const t0 = threads(srv.pid);
      const put = await measureRaw({
        concurrency: CONC,
        count: COUNT,
        request: (i) => ({ url: url(`k${i}`), method: 'PUT', body }),
      });
      const t1 = threads(srv.pid);
      for (let i = 0; i < 600 && (await metricsPending(srv)) > 0; i++) await new Promise((r) => setTimeout(r, 100));
      const t2 = threads(srv.pid);
      if (process.env.CPU_GET === '0') {
        console.log(
          `${srv.name}: PUT ${put.mbps.toFixed(0)} MB/s (${put.errors} errors), ${(total(diff(t0, t1)) / gb).toFixed(2)} s/GB [${fmt(diff(t0, t1), gb)}]; after the PUTs ${(total(diff(t1, t2)) / gb).toFixed(2)} s/GB`,
        );
        continue;
      }
      const get = await measureRaw({
        concurrency: CONC,
        count: COUNT,
        request: (i) => ({ url: url(`k${i}`), method: 'GET', expectBytes: BIG }),
      });
      const t3 = threads(srv.pid);
      const dPut = diff(t0, t1);
      const dAfter = diff(t1, t2);
      const dGet = diff(t2, t3);
      console.log(
        `${srv.name}: PUT ${put.mbps.toFixed(0)} MB/s (${put.errors} errors), ${(total(dPut) / gb).toFixed(2)} s/GB [${fmt(dPut, gb)}]` +
          (total(dAfter) > 0 ? `; after the PUTs ${(total(dAfter) / gb).toFixed(2)} s/GB [${fmt(dAfter, gb)}]` : ''),
      );
      console.log(
        `${srv.name}: GET ${get.mbps.toFixed(0)} MB/s (${get.errors} errors), ${(total(dGet) / gb).toFixed(2)} s/GB [${fmt(dGet, gb)}]`,
      );
    } finally {
      await srv.stop();
    }
  }
  fs.rmSync(work, { recursive: true, force: true });
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
