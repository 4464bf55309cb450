// bench/dte: the processes of the benchmark (redis-server, `fleet cache serve`, agents, the
// coordinator, nx). Each runs in its own process group with its output in a file; every one is
// recorded so that it is stopped by its PID (its group: nx's own children go with it) on the way
// out, also on error and Ctrl-C. Every wait is bounded.
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { canConnect, freePort } from '../net.mjs';

const live = new Set();

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
/** A timeout for Promise.race that does not keep the process alive on its own. */
const deadline = (ms) => new Promise((r) => setTimeout(r, ms).unref());

function signalGroup(pid, signal) {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      /* gone */
    }
  }
}

/** Starts `cmd args` detached (its own process group), stdout+stderr into `logFile`. */
export function start(name, cmd, args, { cwd, env, logFile }) {
  const fd = fs.openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd, env, stdio: ['ignore', fd, fd], detached: true });
  fs.closeSync(fd);
  const p = {
    name,
    pid: child.pid,
    child,
    logFile,
    exitCode: undefined,
    output: () => (fs.existsSync(logFile) ? fs.readFileSync(logFile, 'utf8') : ''),
  };
  p.exited = new Promise((resolve) => {
    child.once('exit', (code, signal) => {
      p.exitCode = code ?? (signal ? 128 : 1);
      live.delete(p);
      resolve(p.exitCode);
    });
    child.once('error', (e) => {
      p.exitCode = -1;
      p.error = e;
      live.delete(p);
      resolve(-1);
    });
  });
  live.add(p);
  return p;
}

/** SIGTERM to the process group, then SIGKILL after `graceMs`; resolves when it has exited (bounded). */
export async function stop(p, graceMs = 10_000) {
  if (p.exitCode !== undefined) return p.exitCode;
  signalGroup(p.pid, 'SIGTERM');
  const done = await Promise.race([p.exited.then(() => true), deadline(graceMs).then(() => false)]);
  if (!done) {
    signalGroup(p.pid, 'SIGKILL');
    await Promise.race([p.exited, deadline(5000)]);
  }
  // The group may hold children that outlived their parent (an nx task process): end them too.
  signalGroup(p.pid, 'SIGKILL');
  return p.exitCode;
}

/** Waits for exit up to `timeoutMs`; on timeout stops it and returns undefined. */
export async function waitExit(p, timeoutMs) {
  const code = await Promise.race([p.exited, deadline(timeoutMs).then(() => undefined)]);
  if (code === undefined) await stop(p, 3000);
  return code;
}

export async function stopAll(graceMs = 5000) {
  await Promise.all([...live].map((p) => stop(p, graceMs)));
}

/** Synchronous last resort (process 'exit' handler): SIGKILL every group still recorded. */
export function killAllSync() {
  for (const p of live) signalGroup(p.pid, 'SIGKILL');
}

export async function waitFor(check, timeoutMs, what) {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    const v = await check();
    if (v) return v;
    await sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

export async function startRedis(dir) {
  const port = await freePort();
  const p = start(
    'redis-server',
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { cwd: dir, env: process.env, logFile: `${dir}/redis.log` },
  );
  await waitFor(
    async () =>
      p.exitCode !== undefined ? Promise.reject(new Error(`redis-server exited: ${p.output()}`)) : canConnect(port),
    15_000,
    'redis-server',
  );
  return { ...p, url: `redis://127.0.0.1:${port}`, proc: p };
}

/** `fleet cache serve` on a free loopback port, its log in `dir/cache.log`; `extraArgs` e.g. `--tokens FILE`. */
export async function startCache(fleetBin, dir, store, extraArgs = []) {
  const p = start(
    'fleet cache serve',
    process.execPath,
    [fleetBin, 'cache', 'serve', '--port', '0', '--host', '127.0.0.1', '--store', `fs:${store}`, ...extraArgs],
    { cwd: dir, env: process.env, logFile: `${dir}/cache.log` },
  );
  const url = await waitFor(
    () => {
      if (p.exitCode !== undefined) throw new Error(`fleet cache serve exited ${p.exitCode}: ${p.output()}`);
      const line = p
        .output()
        .split('\n')
        .find((l) => l.includes('"msg":"listening"'));
      return line ? JSON.parse(line).url : undefined;
    },
    30_000,
    'fleet cache serve',
  );
  return { url, proc: p };
}
