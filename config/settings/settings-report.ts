import type { CommandSettingsResult } from './command-settings';
import { formatProblem, type ResolvedSetting, type SettingProblem } from './setting-spec';

/** One command in `fleet config --json` (docs/json-output.md): the stable contract. */
export interface SettingsReport {
  command: string;
  ok: boolean;
  settings: Array<{
    key: string;
    flag: string | null;
    env: string;
    value: ResolvedSetting['shown'];
    source: ResolvedSetting['source'];
    secret: boolean;
  }>;
  problems: SettingProblem[];
  warnings: string[];
}

export function settingsReport(command: string, r: CommandSettingsResult<unknown>): SettingsReport {
  return {
    command,
    ok: r.ok,
    settings: r.entries.map((e) => ({
      key: e.key,
      flag: e.flag ?? null,
      env: e.env,
      value: e.shown,
      source: e.source,
      secret: e.secret,
    })),
    problems: r.ok ? [] : r.problems,
    warnings: r.warnings,
  };
}

const text = (v: ResolvedSetting['shown']): string =>
  v === null ? '(unset)' : Array.isArray(v) ? v.join(',') || '(none)' : String(v);

/** The human form of `fleet config`: one line per setting, `name  value  source`. */
export function formatSettingsReport(report: SettingsReport): string {
  const bad = new Set(report.problems.map((p) => p.key));
  const rows = report.settings.map((s) => [
    s.flag ?? s.env,
    bad.has(s.key) && s.value === null && s.source.kind !== 'default' ? '(invalid)' : text(s.value),
    s.source.name,
  ]);
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  const lines = [`fleet ${report.command}`];
  for (const [name, value, source] of rows) lines.push(`  ${name.padEnd(w0)}  ${value.padEnd(w1)}  ${source}`);
  for (const w of report.warnings) lines.push(`  warning: ${w}`);
  if (report.problems.length) {
    lines.push(`  ${report.problems.length} problem(s):`);
    for (const p of report.problems) lines.push(`  - ${formatProblem(p)}`);
  }
  return lines.join('\n') + '\n';
}
