import type { Command } from 'commander';
import { loadNxInternals, openHistoryForQuery, taskDepsFor, type StoredTaskRun } from '../../analytics';
import { startDashboard } from '../../dashboard';
import { createLiveSource } from '../../dashboard/live-state';
import { dashboardSettings } from '../settings/dashboard-settings';
import { fail } from './cli-options';
import { addSettingFlags, resolveFromCommand } from './setting-flags';

/** `fleet dashboard [--port 4300] [--db FILE] [--redis URL] [--cache-url URL]`: the web dashboard. */
export function registerDashboardCommand(program: Command): void {
  const cmd = program
    .command('dashboard')
    .description('serve the run history in the browser: runs, timelines, tasks, trends; live agents and the cache')
    .option('--db <file>', 'the run history store (default .nx/fleet/history.db; env FLEET_HISTORY_DB)');
  addSettingFlags(cmd, dashboardSettings.settings).action(async (o: { db?: string }, self: Command) => {
    const s = resolveFromCommand(self, dashboardSettings);
    const h = openHistoryForQuery(process.cwd(), process.env, { db: o.db });
    if (!h.ok) return fail(h.problems.join('\n'));
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
    const live = s.redisUrl ? createLiveSource(s.redisUrl) : null;
    const d = await startDashboard({
      store: h.store,
      deps,
      live: live?.read,
      cacheUrl: s.cacheUrl,
      port: s.port,
      host: s.host,
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
