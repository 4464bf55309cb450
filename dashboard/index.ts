/** The dashboard: its HTTP handler and server, and the queries its pages need beyond analytics/. */
export { createDashboardHandler } from './dashboard-handler';
export type { DashboardOptions } from './dashboard-handler';
export { startDashboard } from './start-dashboard';
export type { RunningDashboard } from './start-dashboard';
export { filterRuns, runFacets } from './run-filter';
export type { RunFilter } from './run-filter';
export { assignLanes, runPage } from './timeline';
export { taskPage } from './task-page';
export { explainRuns } from './explain-runs';
export { trendsPage } from './trends';
export { renderHistoryMetrics } from './history-metrics';
export { fetchCachePage, sumSamples } from './cache-metrics';
export type * from './types';
