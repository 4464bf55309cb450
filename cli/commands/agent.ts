import type { Command } from 'commander';
import { envOption, fail } from './cli-options';
import { addAgentTrustOptions, agentTrust } from './trust-options';
import { Agent, detectHardware, parseLabels, type CpuWorkPolicy } from '../../runner';

const opt = envOption;

interface RawAgentOptions {
  redis?: string;
  cache?: string;
  cacheToken?: string;
  labels?: string;
  slots?: string;
  workdir?: string;
  trust?: string;
  publicKeyFile?: string;
  taskUser?: string;
  isolateRuns?: string;
  id?: string;
  cpuWorkOnGpuAgents?: string;
  maxAttempts?: string;
  lockTimeout?: string;
  abandonAfter?: string;
  installCommand?: string;
  daemon?: boolean;
  idleExit?: string;
  warm?: boolean;
}

function positive(name: string, text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  return Number.isInteger(n) && n >= 1 ? n : fail(`--${name}: expected a whole number >= 1, got "${text}"`);
}

/** `fleet agent`: takes jobs from Redis and runs them with the shared remote cache. */
export function registerAgentCommand(program: Command): void {
  const cmd = program
    .command('agent')
    .description(
      'run tasks of `fleet run` on this machine: takes jobs from Redis whose requirements this machine satisfies',
    )
    .addOption(opt('--redis <url>', 'redis:// or rediss:// URL (password in the URL)', 'FLEET_REDIS_URL'))
    .addOption(opt('--cache <url>', 'the fleet cache server, e.g. http://cache:3000', 'FLEET_CACHE_URL'))
    .addOption(
      opt('--cache-token <token>', 'token for the cache server (prefer the environment variable)', 'FLEET_CACHE_TOKEN'),
    )
    .addOption(opt('--labels <list>', 'extra comma-separated labels', 'FLEET_AGENT_LABELS'))
    .addOption(opt('--slots <n>', 'tasks at once (default: CPU count)', 'FLEET_SLOTS'))
    .addOption(
      opt('--workdir <dir>', 'the git checkout to run tasks in (default: the current directory)', 'FLEET_WORKDIR'),
    )
    .addOption(opt('--id <id>', 'agent id (default: hostname-pid)', 'FLEET_AGENT_ID'))
    .addOption(
      opt(
        '--cpu-work-on-gpu-agents <policy>',
        'never | when-idle | always (default when-idle)',
        'FLEET_CPU_WORK_ON_GPU_AGENTS',
      ),
    )
    .addOption(
      opt(
        '--max-attempts <n>',
        'deliveries of a job before an infrastructure failure is final (default 3)',
        'FLEET_MAX_ATTEMPTS',
      ),
    )
    .addOption(
      opt(
        '--lock-timeout <seconds>',
        'a job whose agent stops renewing its lock this long is given to another agent (default 30)',
        'FLEET_LOCK_TIMEOUT',
      ),
    )
    .addOption(
      opt(
        '--abandon-after <seconds>',
        "stop a run's tasks when its coordinator's heartbeat has not changed this long (default 60)",
        'FLEET_ABANDON_AFTER',
      ),
    )
    .addOption(
      opt(
        '--install-command <cmd>',
        'run after a checkout when the lockfile changed: auto (from the lockfile), none, or a shell command (default auto)',
        'FLEET_INSTALL_COMMAND',
      ),
    )
    .addOption(opt('--idle-exit <seconds>', 'exit after this long with no task (agents as CI jobs)', 'FLEET_IDLE_EXIT'))
    .option(
      '--no-warm',
      'run a fresh nx per task instead of resident nx processes (Nx loaded once, reused task after task)',
    )
    .option(
      '--daemon',
      'keep an Nx daemon in the checkout for the tasks (default: only with --no-warm; NX_DAEMON=true|false also decides)',
    )
    .option('--no-daemon', 'no Nx daemon in the checkout (the default with resident nx processes)');
  addAgentTrustOptions(cmd).action(async (o: RawAgentOptions) => {
    const redisUrl = o.redis ?? fail('--redis (or FLEET_REDIS_URL) is required');
    const cacheUrl = o.cache ?? fail('--cache (or FLEET_CACHE_URL) is required');
    const trust = agentTrust(o);
    const policy = (o.cpuWorkOnGpuAgents ?? 'when-idle') as CpuWorkPolicy;
    if (!['never', 'when-idle', 'always'].includes(policy))
      fail(`--cpu-work-on-gpu-agents: expected never, when-idle or always, got "${policy}"`);
    const hw = detectHardware({ labels: parseLabels(o.labels) });
    const log = (e: Record<string, unknown>): void =>
      void process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n');
    for (const d of hw.diagnostics) log({ msg: 'hardware diagnostic', ...d });
    const agent = new Agent({
      redisUrl,
      cacheUrl,
      cacheToken: o.cacheToken,
      ...trust,
      log,
      workdir: o.workdir ?? process.cwd(),
      capabilities: hw.capabilities,
      slots: positive('slots', o.slots, hw.capabilities.cpus),
      maxAttempts: positive('max-attempts', o.maxAttempts, 3),
      lockSeconds: positive('lock-timeout', o.lockTimeout, 30),
      id: o.id,
      cpuWorkOnGpuAgents: policy,
      abandonAfterSeconds: positive('abandon-after', o.abandonAfter, 60),
      installCommand: o.installCommand ?? 'auto',
      daemon: o.daemon, // undefined: the Agent's default (NX_DAEMON, else only with --no-warm)
      warmNx: o.warm !== false,
      idleExitSeconds: o.idleExit === undefined ? undefined : positive('idle-exit', o.idleExit, 0),
    });
    const stop = (signal: string): void => {
      log({ msg: 'agent stopping', signal });
      void agent.stop();
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
    await agent.run();
    await agent.close();
  });
}
