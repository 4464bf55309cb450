import type { Command } from 'commander';
import { envOption, fail } from './cli-options';
import { addRunTrustOptions, runTrust } from './trust-options';
import { readPluginOptions, validateOptions } from '../../config';
import { Coordinator, writeSummary, type RunSummary } from '../../runner';

const opt = envOption;

interface RawRunOptions {
  redis?: string;
  cache?: string;
  cacheToken?: string;
  trust?: string;
  agentWait?: string;
  summaryJson?: string;
  pushRef?: boolean;
  retryFailed?: string;
  retryFlaky?: string;
  maxAttempts?: string;
  taskTimeout?: string;
  stream?: boolean;
  taskOutput?: string;
  redisTimeout?: string;
}

function count(name: string, text: string | undefined, min: number): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isInteger(n) && n >= min ? n : fail(`--${name}: expected a whole number >= ${min}, got "${text}"`);
}

function seconds(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  return Number.isFinite(n) && n > 0 ? n : fail(`--${name}: expected seconds > 0, got "${text}"`);
}

function report(summary: RunSummary): void {
  if (summary.status === 'success') return;
  process.stderr.write(`fleet: run ${summary.runId} ${summary.status}${summary.code ? ` [${summary.code}]` : ''}\n`);
  if (summary.message) process.stderr.write(`${summary.message}\n`);
}

/** `fleet run [fleet options] <nx command> [nx args]`: the coordinator of a distributed run. */
export function registerRunCommand(program: Command): void {
  // Everything from the nx command word on belongs to nx, including its flags.
  program.enablePositionalOptions();
  const cmd = program
    .command('run')
    .description('run an nx command on fleet agents, then replay it locally from the remote cache')
    .argument('<nx...>', 'the nx command and its arguments, e.g. affected -t test --base=main')
    .passThroughOptions()
    .allowUnknownOption()
    .addOption(opt('--redis <url>', 'redis:// or rediss:// URL shared with the agents', 'FLEET_REDIS_URL'))
    .addOption(opt('--cache <url>', 'the fleet cache server the agents use', 'FLEET_CACHE_URL'))
    .addOption(
      opt('--cache-token <token>', 'token for the cache server (prefer the environment variable)', 'FLEET_CACHE_TOKEN'),
    )
    .addOption(
      opt(
        '--agent-wait <seconds>',
        'how long a task may wait for a live agent able to run it (default 300)',
        'FLEET_AGENT_WAIT',
      ),
    )
    .addOption(opt('--summary-json <file>', 'write a per-task summary', 'FLEET_SUMMARY_JSON'))
    .addOption(
      opt(
        '--push-ref',
        'push HEAD to refs/fleet/runs/<id> on origin when no branch there contains it',
        'FLEET_PUSH_REF',
      ),
    )
    .addOption(
      opt(
        '--retry-failed <n>',
        'run a task that failed on its own up to n more times, on another agent (default 0)',
        'FLEET_RETRY_FAILED',
      ),
    )
    .addOption(
      opt('--retry-flaky <n>', 'extra attempts for tasks seen flaky in earlier runs (default 1)', 'FLEET_RETRY_FLAKY'),
    )
    .addOption(
      opt(
        '--max-attempts <n>',
        'attempts in all after infrastructure failures: timeout, checkout, agent lost (default 3)',
        'FLEET_MAX_ATTEMPTS',
      ),
    )
    .addOption(
      opt(
        '--task-timeout <seconds>',
        'stop a task after this long (target metadata.fleet.timeout wins)',
        'FLEET_TASK_TIMEOUT',
      ),
    )
    .addOption(opt('--stream', 'print every output line as it arrives, prefixed by its task', 'FLEET_STREAM'))
    .addOption(
      opt(
        '--task-output <which>',
        'without --stream, whose output to print when a task ends: all | failed | none (default all)',
        'FLEET_TASK_OUTPUT',
      ),
    )
    .addOption(
      opt(
        '--redis-timeout <seconds>',
        'fail the run when Redis is unreachable this long (default 60)',
        'FLEET_REDIS_TIMEOUT',
      ),
    );
  addRunTrustOptions(cmd).action(async (nxArgs: string[], o: RawRunOptions) => {
    const redisUrl = o.redis ?? fail('--redis (or FLEET_REDIS_URL) is required');
    const cacheUrl = o.cache ?? fail('--cache (or FLEET_CACHE_URL) is required');
    const trust = runTrust(o);
    const agentWait = o.agentWait === undefined ? 300 : Number(o.agentWait);
    if (!Number.isFinite(agentWait) || agentWait < 0) fail(`--agent-wait: expected seconds >= 0, got "${o.agentWait}"`);
    const taskOutput = (o.taskOutput ?? 'all') as 'all' | 'failed' | 'none';
    if (!['all', 'failed', 'none'].includes(taskOutput))
      fail(`--task-output: expected all, failed or none, got "${o.taskOutput}"`);
    const cwd = process.cwd();
    const { options } = readPluginOptions(cwd);
    const problems = validateOptions({ distributed: options.distributed ?? {} });
    if (problems.length)
      fail(
        `invalid nx-fleet options in nx.json:\n${problems.map((p) => `  - "${p.option}": ${p.message}`).join('\n')}`,
        'FLEET_INVALID_OPTIONS',
      );
    const coordinator = new Coordinator({
      cwd,
      redisUrl,
      cacheUrl,
      cacheToken: o.cacheToken,
      ...trust,
      nxArgs,
      routing: options.distributed ?? {},
      agentWaitSeconds: agentWait,
      pushRef: Boolean(o.pushRef),
      retryFailed: count('retry-failed', o.retryFailed, 0),
      retryFlaky: count('retry-flaky', o.retryFlaky, 0),
      maxAttempts: count('max-attempts', o.maxAttempts, 1),
      taskTimeoutSeconds: seconds('task-timeout', o.taskTimeout),
      redisTimeoutSeconds: seconds('redis-timeout', o.redisTimeout),
      stream: Boolean(o.stream),
      taskOutput,
      progress: (line) => void process.stderr.write(`[fleet] ${line}\n`),
      output: (line) => void process.stderr.write(`${line}\n`),
    });
    // First Ctrl-C: cancel cleanly (agents stop the run's tasks). A second one: leave now.
    let interrupts = 0;
    const interrupt = (signal: string): void => {
      if (++interrupts > 1) process.exit(130);
      process.stderr.write(`[fleet] ${signal}: cancelling the run (again to leave at once)\n`);
      coordinator.cancel();
    };
    process.on('SIGINT', () => interrupt('SIGINT'));
    process.on('SIGTERM', () => interrupt('SIGTERM'));
    const summary = await coordinator.run();
    if (o.summaryJson) writeSummary(o.summaryJson, summary);
    report(summary);
    process.exitCode =
      summary.status === 'success' ? 0 : summary.status === 'cancelled' ? 130 : (summary.replayExitCode ?? 1) || 1;
  });
}
