import { flakyTasks } from './flaky-tasks';
import { openHistoryForQuery } from './open-history';

/**
 * Task ids the local run history store finds flaky (`fleet flaky`, default window), for
 * `fleet run --retry-flaky`. No store, no driver, a bad store: none, and the reason (the run
 * goes on with Redis's own list).
 */
export function knownFlakyTaskIds(
  cwd: string,
  env: NodeJS.ProcessEnv,
  days = 14,
): { ids: Set<string>; problem: string | null } {
  try {
    const h = openHistoryForQuery(cwd, env, {});
    if (!h.ok) return { ids: new Set(), problem: h.problems.join('; ') };
    if (!h.store) return { ids: new Set(), problem: null };
    try {
      return { ids: new Set(flakyTasks(h.store, { days }).map((t) => t.taskId)), problem: null };
    } finally {
      h.store.close();
    }
  } catch (err) {
    return { ids: new Set(), problem: (err as Error).message };
  }
}
