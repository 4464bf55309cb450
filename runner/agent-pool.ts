import { Agent, type AgentOptions } from './agent';
import type { SlotPool } from './job-source';
import { repoCheckout, type RepoSpec } from './repositories';

/**
 * One agent process serving several repositories: an {@link Agent} per repository (id
 * `<id>@<repo>`, its own checkout and heartbeat) sharing the process's slots and GPUs.
 */
export class AgentPool {
  readonly agents: Agent[];

  constructor(o: AgentOptions, repos: RepoSpec[]) {
    const pool: SlotPool = { running: 0, busyGpus: new Set() };
    const id = o.id ?? `${o.capabilities.hostname}-${process.pid}`;
    this.agents = repos.map(
      (r) =>
        new Agent({
          ...o,
          id: `${id}@${r.id}`,
          repo: r.id,
          workdir: repoCheckout(o.workdir, r),
          pool,
          log: (e) => o.log({ ...e, repo: r.id }),
        }),
    );
  }

  async run(): Promise<void> {
    const results = await Promise.allSettled(this.agents.map((a) => a.run()));
    const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) throw failed.reason;
  }

  async stop(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.stop()));
  }

  async close(): Promise<void> {
    await Promise.all(this.agents.map((a) => a.close()));
  }
}
