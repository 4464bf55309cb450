import type { CommandSettings } from './command-settings';
import { fileEnv, fileFlag, hasFile, type SettingSpec } from './setting-spec';

const code = (s: string): string => `\`${s.replace(/\|/g, '\\|')}\``;

/** The default of a setting in words: `required`, `none`, its computed rule, or the value. */
export function defaultOf(spec: SettingSpec): string {
  if (spec.required) return 'required';
  if (spec.defaultText) return spec.defaultText;
  if (spec.default === undefined || typeof spec.default === 'function') return 'none';
  const v = spec.type.show ? spec.type.show(spec.default as never) : spec.default;
  return code(Array.isArray(v) ? v.join(',') || '(empty)' : String(v));
}

function flagsOf(spec: SettingSpec): string {
  const flags: string[] = [];
  if (spec.flag && (!spec.secret || spec.deprecatedFlag)) {
    flags.push(
      code(`${spec.flag}${spec.valueName ? ` ${spec.valueName}` : ''}`) + (spec.secret ? ' (deprecated)' : ''),
    );
    if (spec.negatable) flags.push(code(`--no-${spec.flag.slice(2)}`));
    if (spec.repeatable) flags[flags.length - 1] += ' (repeatable)';
  }
  if (hasFile(spec)) flags.push(code(`${fileFlag(spec)} <file>`));
  return flags.join(', ');
}

/**
 * The reference table of one command, generated from its declarations (docs/reference.md holds
 * it between `<!-- settings:COMMAND -->` markers; test/config/reference.test.ts keeps it equal).
 */
export function renderSettingsTable(cmd: Pick<CommandSettings<unknown>, 'settings' | 'section'>): string {
  const rows = cmd.settings.map((s) => {
    const env = [code(s.env), ...(hasFile(s) ? [code(fileEnv(s))] : [])].join(', ');
    const nx = s.secret || s.noNxJson || cmd.section === null ? '—' : code(`${cmd.section}.${s.key}`);
    const meaning = `${s.description}${s.secret ? ' **Secret**: never from nx.json, masked in output.' : ''}`;
    return `| ${flagsOf(s) || '—'} | ${env} | ${nx} | ${defaultOf(s)} | ${s.type.syntax.replace(/\|/g, '\\|')} | ${meaning.replace(/\|/g, '\\|')} |`;
  });
  return ['| flag | environment | nx.json | default | syntax | meaning |', '|---|---|---|---|---|---|', ...rows].join(
    '\n',
  );
}

const marker = (command: string, end = false): string => `<!-- ${end ? '/' : ''}settings:${command} -->`;

/** Replaces (or, in `check` use, extracts) the generated table of `command` in a markdown text. */
export function generatedSection(doc: string, command: string): { start: number; end: number } | null {
  const a = doc.indexOf(marker(command));
  const b = doc.indexOf(marker(command, true));
  if (a < 0 || b < a) return null;
  return { start: a + marker(command).length, end: b };
}

/** `doc` with the table of every command regenerated between its markers. */
export function updateReference(doc: string, commands: ReadonlyArray<CommandSettings<unknown>>): string {
  let out = doc;
  for (const cmd of commands) {
    const at = generatedSection(out, cmd.command);
    if (!at) throw new Error(`docs/reference.md: no ${marker(cmd.command)} … ${marker(cmd.command, true)} markers`);
    out = `${out.slice(0, at.start)}\n${renderSettingsTable(cmd)}\n${out.slice(at.end)}`;
  }
  return out;
}
