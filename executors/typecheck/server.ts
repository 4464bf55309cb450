import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import { Piscina } from 'piscina';
import { lineReader, type ClientMessage, type ServerMessage, type TypecheckFailureCode } from './protocol';
import type { ServerSettings } from './server-settings';
import type { WorkerTask } from './worker';

/**
 * The persistent typecheck server (Bazel's persistent worker, for Nx): a piscina pool whose
 * threads keep their parsed files between Nx commands. One per workspace and build key; it
 * exits after `idleMs` with nothing to do. Started detached by the executor (server-main.ts).
 * One single-thread pool per lane, so that a task goes to the thread that already holds its
 * dependencies' files and diagnostics (CheckRequest.affinity): each thread's caches are its own,
 * and two threads checking the same dependencies would repeat each other's work.
 */
export function startServer(settings: ServerSettings): Promise<net.Server> {
  let lanes = newLanes(settings);
  let inFlight = 0;
  let clients = 0;
  let idleTimer: NodeJS.Timeout | undefined;
  const armIdle = () => {
    clearTimeout(idleTimer);
    if (inFlight === 0 && clients === 0) idleTimer = setTimeout(() => void shutdown('idle'), settings.idleMs);
  };
  const shutdown = async (why: string) => {
    log(`stopping (${why})`);
    server.close();
    fs.rmSync(settings.socket, { force: true });
    await Promise.all(lanes.pools.map((pool) => pool.destroy().catch(() => undefined)));
    process.exit(0);
  };
  const recycleIfLarge = () => {
    const rssMb = process.memoryUsage.rss() / 1048576;
    if (rssMb <= settings.maxRssMb) return;
    log(`RSS ${rssMb.toFixed(0)} MiB > ${settings.maxRssMb} MiB: replacing the pool`);
    const old = lanes;
    lanes = newLanes(settings);
    for (const pool of old.pools) void pool.close().catch(() => undefined);
  };
  const server = net.createServer((socket) => {
    clients++;
    clearTimeout(idleTimer);
    const aborts = new Set<AbortController>();
    const send = (m: ServerMessage) => socket.writable && socket.write(JSON.stringify(m) + '\n');
    send({ type: 'hello', pid: process.pid, key: settings.key });
    socket.on(
      'data',
      lineReader<ClientMessage>((m) => {
        if (m.type !== 'check') return;
        const abort = new AbortController();
        aborts.add(abort);
        inFlight++;
        const task: WorkerTask = {
          ...m.request,
          typescript: settings.typescript,
          crashOn: settings.crashOn,
          recycleAfter: settings.recycleAfter,
        };
        const { pools, chooser } = lanes;
        const lane = chooser.take(m.request.affinity);
        pools[lane]
          .run(task, { signal: abort.signal })
          .then(
            (result) => send({ type: 'result', id: m.id, ok: true, result }),
            (error: Error & { code?: string }) =>
              !abort.signal.aborted &&
              send({ type: 'result', id: m.id, ok: false, ...describeFailure(error, m.request.tsconfig) }),
          )
          .finally(() => {
            chooser.release(lane);
            aborts.delete(abort);
            inFlight--;
            recycleIfLarge();
            armIdle();
          });
      }),
    );
    // The client went away (Ctrl-C in Nx, or the batch ended): its queued and running
    // tasks stop; piscina terminates a thread whose running task is aborted.
    socket.on('close', () => {
      clients--;
      for (const a of aborts) a.abort();
      armIdle();
    });
    socket.on('error', () => undefined);
  });
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.socket, () => {
      armIdle();
      log(`listening on ${settings.socket} (pid ${process.pid}, ${settings.threads} threads, key ${settings.key})`);
      resolve(server);
    });
  });
}

/** The lane of a task: its affinity's lane, or (first seen, or none) the one with the fewest tasks. */
export function laneChooser(lanes: number) {
  const busy = new Array<number>(lanes).fill(0);
  const laneOfAffinity = new Map<string, number>();
  return {
    take(affinity: string | undefined): number {
      let lane = affinity === undefined ? undefined : laneOfAffinity.get(affinity);
      if (lane === undefined) {
        lane = busy.indexOf(Math.min(...busy));
        if (affinity !== undefined) laneOfAffinity.set(affinity, lane);
      }
      busy[lane]++;
      return lane;
    },
    release(lane: number): void {
      busy[lane]--;
    },
  };
}

function newLanes(settings: ServerSettings): { pools: Piscina[]; chooser: ReturnType<typeof laneChooser> } {
  const pools = Array.from(
    { length: settings.threads },
    () =>
      new Piscina({
        filename: path.join(__dirname, 'worker.js'),
        minThreads: 1,
        maxThreads: 1,
        idleTimeout: settings.idleMs,
        resourceLimits: { maxOldGenerationSizeMb: settings.threadHeapMb },
      }),
  );
  return { pools, chooser: laneChooser(settings.threads) };
}

function describeFailure(
  error: Error & { code?: string },
  tsconfig: string,
): { code: TypecheckFailureCode; message: string } {
  if (error.code === 'ERR_WORKER_OUT_OF_MEMORY')
    return {
      code: 'FLEET_TYPECHECK_WORKER_OOM',
      message: `nx-fleet: the type-check worker ran out of memory checking ${tsconfig} (FLEET_TYPECHECK_THREAD_HEAP_MB); it was replaced, other tasks are unaffected`,
    };
  if (/exited|terminated/i.test(error.message))
    return {
      code: 'FLEET_TYPECHECK_WORKER_CRASHED',
      message: `nx-fleet: the type-check worker crashed checking ${tsconfig} (${error.message}); it was replaced, other tasks are unaffected`,
    };
  return {
    code: 'FLEET_TYPECHECK_FAILED',
    message: `nx-fleet: type-checking ${tsconfig} failed: ${error.stack ?? error.message}`,
  };
}

function log(line: string): void {
  console.log(`${new Date().toISOString()} nx-fleet typecheck server: ${line}`);
}
