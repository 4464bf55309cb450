import type { Command } from 'commander';
import {
  appendToken,
  describeStore,
  formatSize,
  generateToken,
  openStore,
  parseNamespace,
  parseStoreSpec,
  resolveServeSettings,
  SERVE_DEFAULTS,
  startCacheServer,
  storeStats,
  verifyStore,
  formatVerifyReport,
  type Namespace,
  type RawServeOptions,
  type StoreSpec,
} from '../../cache';
import { envOption, fail } from './cli-options';

/** A flag that falls back to `FLEET_<NAME>` (commander gives flag > env > default). */
const opt = envOption;

function storeOf(text: string): StoreSpec {
  return (
    parseStoreSpec(text) ?? fail(`--store: expected fs:DIR or redis://HOST:PORT, got "${text}"`, 'FLEET_INVALID_OPTION')
  );
}

/** `fleet cache serve|verify|stats|token create`. */
export function registerCacheCommand(program: Command): void {
  const cache = program.command('cache').description('the self-hosted remote cache server for Nx (and turbo)');
  registerServe(cache);
  cache
    .command('verify')
    .description('re-hash every entry and report (or --remove) those whose body no longer matches')
    .addOption(opt('--store <spec>', 'fs:DIR or redis://...', 'FLEET_STORE').default(SERVE_DEFAULTS.store))
    .option('--remove', 'delete corrupt entries')
    .option('--json', 'print {checked, pending, unrecorded, corrupt: [{namespace, hash, reason, message, removed}]}')
    .action(async (o: { store: string; remove?: boolean; json?: boolean }) => {
      const store = await openStore(storeOf(o.store));
      try {
        const report = await verifyStore(store, { remove: Boolean(o.remove) });
        if (o.json) process.stdout.write(JSON.stringify(report) + '\n');
        else process.stdout.write(formatVerifyReport(report));
        if (report.corrupt.length > 0 && !o.remove) process.exitCode = 1;
      } finally {
        await store.close();
      }
    });
  cache
    .command('stats')
    .description('entries and bytes in a store, per namespace')
    .addOption(opt('--store <spec>', 'fs:DIR or redis://...', 'FLEET_STORE').default(SERVE_DEFAULTS.store))
    .option('--json', 'print {store, entries, bytes, namespaces}')
    .action(async (o: { store: string; json?: boolean }) => {
      const spec = storeOf(o.store);
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
  cache
    .command('serve')
    .description('serve the Nx remote cache API (/v1/cache) and the Turborepo API (/v8/artifacts)')
    .addOption(
      opt('--port <n>', `port to listen on (default ${SERVE_DEFAULTS.port}; 0 picks a free one)`, 'FLEET_PORT'),
    )
    .addOption(opt('--host <addr>', `address to bind (default ${SERVE_DEFAULTS.host})`, 'FLEET_HOST'))
    .addOption(
      opt('--store <spec>', `fs:DIR or redis://[:password@]host:port (default ${SERVE_DEFAULTS.store})`, 'FLEET_STORE'),
    )
    .addOption(
      opt(
        '--max-size <size>',
        `evict least recently used entries above this (default ${SERVE_DEFAULTS.maxSize})`,
        'FLEET_MAX_SIZE',
      ),
    )
    .addOption(opt('--hard-limit <size>', 'refuse writes above this (default max-size + 10%)', 'FLEET_HARD_LIMIT'))
    .addOption(
      opt(
        '--max-entry-size <size>',
        'largest single entry (default 16GiB on fs, 64MiB on redis); larger gets 413',
        'FLEET_MAX_ENTRY_SIZE',
      ),
    )
    .addOption(opt('--tokens <file>', 'tokens file (YAML or JSON); without it the cache is open', 'FLEET_TOKENS'))
    .addOption(opt('--tls-cert <file>', 'serve HTTPS with this certificate (PEM)', 'FLEET_TLS_CERT'))
    .addOption(opt('--tls-key <file>', 'private key for --tls-cert (PEM)', 'FLEET_TLS_KEY'))
    .addOption(
      opt(
        '--full-status <code>',
        `status for writes refused because the store is full (default ${SERVE_DEFAULTS.fullStatus})`,
        'FLEET_FULL_STATUS',
      ),
    )
    .addOption(
      opt(
        '--too-large-status <code>',
        `status for bodies over --max-entry-size (default ${SERVE_DEFAULTS.tooLargeStatus}; Nx 24 fails its run on 413, ignores 403)`,
        'FLEET_TOO_LARGE_STATUS',
      ),
    )
    .addOption(
      opt(
        '--shutdown-timeout <seconds>',
        `how long to let in-flight requests finish on SIGTERM (default ${SERVE_DEFAULTS.shutdownTimeout})`,
        'FLEET_SHUTDOWN_TIMEOUT',
      ),
    )
    .addOption(opt('--log <json|off>', 'one JSON line per request on stdout (default json)', 'FLEET_LOG'))
    .addOption(
      opt(
        '--direct-uploads <on|off>',
        'read bodies of 2 MiB and more straight from the socket, around the HTTP parser; their answer closes the connection (default on)',
        'FLEET_DIRECT_UPLOADS',
      ),
    )
    .action(async (o: RawServeOptions) => {
      const r = resolveServeSettings(o);
      if (!r.ok) fail(`invalid options:\n${r.problems.map((p) => `  - ${p}`).join('\n')}`, 'FLEET_INVALID_OPTION');
      const settings = (r as Extract<typeof r, { ok: true }>).settings;
      const log = (line: Record<string, unknown>): void => void process.stdout.write(JSON.stringify(line) + '\n');
      const running = await startCacheServer(settings, log);
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

function registerToken(cache: Command): void {
  cache
    .command('token')
    .description('manage access tokens')
    .command('create')
    .description('create a token, print it once, and append its SHA-256 hash to the tokens file')
    .addOption(
      opt('--tokens <file>', 'tokens file to append to (created if missing)', 'FLEET_TOKENS').makeOptionMandatory(),
    )
    .option('--write <namespace>', 'the one namespace this token may write (omit for read-only)')
    .option('--read <namespaces>', 'comma-separated namespaces to read, in lookup order (default: the write namespace)')
    .option('--name <name>', 'a label for logs (default: derived from the scope)')
    .option(
      '--mint <write|read>',
      "a mint token: issues per-run tokens (untrusted runs) that read --read then the run's namespace and write it (write) or nothing (read)",
    )
    .option('--json', 'print {token, name, write, read}')
    .action(
      async (o: { tokens: string; write?: string; read?: string; name?: string; mint?: string; json?: boolean }) => {
        if (o.mint !== undefined && o.mint !== 'write' && o.mint !== 'read')
          fail(`--mint: expected write or read, got "${o.mint}"`, 'FLEET_INVALID_OPTION');
        if (o.mint && o.write)
          fail('--mint: a mint token writes nothing itself; leave out --write', 'FLEET_INVALID_OPTION');
        const mint = o.mint as 'write' | 'read' | undefined;
        const write =
          o.write === undefined
            ? null
            : (parseNamespace(o.write) ?? fail(`--write: "${o.write}" is not a namespace`, 'FLEET_INVALID_OPTION'));
        const read = (
          o.read
            ? o.read
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
            : write
              ? [write]
              : []
        ).map(
          (ns) => parseNamespace(ns) ?? fail(`--read: "${ns}" is not a namespace`, 'FLEET_INVALID_OPTION'),
        ) as Namespace[];
        if (!write && read.length === 0 && !mint) fail('give --write and/or --read', 'FLEET_INVALID_OPTION');
        const name =
          o.name ??
          `${mint ? `mint-${mint}` : write ? `write-${write}` : 'read-only'}-${new Date().toISOString().slice(0, 10)}`;
        const token = generateToken();
        await appendToken(o.tokens, { name, write, read, mint }, token);
        if (o.json) process.stdout.write(JSON.stringify({ token, name, write, read }) + '\n');
        else process.stdout.write(`${token}\n`);
        process.stderr.write(
          `fleet: token "${name}" added to ${o.tokens} (write: ${write ?? 'none'}, read: ${read.join(', ')}); it is shown only this once\n`,
        );
      },
    );
}
