import { Command } from 'commander';
import {
  fleetDisabled,
  formatSettingsReport,
  settingsReport,
  type CommandSettings,
  type SettingsReport,
} from '../../config';
import { COMMAND_SETTINGS } from '../settings';
import { fail } from './cli-options';
import { addSettingFlags, flagValues, settingsInput } from './setting-flags';

const NAMES: Record<string, string> = {
  run: 'run',
  agent: 'agent',
  'cache-serve': 'cache serve',
  'cache serve': 'cache serve',
  history: 'history',
};

/** `fleet config --json` (docs/json-output.md): the stable contract. */
export interface ConfigReport {
  ok: boolean;
  /** FLEET_DISABLE, strictly parsed. */
  disabled: boolean;
  /** Problems outside any command (FLEET_DISABLE not a boolean). */
  problems: Array<{ code: string; source: string; message: string }>;
  commands: SettingsReport[];
}

/** The command named by `--command` and the flags after it (`-- --max-attempts 5`), or every command. */
function selected(name: string | undefined, rest: string[]): Array<{ cmd: CommandSettings<unknown>; args: string[] }> {
  if (name === undefined) {
    if (rest.length) fail('flags of a command need --command (fleet config --command run -- --max-attempts 5)');
    return COMMAND_SETTINGS.map((cmd) => ({ cmd, args: [] }));
  }
  let key = name;
  let args = rest;
  if (name === 'cache' && rest[0] === 'serve') {
    key = 'cache serve';
    args = rest.slice(1);
  }
  const cmd = COMMAND_SETTINGS.find((c) => c.command === NAMES[key]);
  if (!cmd)
    return fail(
      `--command: expected run, agent, cache-serve (or "cache serve") or history, got "${name}"`,
      'FLEET_INVALID_OPTION',
    );
  return [{ cmd, args }];
}

/** The command's own flags, parsed as that command would parse them. */
function parseFlags(cmd: CommandSettings<unknown>, args: string[]): Record<string, unknown> {
  const parser = addSettingFlags(
    new Command(cmd.command).exitOverride().configureOutput({ writeErr: () => {} }),
    cmd.settings,
  );
  try {
    parser.parse(args, { from: 'user' });
  } catch (err) {
    fail(`fleet ${cmd.command}: ${(err as Error).message}`, 'FLEET_INVALID_OPTION');
  }
  return flagValues(parser, cmd.settings);
}

/** `fleet config [--json] [--command run|agent|cache-serve|history] [-- <flags of that command>]`. */
export function registerConfigCommand(program: Command): void {
  program
    .command('config')
    .description(
      'print the effective settings of fleet run, fleet agent and fleet cache serve, with the source of each value; secrets masked',
    )
    .option(
      '--command <name>',
      'only this command: run, agent, cache-serve ("cache serve" works too) or history (the run history of every Nx command)',
    )
    .option('--json', 'print {ok, disabled, problems, commands: [{command, ok, settings, problems, warnings}]}')
    .option('--cwd <dir>', 'the workspace root whose nx.json is read', process.cwd())
    .argument('[flags...]', 'after --: flags of the command, resolved as it would resolve them')
    .allowUnknownOption()
    .action((rest: string[], o: { command?: string; json?: boolean; cwd: string }) => {
      const disable = fleetDisabled(process.env);
      const report: ConfigReport = {
        ok: true,
        disabled: disable.disabled,
        problems: disable.problem
          ? [{ code: 'FLEET_INVALID_OPTION', source: 'FLEET_DISABLE', message: disable.problem }]
          : [],
        commands: selected(o.command, rest).map(({ cmd, args }) =>
          settingsReport(cmd.command, cmd.resolve(settingsInput(parseFlags(cmd, args), o.cwd))),
        ),
      };
      report.ok = report.problems.length === 0 && report.commands.every((c) => c.ok);
      if (o.json) process.stdout.write(JSON.stringify(report, null, 2) + '\n');
      else {
        if (report.disabled)
          process.stdout.write('FLEET_DISABLE is set: fleet run runs nx locally, fleet agent does not start\n');
        for (const p of report.problems) process.stdout.write(`${p.message} [${p.code}]\n`);
        process.stdout.write(report.commands.map(formatSettingsReport).join('\n'));
      }
      if (!report.ok) {
        const n = report.problems.length + report.commands.reduce((k, c) => k + c.problems.length, 0);
        process.stderr.write(`fleet: ${n} invalid setting(s); see above [FLEET_INVALID_OPTION]\n`);
        process.exitCode = 1;
      }
    });
}
