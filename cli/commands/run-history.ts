import { findWorkspaceRoot, knownFlakyTaskIds, recordDistributedRun } from '../../analytics';
import { INFRASTRUCTURE_FAILURES, type RunSummary } from '../../runner';

/**
 * `fleet run` and the run history store (docs/analytics.md): the store's flaky tasks get the
 * --retry-flaky attempts as Redis's do, and the distributed run is recorded when it ends. Both
 * are best effort: a store that cannot be read or written never fails the run.
 */
export function flakyFromHistory(cwd: string, progress: (line: string) => void): Set<string> {
  const known = knownFlakyTaskIds(cwd, process.env);
  if (known.problem) progress(`run history not read for --retry-flaky: ${known.problem}`);
  return known.ids;
}

export function recordInHistory(
  summary: RunSummary,
  o: { cwd: string; nxArgs: string[]; startTime: number; endTime: number; progress: (line: string) => void },
): void {
  // A run that never planned a task (no git state, no graph) has nothing to record.
  if (!summary.tasks.length) return;
  recordDistributedRun(
    summary,
    {
      workspaceRoot: findWorkspaceRoot(o.cwd) ?? o.cwd,
      nxArgs: o.nxArgs,
      startTime: o.startTime,
      endTime: o.endTime,
      env: process.env,
      infrastructure: (code) => INFRASTRUCTURE_FAILURES.has(code ?? ''),
    },
    o.progress,
  );
}
