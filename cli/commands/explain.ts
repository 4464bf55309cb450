import type { Command } from 'commander';
import { explainTask, fetchProducer, formatExplanation, loadNxInternals, openHistoryForQuery } from '../../analytics';
import { fail } from './cli-options';

/**
 * `fleet explain <project:target> [--since RUN] [--run RUN] [--json]`: what differs from the
 * recorded run (with --run: between two recorded runs).
 */
export function registerExplainCommand(program: Command): void {
  program
    .command('explain')
    .description("name what differs between a task's inputs now and its last recorded run (or --since RUN)")
    .argument('<task>', 'project:target[:configuration]')
    .option('--since <run>', 'compare with this run instead of the last one')
    .option(
      '--run <run>',
      "compare this recorded run's inputs instead of the inputs now (with --since: between two runs)",
    )
    .option('--db <file>', 'the run history store (default .nx/fleet/history.db; env FLEET_HISTORY_DB)')
    .option('--json', 'print the explanation as JSON (docs/json-output.md)')
    .action(async (taskId: string, o: { since?: string; run?: string; db?: string; json?: boolean }) => {
      const h = openHistoryForQuery(process.cwd(), process.env, { db: o.db });
      if (!h.ok) return fail(h.problems.join('\n'));
      try {
        const internals = loadNxInternals(h.root);
        const r = await explainTask({
          store: h.store,
          internals,
          workspaceRoot: h.root,
          nxJson: internals.readNxJson(h.root),
          taskId,
          since: o.since,
          run: o.run,
          env: process.env,
          producerLookup: h.settings.remote ? (hash) => fetchProducer(h.settings.remote!, hash) : undefined,
        });
        if (!r.ok) return fail(r.message, r.code);
        if (h.note) r.explanation.notes.push(h.note);
        process.stdout.write(o.json ? JSON.stringify(r.explanation, null, 2) + '\n' : formatExplanation(r.explanation));
      } finally {
        h.store?.close();
      }
    });
}
