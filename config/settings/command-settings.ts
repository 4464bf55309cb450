import { nxJsonPath, resolveSettings, type SettingsInput } from './resolve-settings';
import type { ResolvedSetting, SettingProblem, SettingSpec } from './setting-spec';

export type CommandSettingsResult<T> =
  | { ok: true; settings: T; entries: ResolvedSetting[]; warnings: string[] }
  | { ok: false; problems: SettingProblem[]; entries: ResolvedSetting[]; warnings: string[] };

/** The settings of one command: what `fleet config`, the reference and the command itself use. */
export interface CommandSettings<T> {
  /** As typed: `run`, `agent`, `cache serve`. */
  command: string;
  /** Its section in nx-fleet's plugin options: `run`, `agent`, `cacheServe`; null: flags and variables only. */
  section: string | null;
  settings: readonly SettingSpec[];
  /** Flags > `FLEET_*` > nx.json > defaults, checked; every problem at once. */
  resolve(input: SettingsInput): CommandSettingsResult<T>;
}

export interface CommandSettingsDefinition<T> {
  command: string;
  section: string | null;
  settings: readonly SettingSpec[];
  /**
   * Checks between settings, and facts of the environment (`FLEET_SECRET` is gone, ...); `at`
   * locates a problem at a setting and the source of its value. Sees only values that parsed.
   */
  check?(values: Record<string, unknown>, at: ProblemAt, input: SettingsInput): SettingProblem[];
  /** The typed settings object, from values that are all valid. */
  build(values: Record<string, unknown>): T;
}

/** Builds a problem located at a setting and at the source its value came from. */
export type ProblemAt = (spec: SettingSpec, code: string, message: string) => SettingProblem;

const problemAt =
  (entries: ResolvedSetting[]): ProblemAt =>
  (spec, code, message) => {
    const label = spec.flag ?? spec.env;
    const source = entries.find((e) => e.key === spec.key)?.source;
    return { code, key: spec.key, label, source: source && source.kind !== 'default' ? source.name : label, message };
  };

export function defineCommandSettings<T>(def: CommandSettingsDefinition<T>): CommandSettings<T> {
  const keys = new Set<string>();
  for (const s of def.settings) {
    if (keys.has(s.key)) throw new Error(`${def.command}: setting ${s.key} declared twice`);
    keys.add(s.key);
  }
  return {
    command: def.command,
    section: def.section,
    settings: def.settings,
    resolve(input) {
      const scoped = def.section === null ? { ...input, nxJson: undefined } : input;
      const r = resolveSettings(def.settings, scoped, def.section ?? '');
      const bad = new Set(r.problems.map((p) => p.key));
      // Checks see only the values that parsed, so one bad value is reported once.
      const valid = Object.fromEntries(Object.entries(r.values).filter(([k]) => !bad.has(k)));
      const problems = [
        ...(def.section === null ? [] : (input.sourceProblems ?? [])),
        ...r.problems,
        ...(def.check?.(valid, problemAt(r.entries), scoped) ?? []),
      ];
      return problems.length
        ? { ok: false, problems, entries: r.entries, warnings: r.warnings }
        : { ok: true, settings: def.build(r.values), entries: r.entries, warnings: r.warnings };
    },
  };
}

export { nxJsonPath };
