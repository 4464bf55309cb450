import * as os from 'node:os';
import { Option, type Command } from 'commander';
import {
  defaultOf,
  fileFlag,
  formatProblem,
  hasFile,
  readPluginOptions,
  type CommandSettings,
  type CommandSettingsResult,
  type SettingContext,
  type SettingSpec,
  type SettingsInput,
} from '../../config';
import { fail } from './cli-options';

// Commander only declares the flags: it gets no env and no defaults, so that the settings layer
// (config/settings) sees which values came from the command line and resolves the rest itself.

const flagAttr = (flag: string): string => new Option(flag).attributeName();

const defaults = (s: SettingSpec): string => {
  const d = defaultOf(s).replace(/`/g, '');
  return d === 'required' ? '(required)' : `(default ${d})`;
};

/** `--flag <value>` (and `--no-flag`, `--flag-file <file>`) for every setting that has them. */
export function addSettingFlags(cmd: Command, specs: readonly SettingSpec[]): Command {
  for (const s of specs) {
    if (s.flag && (!s.secret || s.deprecatedFlag)) {
      const what = s.secret ? `${s.description} (deprecated: use ${s.env} or ${fileFlag(s)})` : s.description;
      const option = new Option(
        `${s.flag}${s.valueName ? ` ${s.valueName}` : ''}`,
        `${what} ${defaults(s)} [${s.env}]`,
      );
      if (s.repeatable) option.argParser((v: string, prev: string[] | undefined) => [...(prev ?? []), v]);
      cmd.addOption(option);
      if (s.negatable) cmd.addOption(new Option(`--no-${s.flag.slice(2)}`, `the opposite of ${s.flag}`));
    }
    if (hasFile(s))
      cmd.addOption(new Option(`${fileFlag(s)} <file>`, `read ${s.flag ?? s.env} from this file [${s.env}_FILE]`));
  }
  return cmd;
}

/** The values given on the command line, by setting key (`<key>File` for `--x-file`). */
export function flagValues(cmd: Command, specs: readonly SettingSpec[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  const opts = cmd.opts();
  const given = (attr: string): boolean => cmd.getOptionValueSource(attr) === 'cli';
  for (const s of specs) {
    if (s.flag && given(flagAttr(s.flag))) out[s.key] = opts[flagAttr(s.flag)];
    const file = flagAttr(fileFlag(s));
    if (hasFile(s) && given(file)) out[`${s.key}File`] = opts[file];
  }
  return out;
}

export function settingContext(cwd = process.cwd()): SettingContext {
  return { cwd, cpus: os.availableParallelism(), hostname: os.hostname(), pid: process.pid };
}

/** Flags, the process environment and the workspace's nx.json: what every command resolves from. */
export function settingsInput(flags: Record<string, unknown>, cwd = process.cwd(), env = process.env): SettingsInput {
  const plugin = readPluginOptions(cwd);
  return {
    flags,
    env,
    nxJson: plugin.registered
      ? { index: plugin.index ?? 0, options: plugin.options as Record<string, unknown> }
      : undefined,
    ctx: settingContext(cwd),
    sourceProblems: plugin.problem
      ? [
          {
            code: 'FLEET_NX_JSON_INVALID',
            key: '(nx.json)',
            label: 'nx.json',
            source: 'nx.json',
            message: plugin.problem,
          },
        ]
      : [],
  };
}

/** Prints the warnings once, and fails with every problem (the first one's code when only one). */
export function settingsOrFail<T>(r: CommandSettingsResult<T>): T {
  for (const w of r.warnings) process.stderr.write(`fleet: warning: ${w}\n`);
  if (r.ok) return r.settings;
  const codes = [...new Set(r.problems.map((p) => p.code))];
  return fail(
    `invalid options:\n${r.problems.map((p) => `  - ${formatProblem(p)}`).join('\n')}`,
    codes.length === 1 ? codes[0] : 'FLEET_INVALID_OPTION',
  );
}

/** Resolves a command's settings from its parsed flags; fails with all problems. */
export function resolveFromCommand<T>(cmd: Command, settings: CommandSettings<T>, cwd = process.cwd()): T {
  return settingsOrFail(settings.resolve(settingsInput(flagValues(cmd, settings.settings), cwd)));
}
