import { diffManifests, isEmptyDiff } from '../analytics/diff-manifests';
import { runRefOf, type HashDetails, type RunStore, type StoredTaskRun } from '../analytics';
import type { RunsExplanation } from './types';

export type RunsExplainResult = { ok: true; value: RunsExplanation } | { ok: false; code: string; message: string };

/**
 * What differs between a task's inputs in two recorded runs (`fleet explain` compares a
 * recorded run with the workspace now; the dashboard has no workspace to read, so it compares
 * two runs). Environment and runtime values are compared through Nx's node hashes of both
 * runs' hashDetails. A run without a manifest is named in `notes`.
 */
export function explainRuns(store: RunStore, taskId: string, fromRun: string, toRun: string): RunsExplainResult {
  const pick = (runId: string): StoredTaskRun | undefined =>
    store.taskHistory(taskId, { runId, limit: 1, withManifest: true })[0] ??
    store.taskHistory(taskId, { runId, limit: 1 })[0];
  const from = pick(fromRun);
  const to = pick(toRun);
  for (const [id, t] of [
    [fromRun, from],
    [toRun, to],
  ] as const)
    if (!t) return { ok: false, code: 'DASHBOARD_TASK_RUN_NOT_FOUND', message: `${taskId} has no recorded run ${id}` };
  const notes: string[] = [];
  const a = from!.manifestId ? store.manifest(from!.manifestId) : null;
  const b = to!.manifestId ? store.manifest(to!.manifestId) : null;
  if (!a) notes.push(`run ${fromRun} has no input manifest for ${taskId}: files not compared`);
  if (!b) notes.push(`run ${toRun} has no input manifest for ${taskId}: files not compared`);
  const before = store.hashDetails(fromRun, taskId);
  const after = store.hashDetails(toRun, taskId);
  if (!before || !after) notes.push('a run has no hashDetails: environment and runtime values not compared');
  const diff = a && b ? diffManifests(a, b, { before, now: valueHashes(after) }) : null;
  return {
    ok: true,
    value: {
      task: taskId,
      from: runRefOf(store, from!),
      to: runRefOf(store, to!),
      sameHash: from!.hash === to!.hash,
      identical: diff ? isEmptyDiff(diff) : from!.hash === to!.hash,
      diff,
      notes,
    },
  };
}

/** The environment and runtime hashes of a recorded run, in diffManifests's `now` shape. */
function valueHashes(d: HashDetails | null): { env: Record<string, string>; runtime: Record<string, string> } {
  const env: Record<string, string> = {};
  const runtime: Record<string, string> = {};
  for (const [k, v] of Object.entries(d?.nodes ?? {})) {
    if (k.startsWith('env:')) env[k.slice(4)] = v;
    else if (k.startsWith('runtime:')) runtime[k.slice(8)] = v;
  }
  return { env, runtime };
}
