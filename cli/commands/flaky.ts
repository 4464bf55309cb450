import type { Command } from 'commander';
import { flakyTasks, nxFlakyHashes, openHistoryForQuery } from '../../analytics';
import { fail } from './cli-options';

/** `fleet flaky [--days N] [--target T] [--json]`: tasks whose same hash both failed and passed. */
export function registerFlakyCommand(program: Command): void {
  program
    .command('flaky')
    .description('tasks whose same hash both failed and passed, with flake rate, reruns and time wasted')
    .option('--days <n>', 'the window in days (default 14)')
    .option('--target <name>', 'only this target')
    .option('--db <file>', 'the run history store (default .nx/fleet/history.db; env FLEET_HISTORY_DB)')
    .option('--json', 'print JSON (docs/json-output.md)')
    .action((o: { days?: string; target?: string; db?: string; json?: boolean }) => {
      const h = openHistoryForQuery(process.cwd(), process.env, { db: o.db, days: o.days });
      if (!h.ok) return fail(h.problems.join('\n'));
      try {
        const found = h.store ? flakyTasks(h.store, { days: h.days, target: o.target }) : [];
        // Cross-check: does Nx's own task history (its flaky warning) flag the same hashes?
        const nx = nxFlakyHashes(
          h.root,
          found.flatMap((t) => t.hashes),
        );
        const tasks = found.map((t) => ({ ...t, nx: nx.available ? t.hashes.some((x) => nx.flaky.has(x)) : null }));
        const nxTaskHistory = nx.available ? { available: true } : { available: false, reason: nx.reason };
        if (o.json)
          return void process.stdout.write(JSON.stringify({ days: h.days, nxTaskHistory, tasks }, null, 2) + '\n');
        if (!tasks.length)
          process.stdout.write(`no flaky tasks in the last ${h.days} days${h.note ? ` (${h.note})` : ''}\n`);
        for (const t of tasks)
          process.stdout.write(
            `${t.taskId.padEnd(32)} ${(t.rate * 100).toFixed(1).padStart(5)}% of ${t.successes} successes flaky, ${t.runs} runs, ${t.reruns} reruns, ${Math.round(t.wastedMs / 1000)} s wasted, last ${new Date(t.lastSeen).toISOString()}${t.nx === null ? '' : t.nx ? ', Nx flags it too' : ', not flagged by Nx'}\n`,
          );
        if (tasks.length && !nx.available) process.stdout.write(`(Nx's own task history not read: ${nx.reason})\n`);
      } finally {
        h.store?.close();
      }
    });
}
