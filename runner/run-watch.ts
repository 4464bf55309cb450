import type { Redis } from 'ioredis';
import { runKeys } from './run-keys';

export type RunStopCode = 'FLEET_RUN_CANCELLED' | 'FLEET_RUN_ABANDONED';

interface Watched {
  controllers: Set<AbortController>;
  beat: string | null;
  beatSeenAt: number;
}

/**
 * The runs an agent has tasks of, so that it stops them when the coordinator cancels the run or
 * its heartbeat stops changing (a coordinator that died): one AbortController per running task.
 */
export class RunWatches {
  private readonly runs = new Map<string, Watched>();

  constructor(
    private readonly redis: Redis,
    private readonly log: (event: Record<string, unknown>) => void,
    private readonly abandonAfterMs: number,
  ) {}

  /** A task of the run starts: its controller aborts with the stop code; call the result when it ends. */
  track(runId: string): { signal: AbortSignal; untrack(): void } {
    let w = this.runs.get(runId);
    if (!w) this.runs.set(runId, (w = { controllers: new Set(), beat: null, beatSeenAt: Date.now() }));
    const controller = new AbortController();
    const watched = w;
    watched.controllers.add(controller);
    return {
      signal: controller.signal,
      untrack: () => {
        watched.controllers.delete(controller);
        if (watched.controllers.size === 0 && this.runs.get(runId) === watched) this.runs.delete(runId);
      },
    };
  }

  /** Stops the run's running tasks (Ctrl-C on the coordinator, or its heartbeat stopped). */
  stop(runId: string, code: RunStopCode, why: string): void {
    const watch = this.runs.get(runId);
    if (!watch || watch.controllers.size === 0) return;
    this.log({
      msg: code === 'FLEET_RUN_CANCELLED' ? 'run cancelled' : 'run abandoned',
      runId,
      tasks: watch.controllers.size,
      why,
    });
    for (const c of watch.controllers) c.abort(code);
  }

  /** Every second: a run whose coordinator heartbeat has not changed for abandonAfterMs is abandoned. */
  async check(): Promise<void> {
    const limit = this.abandonAfterMs;
    for (const [runId, watch] of this.runs) {
      if (watch.controllers.size === 0) continue;
      const [beat, status] = await Promise.all([
        this.redis.get(runKeys.heartbeat(runId)),
        this.redis.hget(runKeys.run(runId), 'status'),
      ]);
      if (status === 'cancelled' || status === 'done') {
        this.stop(
          runId,
          'FLEET_RUN_CANCELLED',
          status === 'done' ? 'the run has ended (this task was a duplicate)' : 'the run is marked cancelled',
        );
        continue;
      }
      if (beat !== watch.beat) Object.assign(watch, { beat, beatSeenAt: Date.now() });
      else if (Date.now() - watch.beatSeenAt > limit)
        this.stop(runId, 'FLEET_RUN_ABANDONED', `no coordinator heartbeat for ${Math.round(limit / 1000)}s`);
    }
  }
}

/** A cancelled run, or one whose coordinator heartbeat expired, gets no new tasks started. */
export async function runGone(
  redis: Redis,
  runId: string,
): Promise<{ code: RunStopCode; message: string } | undefined> {
  const [status, beat] = await Promise.all([
    redis.hget(runKeys.run(runId), 'status'),
    redis.exists(runKeys.heartbeat(runId)),
  ]);
  if (status === 'cancelled')
    return { code: 'FLEET_RUN_CANCELLED', message: 'the run was cancelled before the task started' };
  if (status === 'done')
    return { code: 'FLEET_RUN_CANCELLED', message: 'the run has ended (a duplicate job left from a Redis restart)' };
  if (!beat) return { code: 'FLEET_RUN_ABANDONED', message: 'the coordinator has no heartbeat: not starting the task' };
  return undefined;
}
