import type { Command } from 'commander';
import { loadNxInternals, openHistoryForQuery, taskDepsFor, type StoredTaskRun } from '../../analytics';
import { startDashboard } from '../../dashboard';
import { resolveDashboardSettings } from '../../dashboard/dashboard-settings';
import { createLiveSource } from '../../dashboard/live-state';
import { fail } from './cli-options';

/** `fleet dashboard [--port 4300] [--db FILE] [--redis URL] [--cache-url URL]`: the web dashboard. */
export function registerDashboardCommand(program: Command): void {
  program
    .command('dashboard')
    .description('serve the run history in the browser: runs, timelines, tasks, trends; live agents and the cache')
    .option('--port <n>', 'port to listen on (default 4300; 0: any free port)')
    .option('--host <addr>', 'address to listen on (default 127.0.0.1)')
    .option('--db <file>', 'the run history store (default .nx/fleet/history.db; env FLEET_HISTORY_DB)')
    .option('--redis <url>', 'the Redis of fleet run and fleet agent: adds the live page')
    .option('--cache-url <url>', 'a fleet cache server: adds the cache page (from its /metrics)')
    .action(async (o: { port?: string; host?: string; db?: string; redis?: string; cacheUrl?: string }) => {
      const s = resolveDashboardSettings(o);
      const h = openHistoryForQuery(process.cwd(), process.env, { db: o.db });
      const problems = [...(s.ok ? [] : s.problems), ...(h.ok ? [] : h.problems)];
      if (!s.ok || !h.ok) return fail(problems.join('\n'));
      if (!h.store) return fail(`${h.note}: record a run first (nx run-many ...)`, 'HISTORY_STORE_MISSING');
      const root = h.root;
      let internals: ReturnType<typeof loadNxInternals> | null = null;
      const deps = (tasks: StoredTaskRun[]): Record<string, string[]> | null => {
        try {
          internals ??= loadNxInternals(root);
          return taskDepsFor(internals, tasks);
        } catch {
          return null;
        }
      };
      const live = s.settings.redis ? createLiveSource(s.settings.redis) : null;
      const d = await startDashboard({
        store: h.store,
        deps,
        live: live?.read,
        cacheUrl: s.settings.cacheUrl ?? undefined,
        port: s.settings.port,
        host: s.settings.host,
      });
      process.stdout.write(`fleet dashboard: ${d.url}\n`);
      const stop = (): void => {
        void d.close().then(async () => {
          await live?.close();
          h.store?.close();
        });
      };
      process.once('SIGTERM', stop);
      process.once('SIGINT', stop);
    });
}
