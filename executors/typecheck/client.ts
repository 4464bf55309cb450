import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as path from 'node:path';
import type { CheckRequest, CheckResult } from './check-project';
import { lineReader, type ServerMessage, type TypecheckFailureCode } from './protocol';
import type { ServerAddress } from './server-address';

export type TaskOutcome =
  { ok: true; result: CheckResult } | { ok: false; code: TypecheckFailureCode; message: string };

/** A connection to the typecheck server; `check` sends one project, answers come in any order. */
export interface ServerConnection {
  pid: number;
  check(request: CheckRequest): Promise<TaskOutcome>;
  close(): void;
}

/** Connects to the workspace's server, starting it when none answers; throws when it cannot. */
export async function connectOrStart(
  address: ServerAddress,
  typescript: string,
  workspaceRoot: string,
): Promise<{ connection: ServerConnection; started: boolean }> {
  const existing = await connect(address.socket).catch(() => undefined);
  if (existing) return { connection: existing, started: false };
  fs.mkdirSync(address.dir, { recursive: true });
  stopOtherServers(address);
  fs.rmSync(address.socket, { force: true }); // a socket file left by a server that died
  const log = fs.openSync(path.join(address.dir, 'typecheck-server.log'), 'a');
  const record = path.join(address.dir, 'typecheck-server.json');
  // A launcher starts the server and exits (server-main.ts): the server is not our descendant.
  const launcher = spawn(
    process.execPath,
    [
      path.join(__dirname, 'server-main.js'),
      JSON.stringify({ workspaceRoot, socket: address.socket, key: address.key, typescript }),
      '--launch',
      record,
    ],
    {
      detached: true,
      stdio: ['ignore', log, log],
      cwd: workspaceRoot,
    },
  );
  fs.closeSync(log);
  launcher.unref();
  let failed: number | null | undefined;
  launcher.once('exit', (code) => code !== 0 && (failed = code));
  for (let waited = 0; waited < 15_000 && failed === undefined; waited += 50) {
    const c = await connect(address.socket).catch(() => undefined);
    if (c) return { connection: c, started: true };
    await new Promise((r) => setTimeout(r, 50));
  }
  stopRecorded(record);
  throw new Error(`the server did not come up (see ${path.join(address.dir, 'typecheck-server.log')})`);
}

/** A server that did not come up in time is stopped (its launcher recorded its pid). */
function stopRecorded(record: string): void {
  try {
    process.kill((JSON.parse(fs.readFileSync(record, 'utf8')) as { pid: number }).pid, 'SIGTERM');
  } catch {
    /* never started, or gone already */
  }
}

/** A server of another key (older nx-fleet or TypeScript) in this workspace is stopped. */
function stopOtherServers(address: ServerAddress): void {
  try {
    const record = JSON.parse(fs.readFileSync(path.join(address.dir, 'typecheck-server.json'), 'utf8')) as {
      pid: number;
      key: string;
      socket: string;
    };
    if (record.key !== address.key) process.kill(record.pid, 'SIGTERM');
  } catch {
    /* no record, or that server is gone already */
  }
}

function connect(socketPath: string): Promise<ServerConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(socketPath);
    const pending = new Map<number, (o: TaskOutcome) => void>();
    let nextId = 1;
    let pid = 0;
    const fail = (message: string) => {
      for (const done of pending.values()) done({ ok: false, code: 'FLEET_TYPECHECK_FAILED', message });
      pending.clear();
    };
    socket.once('error', reject);
    socket.on(
      'data',
      lineReader<ServerMessage>((m) => {
        if (m.type === 'hello') {
          pid = m.pid;
          socket.off('error', reject);
          socket.on('error', () => undefined);
          resolve({
            pid,
            check: (request) =>
              new Promise((done) => {
                const id = nextId++;
                pending.set(id, done);
                socket.write(JSON.stringify({ type: 'check', id, request }) + '\n');
              }),
            close: () => socket.end(),
          });
          return;
        }
        const done = pending.get(m.id);
        pending.delete(m.id);
        done?.(m.ok ? { ok: true, result: m.result } : { ok: false, code: m.code, message: m.message });
      }),
    );
    socket.on('close', () => fail(`nx-fleet: the typecheck server (pid ${pid}) closed the connection`));
  });
}
