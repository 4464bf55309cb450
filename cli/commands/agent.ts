import type { Command } from 'commander';
import { fail } from './cli-options';
import { addSettingFlags, resolveFromCommand } from './setting-flags';
import { agentSettings } from '../settings';
import { fleetDisabled } from '../../config';
import { Agent, AgentPool, agentPrice, detectHardware } from '../../runner';

/** `fleet agent`: takes jobs from Redis and runs them with the shared remote cache. */
export function registerAgentCommand(program: Command): void {
  const cmd = program
    .command('agent')
    .description(
      'run tasks of `fleet run` on this machine: takes jobs from Redis whose requirements this machine satisfies',
    );
  addSettingFlags(cmd, agentSettings.settings).action(async (_o: unknown, self: Command) => {
    const disable = fleetDisabled(process.env);
    if (disable.problem) fail(disable.problem);
    if (disable.disabled)
      fail(
        'FLEET_DISABLE is set: fleet agent does not start (the emergency bypass runs every task locally; unset FLEET_DISABLE to serve runs)',
        'FLEET_DISABLED',
      );
    const { labels, labelPrices, costPerHour, repos, ...s } = resolveFromCommand(self, agentSettings);
    const hw = detectHardware({ labels });
    const log = (e: Record<string, unknown>): void =>
      void process.stdout.write(JSON.stringify({ time: new Date().toISOString(), ...e }) + '\n');
    for (const d of hw.diagnostics) log({ msg: 'hardware diagnostic', ...d });
    // daemon undefined: the Agent's default (NX_DAEMON, else only without resident nx processes).
    const price = agentPrice(costPerHour, labelPrices, hw.capabilities.labels);
    const options = { ...s, log, capabilities: hw.capabilities, costPerHour: price };
    // Several repositories: an agent per repository, sharing this process's slots and GPUs.
    const agent = repos.length ? new AgentPool(options, repos) : new Agent(options);
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
