import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { TestWorkspace } from '../../rig';
import { startRedis, type RedisProcess } from '../../cache/support/redis-server';
import { startServe, type ServeProcess } from '../../cache/support/serve-process';
import { agentClone } from './dte-fixture';
import { fakeNvidiaSmiDir } from './fake-gpu-tools';
import { levelKeys } from './keys';
import { startFleet, waitUntil, type FleetProcess } from './processes';
import { redisUrlFileEnv } from './redis-url-file';

/** The trusted level's key pair of this cluster (one per test file). */
export const KEYS = levelKeys();

/**
 * Nx runs plugins (here the fixture's record plugin) in separate worker processes by default;
 * in-process they cost half the CPU per `nx` start, which matters with many nx processes on few
 * cores. Task hashes do not depend on it.
 */
const FAST_NX = { NX_ISOLATE_PLUGINS: 'false' };

export interface AgentSpec {
  id: string;
  gpus?: number;
  slots?: number;
  labels?: string[];
  policy?: 'never' | 'when-idle' | 'always';
  /** Extra environment of the agent (and so of the tasks it runs). */
  env?: Record<string, string>;
  /** Folders put on PATH after the fake nvidia-smi's (e.g. a fake docker). */
  path?: string[];
  /** More `fleet agent` arguments (`--cost-per-hour 2`, `--repo a=URL`). */
  args?: string[];
  /** The agent's --workdir, prepared by the test (no clone of the cluster's origin is made). */
  workdir?: string;
}

export interface RunResult {
  code: number | null;
  output: string;
  summary?: {
    status: string;
    tasks: Array<{
      taskId: string;
      status: string;
      agent?: string;
      attempts: number;
      gpus: number[];
      requirement: { labels: string[]; gpus: number };
    }>;
  };
}

/**
 * A real redis-server (with a password, which agents read from a file), a real `fleet cache serve` (fs store), and `fleet agent` processes, each in
 * its own clone of the fixture's bare origin with a fake nvidia-smi first on PATH.
 */
export class Cluster {
  redis!: RedisProcess;
  cache!: ServeProcess;
  readonly agents = new Map<string, FleetProcess>();
  private readonly temp: string[] = [];

  constructor(private readonly bare: string) {}

  async start(): Promise<this> {
    this.redis = await startRedis({ password: randomBytes(18).toString('base64url') });
    const store = this.tempDir('fleet-cluster-cache-');
    this.cache = await startServe(['--store', `fs:${store}`]);
    return this;
  }

  tempDir(prefix: string): string {
    const d = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), prefix));
    this.temp.push(d);
    return d;
  }

  /** Starts the agents and waits (bounded) until each says `agent ready`. */
  async startAgents(specs: AgentSpec[]): Promise<void> {
    const started = specs.map((s) => this.startAgent(s));
    const ready = await waitUntil(() => started.every((a) => a.output().includes('agent ready')), 45_000);
    if (!ready) throw new Error(`agents did not start:\n${started.map((a) => a.output()).join('\n')}`);
  }

  private startAgent(s: AgentSpec): FleetProcess {
    const clone = s.workdir ? new TestWorkspace(s.workdir) : agentClone(this.bare);
    this.temp.push(clone.root);
    const smi = fakeNvidiaSmiDir(
      Array.from({ length: s.gpus ?? 0 }, () => ({ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 })),
    );
    this.temp.push(smi);
    const env = clone.env({
      AGENT_NAME: s.id,
      ...KEYS.agentEnv,
      PATH: [smi, ...(s.path ?? []), process.env.PATH].join(path.delimiter),
      ...FAST_NX,
      ...redisUrlFileEnv(this.tempDir('fleet-cluster-agent-'), this.redis.url),
      ...s.env,
    });
    const args = [
      'agent',
      '--cache',
      this.cache.url,
      '--slots',
      String(s.slots ?? 2),
      '--id',
      s.id,
      '--workdir',
      clone.root,
    ];
    if (s.labels?.length) args.push('--labels', s.labels.join(','));
    if (s.policy) args.push('--cpu-work-on-gpu-agents', s.policy);
    args.push(...(s.args ?? []));
    const p = startFleet(args, { cwd: clone.root, env });
    this.agents.set(s.id, p);
    return p;
  }

  async stopAgents(): Promise<void> {
    for (const a of this.agents.values()) await a.stop();
    this.agents.clear();
  }

  agentLogs(): string {
    return [...this.agents.entries()].map(([id, a]) => `--- agent ${id}\n${a.output()}`).join('\n');
  }

  /** `fleet run --summary-json F <nxArgs>` in `ws`, bounded; the summary parsed when written. */
  async run(
    ws: TestWorkspace,
    nxArgs: string[],
    timeoutMs = 150_000,
    env: Record<string, string> = {},
  ): Promise<RunResult> {
    const summaryFile = path.join(this.tempDir('fleet-cluster-summary-'), 'summary.json');
    const p = startFleet(['run', '--summary-json', summaryFile, ...nxArgs], {
      cwd: ws.root,
      env: ws.env({
        FLEET_REDIS_URL: this.redis.url,
        FLEET_CACHE_URL: this.cache.url,
        ...KEYS.coordinatorEnv,
        ...FAST_NX,
        ...env,
      }),
    });
    const timer = setTimeout(() => void p.stop(1000), timeoutMs);
    const code = await p.exited;
    clearTimeout(timer);
    const summary = fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, 'utf8')) : undefined;
    return { code, output: `${p.output()}\n${this.agentLogs()}`, summary };
  }

  async stop(): Promise<void> {
    await this.stopAgents();
    await this.cache?.stop();
    await this.redis?.stop();
    for (const d of this.temp) fs.rmSync(d, { recursive: true, force: true });
  }
}
