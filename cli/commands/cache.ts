import type { Command } from 'commander';
import {
  appendToken,
  describeStore,
  formatSize,
  generateToken,
  openStore,
  parseNamespace,
  serveSettings,
  startCacheServer,
  storeStats,
  verifyStore,
  formatVerifyReport,
  type DashboardMount,
  type Namespace,
} from '../../cache';
import { CentralHistory, loadSqlite, openRunStore, type RunStore } from '../../analytics';
import { createDashboardHandler } from '../../dashboard';
import { cacheStoreSettings, tokenCreateSettings } from '../settings/tool-settings';
import { fail } from './cli-options';
import { addSettingFlags, resolveFromCommand } from './setting-flags';

/** `fleet cache serve|verify|stats|token create`. */
export function registerCacheCommand(program: Command): void {
  const cache = program.command('cache').description('the self-hosted remote cache server for Nx (and turbo)');
  registerServe(cache);
  addSettingFlags(
    cache
      .command('verify')
      .description('re-hash every entry and report (or --remove) those whose body no longer matches'),
    cacheStoreSettings.settings,
  )
    .option('--remove', 'delete corrupt entries')
    .option('--json', 'print {checked, pending, unrecorded, corrupt: [{namespace, hash, reason, message, removed}]}')
    .action(async (o: { remove?: boolean; json?: boolean }, self: Command) => {
      const store = await openStore(resolveFromCommand(self, cacheStoreSettings).store);
      try {
        const report = await verifyStore(store, { remove: Boolean(o.remove) });
        if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
        else process.stdout.write(formatVerifyReport(report));
        if (report.corrupt.length > 0 && !o.remove) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
  addSettingFlags(
    cache.command('stats').description('entries and bytes in a store, per namespace'),
    cacheStoreSettings.settings,
  )
    .option('--json', 'print {store, entries, bytes, namespaces}')
    .action(async (o: { json?: boolean }, self: Command) => {
      const spec = resolveFromCommand(self, cacheStoreSettings).store;
      const store = await openStore(spec);
      try {
        const s = await storeStats(store);
        if (o.json) process.stdout.write(JSON.stringify(s) + '\n');
        else {
          process.stdout.write(`${describeStore(spec)}: ${s.entries} entries, ${formatSize(s.bytes)}\n`);
          for (const [ns, n] of Object.entries(s.namespaces)) process.stdout.write(`  ${ns}: ${n} entries\n`);
        }
      } finally {
        await store.close();
      }
    });
  registerToken(cache);
}

function registerServe(cache: Command): void {
  const serve = cache
    .command('serve')
    .description('serve the Nx remote cache API (/v1/cache) and the Turborepo API (/v8/artifacts)');
  addSettingFlags(serve, serveSettings.settings).action(async (_o: unknown, self: Command) => {
    const settings = resolveFromCommand(self, serveSettings);
    const log = (line: Record<string, unknown>): void => void process.stdout.write(JSON.stringify(line) + '\n');
    const central = settings.historyDb ? openCentralHistory(settings.historyDb) : undefined;
    const running = await startCacheServer(settings, log, {
      history: central?.history,
      dashboard: central ? centralDashboard(central.store) : undefined,
    });
    await new Promise<void>((resolve) => {
      const stop = (signal: string): void => {
        log({ time: new Date().toISOString(), level: 'info', msg: 'shutting down', signal });
        running.stop().then(resolve, resolve);
      };
      process.once('SIGTERM', () => stop('SIGTERM'));
      process.once('SIGINT', () => stop('SIGINT'));
    });
  });
}

/** The central run history of `--history-db`: a missing driver or a bad file stops the server before it listens. */
function openCentralHistory(file: string): { history: CentralHistory; store: RunStore } {
  const sqlite = loadSqlite();
  if (!sqlite.ok) return fail(`--history-db: ${sqlite.message}`, sqlite.code);
  const opened = openRunStore({ Database: sqlite.Database, file });
  if (!opened.ok) return fail(`--history-db: ${file}: ${opened.message}`, opened.code);
  return { history: new CentralHistory(opened.store), store: opened.store };
}

/**
 * The dashboard at `/dashboard/` over the central history: each token sees its read namespaces'
 * runs (one handler per set of namespaces), and trends, flaky tasks and /metrics of those runs
 * only (the rollups are per namespace). No project graph here: a run's critical path comes from
 * the task dependencies it was posted with.
 */
function centralDashboard(store: RunStore): DashboardMount {
  const handlers = new Map<string, ReturnType<typeof createDashboardHandler>>();
  return (req, res, read) => {
    const key = read ? read.join('\u0000') : '';
    let h = handlers.get(key);
    if (!h) {
      if (handlers.size > 256) handlers.clear();
      h = createDashboardHandler({ store, namespaces: read ?? [], base: '/dashboard' });
      handlers.set(key, h);
    }
    h(req, res);
  };
}

function registerToken(cache: Command): void {
  const create = cache
    .command('token')
    .description('manage access tokens')
    .command('create')
    .description('create a token, print it once, and append its SHA-256 hash to the tokens file')
    .option('--json', 'print {token, name, write, read}');
  addSettingFlags(create, tokenCreateSettings.settings).action(async (o: { json?: boolean }, self: Command) => {
    const s = resolveFromCommand(self, tokenCreateSettings);
    const write =
      s.write === undefined
        ? null
        : (parseNamespace(s.write) ?? fail(`--write: "${s.write}" is not a namespace`, 'FLEET_INVALID_OPTION'));
    const read = (s.read ?? (write ? [write] : [])).map(
      (ns) => parseNamespace(ns) ?? fail(`--read: "${ns}" is not a namespace`, 'FLEET_INVALID_OPTION'),
    ) as Namespace[];
    if (!write && read.length === 0 && !s.mint) fail('give --write and/or --read', 'FLEET_INVALID_OPTION');
    const name =
      s.name ??
      `${s.mint ? `mint-${s.mint}` : write ? `write-${write}` : 'read-only'}-${new Date().toISOString().slice(0, 10)}`;
    const token = generateToken();
    await appendToken(s.tokens, { name, write, read, mint: s.mint }, token);
    if (o.json) process.stdout.write(JSON.stringify({ token, name, write, read }) + '\n');
    else process.stdout.write(`${token}\n`);
    process.stderr.write(
      `fleet: token "${name}" added to ${s.tokens} (write: ${write ?? 'none'}, read: ${read.join(', ')}); it is shown only this once\n`,
    );
  });
}
