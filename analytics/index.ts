/** The run history: store, recording, explanations, flaky and critical-path analysis. */
export { recordRun } from './record-run';
export type { RecordOutcome, RecordRunOptions } from './record-run';
export type { HookContext } from './hook-context';
export { loadSqlite } from './load-sqlite';
export { openRunStore, RunStore } from './run-store';
export {
  resolveHistorySettings,
  historyOptionsFromEnv,
  parseStrictBoolean,
  DEFAULT_HISTORY_DB,
} from './history-settings';
export type { HistorySettings, RawHistoryOptions } from './history-settings';
export * from './types';
export { explainTask } from './explain-task';
export type { Explanation, ExplainResult, RunRef } from './explain-task';
export { formatExplanation, describeRun } from './format-explanation';
export { loadNxInternals } from './nx-internals';
export type { NxInternals } from './nx-internals';
export { openHistoryForQuery, findWorkspaceRoot } from './open-history';
export type { HistoryForQuery, RawQueryOptions } from './open-history';
export type { ManifestDiff, ChangedFile } from './diff-manifests';
export { flakyTasks } from './flaky-tasks';
export type { FlakyTask } from './flaky-tasks';
export { criticalPath, workerIdle } from './critical-path';
export type { CriticalPath, WorkerIdle, TimedTask } from './critical-path';
export { runStats, trendStats } from './run-stats';
export type { RunStats, DayTrend } from './run-stats';
export { taskDepsFor } from './task-deps';
export { CentralHistory, runRecordProblem } from './central-history';
export type { CentralTaskRun } from './central-history';
export { fetchProducer } from './remote-history';
export { sendOutbox, postRuns } from './send-outbox';
