import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import { startServer } from './server';
import { settingsFromEnv, type ServerSettings } from './server-settings';

/**
 * Entry of the detached server process: argv[2] is the JSON of what the client decided.
 * With `--launch <record>` this process only starts the real server and exits at once, so the
 * server is nobody's child: Nx, on Ctrl-C, kills its batch process and every descendant it
 * finds by parent pid, and a server still parented to the batch process would be killed too.
 */
function main(): void {
  const [json = '{}', mode, record] = process.argv.slice(2);
  if (mode === '--launch' && record) return launch(json, record);
  const base = JSON.parse(json) as Pick<ServerSettings, 'workspaceRoot' | 'socket' | 'key' | 'typescript'>;
  startServer(settingsFromEnv(base)).catch((error: Error) => {
    console.error(`nx-fleet typecheck server: cannot listen on ${base.socket}: ${error.message}`);
    process.exit(1);
  });
}

function launch(json: string, record: string): void {
  const base = JSON.parse(json) as Pick<ServerSettings, 'socket' | 'key'>;
  const server = spawn(process.execPath, [__filename, json], {
    detached: true,
    stdio: ['ignore', 'inherit', 'inherit'],
    cwd: process.cwd(),
  });
  server.unref();
  fs.writeFileSync(record, JSON.stringify({ pid: server.pid, key: base.key, socket: base.socket }));
  process.exit(0);
}

main();
