import type { Command } from 'commander';
import { loadNxInternals, openHistoryForQuery, runStats, taskDepsFor, trendStats } from '../../analytics';
import { fail } from './cli-options';

/** `fleet stats [--run RUN] [--days N] [--json]`: one run's numbers, or daily trends. */
export function registerStatsCommand(program: Command): void {
  program
    .command('stats')
    .description('per run: critical path, idle time per worker, time saved by the cache; else daily trends')
    .option('--run <id>', 'one run (default: daily trends over --days)')
    .option('--days <n>', 'the trends window in days (default 14)')
    .option('--target <name>', 'trends of this target only')
    .option('--db <file>', 'the run history store (default .nx/fleet/history.db; env FLEET_HISTORY_DB)')
    .option('--json', 'print JSON (docs/json-output.md)')
    .action((o: { run?: string; days?: string; target?: string; db?: string; json?: boolean }) => {
      const h = openHistoryForQuery(process.cwd(), process.env, { db: o.db, days: o.days });
      if (!h.ok) return fail(h.problems.join('\n'));
      try {
        if (!o.run) {
          const days = h.store ? trendStats(h.store, { days: h.days, target: o.target }) : [];
          if (o.json) return void process.stdout.write(JSON.stringify({ days }, null, 2) + '\n');
          for (const d of days)
            process.stdout.write(
              `${d.day}  ${d.runs} runs  ${d.taskRuns} tasks  ${(d.hitRate * 100).toFixed(0)}% cached  ${d.failures} failed  ${Math.round(d.executedMs / 1000)} s executed\n`,
            );
          return;
        }
        const tasks = h.store?.runTasks(o.run) ?? [];
        let deps: Record<string, string[]> | null = h.store?.runDeps(o.run) ?? null;
        try {
          deps ??= taskDepsFor(loadNxInternals(h.root), tasks);
        } catch {
          deps = null;
        }
        const s = h.store ? runStats(h.store, o.run, deps) : null;
        if (!s) return fail(`${o.run}: no such run${h.note ? ` (${h.note})` : ''}`, 'HISTORY_RUN_NOT_FOUND');
        if (o.json) return void process.stdout.write(JSON.stringify(s, null, 2) + '\n');
        const lines = [
          `${s.run.runId}: ${s.durationMs} ms, ${s.tasks.total} tasks (${s.tasks.executed} ran, ${s.tasks.local + s.tasks.remote} from cache, ${s.tasks.failed} failed)`,
          `cache saved ${s.cacheSavedMs} ms${s.cacheHitsWithoutProducer ? ` (+${s.cacheHitsWithoutProducer} hits whose producer is not recorded)` : ''}`,
          s.criticalPath
            ? `critical path ${s.criticalPath.durationMs} ms: ${s.criticalPath.tasks.join(' -> ')}`
            : 'critical path: unknown',
          ...s.workers.map((w) => `  ${w.worker}: ${w.tasks} tasks, busy ${w.busyMs} ms, idle ${w.idleMs} ms`),
          ...s.notes.map((n) => `note: ${n}`),
        ];
        process.stdout.write(lines.join('\n') + '\n');
      } finally {
        h.store?.close();
      }
    });
}
