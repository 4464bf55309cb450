import { startServer } from './server';
import { settingsFromEnv, type ServerSettings } from './server-settings';

/** Entry of the detached server process: argv[2] is the JSON of what the client decided. */
function main(): void {
  const base = JSON.parse(process.argv[2] ?? '{}') as Pick<
    ServerSettings,
    'workspaceRoot' | 'socket' | 'key' | 'typescript'
  >;
  startServer(settingsFromEnv(base)).catch((error: Error) => {
    console.error(`nx-fleet typecheck server: cannot listen on ${base.socket}: ${error.message}`);
    process.exit(1);
  });
}

main();
