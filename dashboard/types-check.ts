// Compile-time only: the dashboard's copies of analytics/ shapes (types.ts) equal the originals.
// `tsc` fails here when either side changes without the other.
import type * as A from '../analytics';
import type * as D from './types';

type Same<X, Y> = [X] extends [Y] ? ([Y] extends [X] ? true : false) : false;
type Check<T extends true> = T;

export type TypesMatch = [
  Check<Same<A.RunSummary, D.RunSummary>>,
  Check<Same<A.StoredTaskRun, D.StoredTaskRun>>,
  Check<Same<A.RunStats, D.RunStats>>,
  Check<Same<A.DayTrend, D.DayTrend>>,
  Check<Same<A.FlakyTask, D.FlakyTask>>,
  Check<Same<A.ManifestDiff, D.ManifestDiff>>,
];
