#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { registerGraphCommand } from './commands/graph';
import { registerImportsCommand } from './commands/imports';
import { registerWhyCommand } from './commands/why';
import { registerAffectedCommand } from './commands/affected';
import { registerWatchCommand } from './commands/watch';
import { registerAffectedTestsCommand } from './commands/affected-tests';
import { registerCacheCommand } from './commands/cache';
import { registerHardwareCommand } from './commands/hardware';
import { registerAgentCommand } from './commands/agent';
import { registerRunCommand } from './commands/run';
import { registerConfigCommand } from './commands/config';
import { registerExplainCommand } from './commands/explain';
import { registerRunsCommand } from './commands/runs';
import { registerFlakyCommand } from './commands/flaky';
import { registerStatsCommand } from './commands/stats';
import { registerDashboardCommand } from './commands/dashboard';
import { registerTestChangedCommand, runTestChanged } from './commands/test-changed';

/** Builds the `fleet` program. Each command lives in cli/commands/<name>.ts and registers itself here. */
export function buildProgram(): Command {
  const program = new Command('fleet')
    .description('nx-fleet: file-level inference, distributed execution and a remote cache for Nx workspaces')
    .version(require('../../package.json').version)
    .showHelpAfterError()
    .exitOverride();
  registerGraphCommand(program);
  registerImportsCommand(program);
  registerWhyCommand(program);
  registerAffectedCommand(program);
  registerWatchCommand(program);
  registerAffectedTestsCommand(program);
  registerCacheCommand(program);
  registerHardwareCommand(program);
  registerAgentCommand(program);
  registerRunCommand(program);
  registerConfigCommand(program);
  registerExplainCommand(program);
  registerRunsCommand(program);
  registerFlakyCommand(program);
  registerStatsCommand(program);
  registerDashboardCommand(program);
  registerTestChangedCommand(program);
  return program;
}

async function main(argv: string[]): Promise<number> {
  // Its options and the runner's are mixed on one line (Nx appends the forwarded args): parsed by hand.
  if (argv[2] === 'test-changed' && !['--help', '-h'].includes(argv[3] ?? '--help'))
    return runTestChanged(argv.slice(3));
  try {
    await buildProgram().parseAsync(argv);
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode;
    const e = err as Error & { code?: string };
    process.stderr.write(`fleet: ${e.message}${e.code ? ` [${e.code}]` : ''}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv).then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : String(e));
      process.exitCode = 1;
    },
  );
}
