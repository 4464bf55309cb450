/** Redis key names shared by coordinator and agents: one place, so both sides agree. */
export const runKeys = {
  /** Hash: the run's record (command, commit, createdAt, status). */
  run: (runId: string) => `fleet:run:${runId}`,
  /** Stream of RunEvent JSON (`e` field): task started / finished. */
  events: (runId: string) => `fleet:run:${runId}:events`,
  /** Stream of LogLine fields: every output line of every task. */
  log: (runId: string) => `fleet:run:${runId}:log`,
  /** String: the coordinator's uncommitted changes as a git diff. */
  patch: (runId: string) => `fleet:run:${runId}:patch`,
  /** String with a TTL: the coordinator's clock, rewritten every second while it is alive. */
  heartbeat: (runId: string) => `fleet:run:${runId}:alive`,
  /** Pub/sub channel: JSON {runId, commit, patchKey?}, published as a run starts: idle agents check it out early. */
  prepareChannel: 'fleet:prepare',
  /** Pub/sub channel: a run id, published when the coordinator cancels the run (Ctrl-C). */
  cancelChannel: 'fleet:cancel',
  /** Hash: task id → typical duration in ms (moving average over runs), for critical-path order. */
  durations: 'fleet:durations',
  /** Hash: task id → JSON {count, lastRunId, lastAt}: tasks seen failing then passing with one hash. */
  flaky: 'fleet:flaky',
  /** String with a TTL: an agent's AgentInfo JSON. */
  agent: (agentId: string) => `fleet:agent:${agentId}`,
  agentPattern: 'fleet:agent:*',
};
