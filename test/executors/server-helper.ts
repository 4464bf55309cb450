import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import { connectOrStart, type ServerConnection } from '../../executors/typecheck/client';
import { typescriptPath } from '../../executors/typecheck/load-typescript';
import { serverAddress } from '../../executors/typecheck/server-address';

export interface TestServer {
  pid: number;
  checkAll(requests: Array<{ tsconfig: string; cwd: string }>): Promise<string[]>;
  stop(): Promise<void>;
}

/** The built server (dist/) for a folder, with the recycling settings the benchmark uses. */
export async function startTestServer(root: string, env: Record<string, string> = {}): Promise<TestServer> {
  const saved = { ...process.env };
  Object.assign(process.env, { FLEET_TYPECHECK_THREADS: '2', FLEET_TYPECHECK_IDLE_MS: '60000' }, env);
  const distClient = require('../../dist/executors/typecheck/client.js') as { connectOrStart: typeof connectOrStart };
  const distAddress = require('../../dist/executors/typecheck/server-address.js') as {
    serverAddress: typeof serverAddress;
  };
  const ts = typescriptPath(process.cwd()); // the repository's TypeScript (the corpus folder has none)
  let connection: ServerConnection;
  try {
    connection = (await distClient.connectOrStart(distAddress.serverAddress(root, ts), ts, root)).connection;
  } finally {
    process.env = saved;
  }
  return {
    pid: connection.pid,
    async checkAll(requests) {
      const batchId = randomUUID();
      const outcomes = await Promise.all(requests.map((r) => connection.check({ ...r, batchId })));
      return outcomes.map((o) => (o.ok ? o.result.output : `FAILED ${o.code}: ${o.message}`));
    },
    async stop() {
      connection.close();
      await stopPid(connection.pid);
      fs.rmSync(distAddress.serverAddress(root, ts).socket, { force: true });
    },
  };
}

/** Stops a server by its pid and waits until it is gone (no process is left behind). */
export async function stopPid(pid: number): Promise<void> {
  try {
    process.kill(pid, 'SIGTERM');
  } catch {
    return;
  }
  for (let i = 0; i < 100; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  process.kill(pid, 'SIGKILL');
}
