import { spawn } from 'node:child_process';
import * as os from 'node:os';
import type { Command } from 'commander';
import { fail } from './cli-options';
import { addSettingFlags, resolveFromCommand } from './setting-flags';
import { runSettings } from '../settings';
import { fleetDisabled, readPluginOptions, validateOptions } from '../../config';
import { Coordinator, resolveNxBin, withoutSecrets, writeSummary, type RunSummary } from '../../runner';
import { flakyFromHistory, recordInHistory } from './run-history';

function report(summary: RunSummary): void {
  if (summary.status === 'success') return;
  process.stderr.write(`fleet: run ${summary.runId} ${summary.status}${summary.code ? ` [${summary.code}]` : ''}\n`);
  if (summary.message) process.stderr.write(`${summary.message}\n`);
}

/**
 * FLEET_DISABLE=1: the same nx command, run locally by plain nx with fleet's secrets removed from
 * its environment. Nothing of fleet's settings is read (the bypass must work when they are broken),
 * Redis is never touched. nx's exit code is the result; a signal gives 128 + its number.
 */
function runNxLocally(nxArgs: string[], cwd: string): Promise<number> {
  process.stderr.write(`[fleet] FLEET_DISABLE is set: running nx ${nxArgs.join(' ')} locally\n`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [resolveNxBin(cwd), ...nxArgs], {
      cwd,
      env: withoutSecrets(process.env),
      stdio: 'inherit',
    });
    const forward = (signal: NodeJS.Signals): void => void child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    child.once('error', (err) => {
      process.stderr.write(`fleet: cannot start nx: ${err.message}\n`);
      resolve(1);
    });
    child.once('close', (code, signal) => resolve(code ?? (signal ? 128 + (os.constants.signals[signal] ?? 0) : 1)));
  });
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
    .allowUnknownOption();
  addSettingFlags(cmd, runSettings.settings).action(async (nxArgs: string[], _o: unknown, self: Command) => {
    const cwd = process.cwd();
    const disable = fleetDisabled(process.env);
    if (disable.problem) fail(disable.problem);
    if (disable.disabled) {
      process.exitCode = await runNxLocally(nxArgs, cwd);
      return;
    }
    const s = resolveFromCommand(self, runSettings, cwd);
    const { options } = readPluginOptions(cwd);
    const problems = validateOptions({ distributed: options.distributed ?? {} });
    if (problems.length)
      fail(
        `invalid nx-fleet options in nx.json:\n${problems.map((p) => `  - "${p.option}": ${p.message}`).join('\n')}`,
        'FLEET_INVALID_OPTIONS',
      );
    const { summaryJson, ...settings } = s;
    const progress = (line: string): void => void process.stderr.write(`[fleet] ${line}\n`);
    const coordinator = new Coordinator({
      cwd,
      ...settings,
      knownFlaky: flakyFromHistory(cwd, progress),
      nxArgs,
      routing: options.distributed ?? {},
      progress,
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
    const startTime = Date.now();
    const summary = await coordinator.run();
    recordInHistory(summary, { cwd, nxArgs, startTime, endTime: Date.now(), progress });
    if (summaryJson) writeSummary(summaryJson, summary);
    report(summary);
    process.exitCode =
      summary.status === 'success' ? 0 : summary.status === 'cancelled' ? 130 : (summary.replayExitCode ?? 1) || 1;
  });
}
