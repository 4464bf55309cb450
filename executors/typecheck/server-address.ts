import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { typescriptVersion } from './load-typescript';

export interface ServerAddress {
  socket: string;
  /** nx-fleet's build (its worker file's size and mtime) + TypeScript's path and version. */
  key: string;
  /** Where the server's log and record go: `<workspace>/.nx/fleet`. */
  dir: string;
}

/**
 * One server per workspace and key: a new nx-fleet build or TypeScript gets a new socket, so a
 * stale server is never used; the new server stops the old ones when it starts (client.ts).
 */
export function serverAddress(workspaceRoot: string, typescript: string): ServerAddress {
  const worker = fs.statSync(path.join(__dirname, 'worker.js'));
  const key = createHash('sha256')
    .update(JSON.stringify([worker.size, worker.mtimeMs, typescript, typescriptVersion(typescript), process.version]))
    .digest('hex')
    .slice(0, 16);
  const dir = path.join(workspaceRoot, '.nx', 'fleet');
  let socket = path.join(dir, `typecheck-${key}.sock`);
  // A Unix socket path is limited to ~107 bytes; deep workspaces get one in the temp folder.
  if (Buffer.byteLength(socket) > 100) {
    socket = path.join(
      os.tmpdir(),
      `nx-fleet-${createHash('sha256')
        .update(workspaceRoot + key)
        .digest('hex')
        .slice(0, 16)}.sock`,
    );
  }
  return { socket, key, dir };
}
