import type { Command } from 'commander';
import { openHistoryForQuery, type StoredTaskRun } from '../../analytics';
import { fail } from './cli-options';

const iso = (ms: number | null): string => (ms ? new Date(ms).toISOString() : '-');

/** Distributed runs: which agent, which attempt, how long it waited in the queue, flaky. */
function agentPart(t: StoredTaskRun): string {
  if (!t.agent) return '';
  const waited = t.queuedTime !== null && t.startTime !== null ? `, queued ${t.startTime - t.queuedTime} ms` : '';
  return `  on ${t.agent} (attempt ${t.attempt}${waited})${t.flaky ? ' flaky' : ''}`;
}

/** `fleet runs [RUN] [--limit N] [--branch B] [--json]`: recorded runs, or one run's tasks. */
export function registerRunsCommand(program: Command): void {
  program
    .command('runs')
    .description('list recorded Nx runs, newest first, or the tasks of one run')
    .argument('[run]', 'a run id: list its tasks')
    .option('--limit <n>', 'how many runs (default 20)')
    .option('--branch <name>', 'only runs on this branch')
    .option('--db <file>', 'the run history store (default .nx/fleet/history.db; env FLEET_HISTORY_DB)')
    .option('--json', 'print JSON (docs/json-output.md)')
    .action((runId: string | undefined, o: { limit?: string; branch?: string; db?: string; json?: boolean }) => {
      const h = openHistoryForQuery(process.cwd(), process.env, { db: o.db, limit: o.limit });
      if (!h.ok) return fail(h.problems.join('\n'));
      try {
        if (runId) {
          const run = h.store?.run(runId);
          if (!run) return fail(`${runId}: no such run${h.note ? ` (${h.note})` : ''}`, 'HISTORY_RUN_NOT_FOUND');
          const tasks = h.store!.runTasks(runId);
          if (o.json) return void process.stdout.write(JSON.stringify({ run, tasks }, null, 2) + '\n');
          process.stdout.write(
            `${run.runId} ${run.command} (${run.branch ?? '-'} @ ${run.commit?.slice(0, 10) ?? '-'})\n`,
          );
          for (const t of tasks)
            process.stdout.write(
              `  ${t.taskId.padEnd(32)} ${t.status.padEnd(12)} ${t.cache.padEnd(7)} ${t.startTime !== null && t.endTime !== null ? `${t.endTime - t.startTime} ms` : ''}${agentPart(t)}\n`,
            );
          return;
        }
        const runs = h.store ? h.store.listRuns({ limit: h.limit, branch: o.branch }) : [];
        if (o.json) return void process.stdout.write(JSON.stringify({ runs }, null, 2) + '\n');
        if (!runs.length) process.stdout.write(`no runs recorded${h.note ? `: ${h.note}` : ''}\n`);
        for (const r of runs)
          process.stdout.write(
            `${r.runId}  ${iso(r.startTime)}  ${String(r.endTime - r.startTime).padStart(7)} ms  ${r.tasks} tasks, ${r.cacheHits} cached, ${r.failed} failed  ${r.branch ?? '-'}  ${r.command}\n`,
          );
      } finally {
        h.store?.close();
      }
    });
}
