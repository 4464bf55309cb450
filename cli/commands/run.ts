import { spawn } from 'node:child_process';
import * as os from 'node:os';
import type { Command } from 'commander';
import { fail } from './cli-options';
import { addSettingFlags, resolveFromCommand } from './setting-flags';
import { runSettings } from '../settings';
import { fleetDisabled, readPluginOptions, validateOptions } from '../../config';
import { Coordinator, reportLines, resolveNxBin, withoutSecrets, writeSummary, type RunSummary } from '../../runner';
import { LiveView, progressLine } from '../run-view';
import { flakyFromHistory, recordInHistory } from './run-history';

/** The final summary: the figures of `--summary-json`'s `report` and `timings`, as lines. */
function printFinalSummary(summary: RunSummary): void {
  if (!summary.report) return;
  const t = summary.timings;
  const lines = reportLines(summary.report);
  if (t)
    lines.push(
      `wall: plan ${(t.planMs / 1000).toFixed(1)}s, agents ${(t.execMs / 1000).toFixed(1)}s${t.replayMs !== undefined ? `, replay ${(t.replayMs / 1000).toFixed(1)}s` : ''}`,
    );
  process.stderr.write(`[fleet] summary of run ${summary.runId}\n${lines.map((l) => `[fleet] ${l}`).join('\n')}\n`);
}

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
    // A terminal gets the live view (agents, progress, queues) under the task output; logs
    // that are not one (CI) get a concise progress line every 10 s instead.
    const live = process.stderr.isTTY && process.env.TERM !== 'dumb' && !process.env.CI;
    let view: LiveView | undefined;
    const print = (line: string): void => (view ? view.print(line) : void process.stderr.write(`${line}\n`));
    const progress = (line: string): void => print(`[fleet] ${line}`);
    const coordinator: Coordinator = new Coordinator({
      cwd,
      ...settings,
      knownFlaky: flakyFromHistory(cwd, progress),
      // The offload of an nx-fleet:run task (executors/run/offload.ts): cache: false outputs come back.
      returnOutputs: process.env.FLEET_OFFLOADED === '1',
      nxArgs,
      routing: options.distributed ?? {},
      progress,
      output: print,
      onTask: () => view?.draw(),
    });
    let ticker: NodeJS.Timeout | undefined;
    if (live) (view = new LiveView(process.stderr, () => coordinator.snapshot())).start();
    else
      ticker = setInterval(() => {
        const snap = coordinator.snapshot();
        if (snap.phase === 'running') progress(progressLine(snap, Date.now()));
      }, 10_000).unref();
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
    view?.stop();
    view = undefined;
    clearInterval(ticker);
    printFinalSummary(summary);
    recordInHistory(summary, { cwd, nxArgs, startTime, endTime: Date.now(), progress });
    if (summaryJson) writeSummary(summaryJson, summary);
    report(summary);
    process.exitCode =
      summary.status === 'success' ? 0 : summary.status === 'cancelled' ? 130 : (summary.replayExitCode ?? 1) || 1;
  });
}
