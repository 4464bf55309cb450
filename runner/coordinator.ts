import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import type { Redis } from 'ioredis';
import { readGitState } from './git-state';
import type { AgentInfo, JobPayload, RunEvent, TaskSummary } from './job';
import { JobQueues, jobIdOf } from './queue';
import { redisConnection } from './redis-connection';
import type { RoutingOptions } from './requirements';
import { runKeys } from './run-keys';
import { RunState } from './run-state';
import { explainUnsatisfied, satisfies } from './satisfies';
import { signJob } from './sign';
import { readTaskGraph } from './task-graph';
import { resolveNxBin } from './nx-task';

export interface CoordinatorOptions {
  cwd: string;
  redisUrl: string;
  cacheUrl: string;
  cacheToken?: string;
  secret: string;
  /** Everything from the nx command word on, e.g. `['affected', '-t', 'test']`. */
  nxArgs: string[];
  routing: RoutingOptions;
  /** How long a task may wait for a live agent able to run it. Default 300 s. */
  agentWaitSeconds?: number;
  pushRef?: boolean;
  runId?: string;
  /** Progress lines (the CLI writes them to stderr). */
  progress(line: string): void;
}

/** `--summary-json`: the stable contract (docs/distributed.md). */
export interface RunSummary {
  runId: string;
  commit?: string;
  status: 'success' | 'failure' | 'cancelled';
  code?: string;
  message?: string;
  replayExitCode?: number | null;
  tasks: TaskSummary[];
}

/** Redis stream fields come flat: [k1, v1, k2, v2, ...]. */
const chunk = (flat: string[]): Array<[string, string]> => flat.flatMap((v, i) => (i % 2 === 0 ? [[v, flat[i + 1]] as [string, string]] : []));

/**
 * `fleet run`: plans the run from Nx's task graph, queues each task when its dependencies have
 * succeeded, follows the agents' events, and finally replays the nx command locally against the
 * remote cache so the user gets Nx's own output, outputs and exit code.
 */
export class Coordinator {
  readonly runId: string;
  private cancelled = false;

  constructor(private readonly o: CoordinatorOptions) {
    this.runId = o.runId ?? `r-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
  }

  cancel(): void {
    this.cancelled = true;
  }

  async run(): Promise<RunSummary> {
    const fail = (code: string, message: string): RunSummary => ({ runId: this.runId, status: 'failure', code, message, tasks: [] });
    const git = readGitState(this.o.cwd, this.runId, Boolean(this.o.pushRef));
    if (!git.ok) return fail(git.code, git.message);
    const graph = readTaskGraph(this.o.cwd, this.o.nxArgs, this.o.routing);
    if (!graph.ok) return fail(graph.code, graph.message);
    const queues = new JobQueues({ redisUrl: this.o.redisUrl });
    const events = redisConnection(this.o.redisUrl, `fleet-coordinator-events-${this.runId}`);
    try {
      const redis = queues.client;
      const patchKey = git.patch ? runKeys.patch(this.runId) : undefined;
      if (patchKey) await redis.set(patchKey, git.patch, 'EX', 86_400);
      await redis.hset(runKeys.run(this.runId), { command: this.o.nxArgs.join(' '), commit: git.commit, createdAt: String(Date.now()), tasks: String(graph.tasks.length) });
      this.o.progress(`run ${this.runId}: ${graph.tasks.length} tasks at ${git.commit.slice(0, 12)}${patchKey ? ' plus uncommitted changes' : ''}`);
      const state = new RunState(graph.tasks);
      await this.schedule(state, queues, events, { commit: git.commit, patchKey });
      // The run's record, events and log stay a week for the dashboard and `fleet explain`, then go.
      for (const key of [runKeys.run(this.runId), runKeys.events(this.runId), runKeys.log(this.runId)]) await redis.expire(key, 7 * 86_400);
      const base = { runId: this.runId, commit: git.commit, tasks: state.summaries() };
      if (this.cancelled) return { ...base, status: 'cancelled', code: 'FLEET_RUN_CANCELLED', message: 'cancelled' };
      if (!state.succeeded()) return { ...base, status: 'failure', code: 'FLEET_TASKS_FAILED', message: this.failures(state) };
      const replayExitCode = await this.replay();
      return { ...base, status: replayExitCode === 0 ? 'success' : 'failure', replayExitCode };
    } finally {
      await queues.close();
      events.disconnect();
    }
  }

  private failures(state: RunState): string {
    return state.all().filter((s) => s.status !== 'success').map((s) => `${s.taskId}: ${s.status}${s.message ? `: ${s.message}` : ''}`).join('\n');
  }

  private async schedule(state: RunState, queues: JobQueues, events: Redis, at: { commit: string; patchKey?: string }): Promise<void> {
    const maxRank = Math.max(1, ...state.rank.values());
    let lastId = '0-0';
    let lastCheck = 0;
    while (!state.done() && !this.cancelled) {
      for (const t of state.ready()) {
        const payload: JobPayload = { v: 1, runId: this.runId, taskId: t.id, commit: at.commit, patchKey: at.patchKey, project: t.project, target: t.target, configuration: t.configuration, requirement: t.requirement, attempt: 1 };
        if (!payload.patchKey) delete payload.patchKey;
        if (!payload.configuration) delete payload.configuration;
        await queues.enqueue(signJob(payload, this.o.secret), maxRank - (state.rank.get(t.id) ?? 0) + 1);
        state.queued(t.id, Date.now());
      }
      if (Date.now() - lastCheck > 1000) {
        lastCheck = Date.now();
        await queues.client.set(runKeys.heartbeat(this.runId), '1', 'EX', 60);
        await this.checkAgents(state, queues);
        await this.checkLostJobs(state, queues);
      }
      const read = (await events.xread('BLOCK', 500, 'STREAMS', runKeys.events(this.runId), lastId)) as Array<[string, Array<[string, string[]]>]> | null;
      for (const [, entries] of read ?? []) {
        for (const [id, fields] of entries) {
          lastId = id;
          const event = JSON.parse(fields[1]) as RunEvent;
          const line = state.apply(event);
          if (line) this.o.progress(line);
          if (event.type === 'finished' && event.result.status !== 'success') await this.printLog(queues.client, event.result.taskId);
        }
      }
    }
    if (this.cancelled) for (const s of state.all()) if (s.status === 'queued') await queues.remove(s.requirement, jobIdOf(this.runId, s.taskId));
  }

  /** A failed task's output, from the run's log stream (the replay does not run failed tasks). */
  private async printLog(redis: Redis, taskId: string): Promise<void> {
    const entries = await redis.xrange(runKeys.log(this.runId), '-', '+');
    const lines = entries.map(([, f]) => Object.fromEntries(chunk(f))).filter((l) => l.taskId === taskId);
    for (const l of lines.slice(-200)) this.o.progress(`${taskId} | ${l.line}`);
  }

  private async liveAgents(redis: Redis): Promise<AgentInfo[]> {
    const keys: string[] = [];
    let cursor = '0';
    do {
      const [next, batch] = await redis.scan(cursor, 'MATCH', runKeys.agentPattern, 'COUNT', 200);
      cursor = next;
      keys.push(...batch);
    } while (cursor !== '0');
    if (keys.length === 0) return [];
    const values = await redis.mget(...keys);
    return values.filter((v): v is string => v !== null).map((v) => JSON.parse(v) as AgentInfo);
  }

  /** Fails a queued task after --agent-wait with no live agent able to run it. */
  private async checkAgents(state: RunState, queues: JobQueues): Promise<void> {
    const waiting = state.all().filter((s) => s.status === 'queued');
    if (waiting.length === 0) return;
    const agents = await this.liveAgents(queues.client);
    const now = Date.now();
    for (const s of waiting) {
      if (agents.some((a) => satisfies(a.capabilities, s.requirement).ok)) {
        s.unservedSince = undefined;
        continue;
      }
      s.unservedSince ??= now;
      if (now - s.unservedSince < (this.o.agentWaitSeconds ?? 300) * 1000) continue;
      await queues.remove(s.requirement, jobIdOf(this.runId, s.taskId));
      const why = explainUnsatisfied(s.requirement, agents.map((a) => ({ id: a.id, capabilities: a.capabilities })));
      state.end(s.taskId, 'unschedulable', `no live agent can run it after ${this.o.agentWaitSeconds ?? 300}s [FLEET_NO_CAPABLE_AGENT]\n${why}`, now);
      this.o.progress(`${s.taskId}: no live agent can run it [FLEET_NO_CAPABLE_AGENT]\n${why}`);
    }
  }

  /** A job BullMQ failed (its deliveries ran out after agents died) will never report: end it. */
  private async checkLostJobs(state: RunState, queues: JobQueues): Promise<void> {
    for (const s of state.all().filter((x) => x.status === 'queued' || x.status === 'running')) {
      if ((await queues.state(s.requirement, jobIdOf(this.runId, s.taskId))) !== 'failed') continue;
      state.end(s.taskId, 'failure', 'agents running it were lost too many times [FLEET_AGENT_LOST]', Date.now());
    }
  }

  /** Runs the same nx command here; every task should now be a remote-cache hit. */
  private replay(): Promise<number | null> {
    const env: NodeJS.ProcessEnv = { ...process.env, NX_SELF_HOSTED_REMOTE_CACHE_SERVER: this.o.cacheUrl };
    if (this.o.cacheToken) env.NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN = this.o.cacheToken;
    delete env.FLEET_SECRET;
    delete env.FLEET_CACHE_TOKEN;
    this.o.progress(`replaying nx ${this.o.nxArgs.join(' ')} from the remote cache`);
    return new Promise((resolve) => {
      const child = spawn(process.execPath, [resolveNxBin(this.o.cwd), ...this.o.nxArgs], { cwd: this.o.cwd, env, stdio: 'inherit' });
      child.once('error', () => resolve(null));
      child.once('close', (code) => resolve(code));
    });
  }
}

/** Writes the summary atomically (temp file, then rename). */
export function writeSummary(file: string, summary: RunSummary): void {
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(summary, null, 2) + '\n');
  fs.renameSync(tmp, file);
}

