import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, type TestWorkspace } from '../../rig';
import { fleetBin, startServe, type ServeProcess } from '../../cache/support/serve-process';
import { startRedis, type RedisProcess } from '../../cache/support/redis-server';
import { agentClone } from './dte-fixture';
import { levelKeys, type LevelKeys } from './keys';
import { startFleet, waitUntil, type FleetProcess } from './processes';
import { redisUrlFileEnv } from './redis-url-file';

/**
 * Trust levels end to end: a real redis-server with a password (agents read the URL from a file in
 * their home, never from argv), a real `fleet cache serve --tokens` (a trusted
 * writer of `main`, a trusted read-only token, a write mint for untrusted agents, a read mint for
 * untrusted coordinators) and `fleet agent` processes of either level, each in its own clone and
 * with a home of its own (0700) holding its secrets as an operator would keep them.
 */
export interface CacheTokens {
  trustedWriter: string;
  trustedReader: string;
  agentMint: string;
  coordinatorMint: string;
}

export interface TrustAgentSpec {
  id: string;
  trust: 'trusted' | 'untrusted';
  /** Run tasks as this user (`--task-user`); undefined: as the agent's own user. */
  taskUser?: string;
  labels?: string[];
  slots?: number;
  /** Extra environment of the agent (and so of the tasks it runs). */
  env?: Record<string, string>;
}

export interface TrustAgent {
  spec: TrustAgentSpec;
  process: FleetProcess;
  /** The agent's clone (its --workdir). */
  workdir: string;
  /** The agent's HOME (0700): its public key, the Redis URL file, a copy of its token, a git config. */
  home: string;
}

/** The names of the agents' user accounts for tasks: one of its own per agent, made when absent. */
export function ensureTaskUser(name: string): string | undefined {
  if (typeof process.getuid !== 'function' || process.getuid() !== 0) return undefined;
  let error = '';
  // Test files run side by side: another one's useradd may hold /etc/passwd's lock for a moment.
  for (let i = 0; i < 20; i++) {
    if (spawnSync('id', ['-u', name]).status === 0) return readableBy(name);
    const r = spawnSync('useradd', ['--system', '--no-create-home', '--shell', '/usr/sbin/nologin', name], {
      encoding: 'utf8',
    });
    if (r.status === 0) return readableBy(name);
    error = r.stderr;
    spawnSync('sleep', ['0.2']);
  }
  throw new Error(`useradd ${name}: ${error}`);
}

/**
 * The task user links the checkout's node_modules (LINK_MODULES), so it must be able to reach
 * them. A checkout under a folder only its owner may enter (`mktemp -d` makes 0700 folders, as
 * in a fresh-clone check) cannot be used that way: the task-user pool is then left out, and the
 * test says so, rather than failing on the machine's layout.
 */
function readableBy(name: string): string | undefined {
  const uid = Number(spawnSync('id', ['-u', name], { encoding: 'utf8' }).stdout.trim());
  const gid = Number(spawnSync('id', ['-g', name], { encoding: 'utf8' }).stdout.trim());
  const probe = path.join(repoRoot(), 'node_modules', 'nx', 'package.json');
  if (spawnSync('test', ['-r', probe], { uid, gid }).status === 0) return name;
  console.warn(
    `[trust-cluster] task user ${name} cannot read ${probe} (a folder above the checkout is closed to other users): the task-user pool is left out of this test file`,
  );
  return undefined;
}

/** A script an agent runs as its install command: links node_modules as `npm ci` would give them. */
const LINK_MODULES = `const fs = require('fs'), path = require('path');
const repo = process.argv[2], nm = path.join(process.cwd(), 'node_modules'), src = path.join(repo, 'node_modules');
fs.mkdirSync(nm, { recursive: true });
for (const name of fs.readdirSync(src)) {
  if (name.startsWith('.')) continue;
  if (name.startsWith('@')) { fs.mkdirSync(path.join(nm, name), { recursive: true }); for (const s of fs.readdirSync(path.join(src, name))) fs.symlinkSync(path.join(src, name, s), path.join(nm, name, s)); }
  else fs.symlinkSync(path.join(src, name), path.join(nm, name));
}
fs.symlinkSync(repo, path.join(nm, 'nx-fleet'));
console.log('linked node_modules');
`;

export class TrustCluster {
  redis!: RedisProcess;
  cache!: ServeProcess;
  tokens!: CacheTokens;
  /** The cache server's fs store: `<store>/<namespace>/<shard>/<hash>`. */
  store!: string;
  readonly keys: Record<'trusted' | 'untrusted', LevelKeys> = {
    trusted: levelKeys('trusted'),
    untrusted: levelKeys('untrusted'),
  };
  readonly agents = new Map<string, TrustAgent>();
  /** World-writable (sticky) folder for what tasks report: install log, markers. */
  readonly shared: string;
  private readonly linkScript: string;
  private readonly temp: string[] = [];

  constructor(private readonly bare: string) {
    // The task user fetches from origin (a URL on real agents; here a folder it must be able to read).
    fs.chmodSync(bare, 0o755);
    this.shared = this.tempDir('fleet-trust-shared-');
    fs.chmodSync(this.shared, 0o1777);
    const tools = this.tempDir('fleet-trust-tools-');
    fs.chmodSync(tools, 0o755);
    this.linkScript = path.join(tools, 'link-modules.js');
    fs.writeFileSync(this.linkScript, LINK_MODULES, { mode: 0o644 });
  }

  tempDir(prefix: string): string {
    const d = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), prefix));
    this.temp.push(d);
    return d;
  }

  async start(): Promise<this> {
    this.redis = await startRedis({ password: randomBytes(18).toString('base64url') });
    const dir = this.tempDir('fleet-trust-cache-');
    const file = path.join(dir, 'tokens.yaml');
    const create = (name: string, args: string[]): string => {
      const r = spawnSync(
        process.execPath,
        [fleetBin(), 'cache', 'token', 'create', '--tokens', file, '--name', name, ...args],
        {
          encoding: 'utf8',
        },
      );
      if (r.status !== 0) throw new Error(`token create ${name}: ${r.stderr}`);
      return r.stdout.trim();
    };
    this.tokens = {
      trustedWriter: create('trusted-ci', ['--write', 'main', '--read', 'main']),
      trustedReader: create('trusted-reader', ['--read', 'main']),
      agentMint: create('pr-agents', ['--mint', 'write', '--read', 'main']),
      coordinatorMint: create('pr-ci', ['--mint', 'read', '--read', 'main']),
    };
    this.store = path.join(dir, 'store');
    this.cache = await startServe(['--store', `fs:${this.store}`, '--tokens', file]);
    return this;
  }

  /** Starts agents and waits (bounded) for each to say `agent ready`. */
  async startAgents(specs: TrustAgentSpec[]): Promise<void> {
    const started = specs.map((s) => this.startAgent(s));
    const ok = await waitUntil(() => started.every((a) => a.process.output().includes('agent ready')), 45_000);
    if (!ok) throw new Error(`agents did not start:\n${this.agentLogs()}`);
  }

  /** Starts one agent without waiting for it. */
  startAgent(s: TrustAgentSpec): TrustAgent {
    const clone = agentClone(this.bare);
    this.temp.push(clone.root);
    const home = this.tempDir('fleet-agent-home-');
    fs.chmodSync(home, 0o700);
    const keys = this.keys[s.trust];
    const publicKeyFile = path.join(home, 'level.pub');
    fs.writeFileSync(publicKeyFile, keys.publicPem, { mode: 0o600 });
    const token = s.trust === 'trusted' ? this.tokens.trustedWriter : this.tokens.agentMint;
    // What an operator leaves in an agent's home: a token file, a git config with a credential.
    fs.mkdirSync(path.join(home, '.fleet'), { mode: 0o700 });
    fs.writeFileSync(path.join(home, '.fleet', 'token'), token + '\n', { mode: 0o600 });
    fs.writeFileSync(
      path.join(home, '.gitconfig'),
      `[user]\n\tname = agent\n[http]\n\textraHeader = Authorization: Bearer ${token}\n`,
      { mode: 0o600 },
    );
    const env: NodeJS.ProcessEnv = {
      ...clone.env({ AGENT_NAME: s.id, NX_ISOLATE_PLUGINS: 'false', HOME: home }),
      FLEET_TRUST: s.trust,
      ...redisUrlFileEnv(home, this.redis.url),
      ...s.env,
    };
    delete env.FLEET_PUBLIC_KEY;
    if (s.trust === 'trusted') env.FLEET_CACHE_TOKEN = token;
    else env.FLEET_CACHE_MINT_TOKEN = token;
    const args = [
      'agent',
      '--cache',
      this.cache.url,
      '--trust',
      s.trust,
      '--public-key-file',
      publicKeyFile,
      '--slots',
      String(s.slots ?? 1),
      '--id',
      s.id,
      '--workdir',
      clone.root,
      '--no-warm',
    ];
    if (s.trust === 'untrusted') args.push('--install-command', `node ${this.linkScript} ${repoRoot()}`);
    if (s.taskUser) args.push('--task-user', s.taskUser);
    if (s.labels?.length) args.push('--labels', s.labels.join(','));
    const agent: TrustAgent = {
      spec: s,
      process: startFleet(args, { cwd: clone.root, env }),
      workdir: clone.root,
      home,
    };
    this.agents.set(s.id, agent);
    return agent;
  }

  /** How many times the agent's install command ran and succeeded (its log says so). */
  installs(id: string): number {
    return this.agents.get(id)!.process.output().split('"msg":"install","ok":true').length - 1;
  }

  agentLogs(): string {
    return [...this.agents.entries()].map(([id, a]) => `--- agent ${id}\n${a.process.output()}`).join('\n');
  }

  /** `fleet run --trust <level> --summary-json F <nxArgs>` in `ws`, bounded. */
  async run(
    ws: TestWorkspace,
    trust: 'trusted' | 'untrusted',
    nxArgs: string[],
    timeoutMs = 120_000,
  ): Promise<{
    code: number | null;
    output: string;
    summary?: { status: string; runId: string; tasks: Array<{ taskId: string; status: string; agent?: string }> };
  }> {
    const summaryFile = path.join(this.tempDir('fleet-trust-summary-'), 'summary.json');
    const env = ws.env({
      FLEET_REDIS_URL: this.redis.url,
      FLEET_CACHE_URL: this.cache.url,
      ...this.keys[trust].coordinatorEnv,
      NX_ISOLATE_PLUGINS: 'false',
      ...(trust === 'trusted'
        ? { FLEET_CACHE_TOKEN: this.tokens.trustedWriter }
        : { FLEET_CACHE_MINT_TOKEN: this.tokens.coordinatorMint }),
    });
    const p = startFleet(['run', '--trust', trust, '--summary-json', summaryFile, ...nxArgs], { cwd: ws.root, env });
    const timer = setTimeout(() => void p.stop(1000), timeoutMs);
    const code = await p.exited;
    clearTimeout(timer);
    const summary = fs.existsSync(summaryFile) ? JSON.parse(fs.readFileSync(summaryFile, 'utf8')) : undefined;
    return { code, output: `${p.output()}\n${this.agentLogs()}`, summary };
  }

  async stop(): Promise<void> {
    for (const a of this.agents.values()) await a.process.stop();
    this.agents.clear();
    await this.cache?.stop();
    await this.redis?.stop();
    for (const d of this.temp) fs.rmSync(d, { recursive: true, force: true });
  }
}
