import type { Command } from 'commander';
import { envOption, fail } from './cli-options';
import { readPluginOptions, validateOptions } from '../../config';
import { Coordinator, writeSummary, type RunSummary } from '../../runner';

const opt = envOption;

interface RawRunOptions {
  redis?: string;
  cache?: string;
  cacheToken?: string;
  secret?: string;
  agentWait?: string;
  summaryJson?: string;
  pushRef?: boolean;
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
  program
    .command('run')
    .description('run an nx command on fleet agents, then replay it locally from the remote cache')
    .argument('<nx...>', 'the nx command and its arguments, e.g. affected -t test --base=main')
    .passThroughOptions()
    .allowUnknownOption()
    .addOption(opt('--redis <url>', 'redis:// or rediss:// URL shared with the agents', 'FLEET_REDIS_URL'))
    .addOption(opt('--cache <url>', 'the fleet cache server the agents use', 'FLEET_CACHE_URL'))
    .addOption(opt('--cache-token <token>', 'token for the cache server (prefer the environment variable)', 'FLEET_CACHE_TOKEN'))
    .addOption(opt('--secret <secret>', 'shared secret to sign jobs with (prefer the environment variable)', 'FLEET_SECRET'))
    .addOption(opt('--agent-wait <seconds>', 'how long a task may wait for a live agent able to run it (default 300)', 'FLEET_AGENT_WAIT'))
    .addOption(opt('--summary-json <file>', 'write a per-task summary', 'FLEET_SUMMARY_JSON'))
    .addOption(opt('--push-ref', 'push HEAD to refs/fleet/runs/<id> on origin when no branch there contains it', 'FLEET_PUSH_REF'))
    .action(async (nxArgs: string[], o: RawRunOptions) => {
      const redisUrl = o.redis ?? fail('--redis (or FLEET_REDIS_URL) is required');
      const cacheUrl = o.cache ?? fail('--cache (or FLEET_CACHE_URL) is required');
      const secret = o.secret ?? fail('--secret (or FLEET_SECRET) is required: agents run only signed jobs');
      const agentWait = o.agentWait === undefined ? 300 : Number(o.agentWait);
      if (!Number.isFinite(agentWait) || agentWait < 0) fail(`--agent-wait: expected seconds >= 0, got "${o.agentWait}"`);
      const cwd = process.cwd();
      const { options } = readPluginOptions(cwd);
      const problems = validateOptions({ distributed: options.distributed ?? {} });
      if (problems.length) fail(`invalid nx-fleet options in nx.json:\n${problems.map((p) => `  - "${p.option}": ${p.message}`).join('\n')}`, 'FLEET_INVALID_OPTIONS');
      const coordinator = new Coordinator({
        cwd, redisUrl, cacheUrl, cacheToken: o.cacheToken, secret, nxArgs,
        routing: options.distributed ?? {},
        agentWaitSeconds: agentWait,
        pushRef: Boolean(o.pushRef),
        progress: (line) => void process.stderr.write(`[fleet] ${line}\n`),
      });
      process.once('SIGINT', () => coordinator.cancel());
      process.once('SIGTERM', () => coordinator.cancel());
      const summary = await coordinator.run();
      if (o.summaryJson) writeSummary(o.summaryJson, summary);
      report(summary);
      process.exitCode = summary.status === 'success' ? 0 : summary.status === 'cancelled' ? 130 : (summary.replayExitCode ?? 1) || 1;
    });
}
