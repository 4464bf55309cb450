import type { ValueType } from './value-type';

/** What a setting's default may depend on: facts of the machine, and the settings before it. */
export interface SettingContext {
  cwd: string;
  cpus: number;
  hostname: string;
  pid: number;
}

/**
 * One option, declared once: its flag, variable, nx.json key, default, syntax and meaning. The
 * resolver, `fleet config`, the commander flags and docs/reference.md are all derived from it.
 *
 * @example
 * { key: 'maxAttempts', flag: '--max-attempts', valueName: '<n>', env: 'FLEET_MAX_ATTEMPTS',
 *   type: valueTypes.integer(1), default: 3, description: 'attempts in all after infrastructure failures' }
 */
export interface SettingSpec<T = unknown> {
  /** camelCase name; also its key in the command's nx.json section (`options.run.maxAttempts`). */
  key: string;
  /** The flag without its value, e.g. `--max-attempts`. A secret has one only when `deprecatedFlag`. */
  flag?: string;
  /** Placeholder of the flag's value, e.g. `<n>`; absent: a switch (`--stream`). */
  valueName?: string;
  /** The switch also has a `--no-<name>` form. */
  negatable?: boolean;
  /** The flag may be given several times: its values reach the type as a list. */
  repeatable?: boolean;
  /** The `FLEET_*` variable. */
  env: string;
  type: ValueType<T>;
  /** A value, or one computed from the machine and the settings resolved before this one. */
  default?: T | ((values: Record<string, unknown>, ctx: SettingContext) => T | undefined);
  /** The default in words where it is computed or absent (`CPU count`, `none`). */
  defaultText?: string;
  /** A missing value is a problem; `code` is its stable code (default FLEET_MISSING_OPTION). */
  required?: { code?: string; why?: string };
  /**
   * Read from the environment or a file only (`--x-file`, `FLEET_X_FILE`), never from nx.json,
   * and masked in every output.
   */
  secret?: boolean;
  /** Also readable from a file: `--<flag>-file <file>` and `FLEET_X_FILE` (always on for secrets). */
  file?: boolean;
  /** A secret whose value flag existed before: it still works, with a deprecation warning. */
  deprecatedFlag?: boolean;
  /** A URL that may carry a password (Redis): the password is masked, and on a flag it warns. */
  urlPassword?: boolean;
  /** Not readable from nx.json (machine-specific: ids, folders). */
  noNxJson?: boolean;
  description: string;
}

/** Declares a setting with its value type inferred (keeps the declaration lists readable). */
export const setting = <T>(spec: SettingSpec<T>): SettingSpec<T> => spec;

/** Where a value came from. `name` is what the user wrote: `--max-attempts`, `FLEET_MAX_ATTEMPTS`, ... */
export interface SettingSource {
  kind: 'flag' | 'env' | 'file' | 'nx.json' | 'default';
  name: string;
}

/** One resolved value with its source; secrets are masked here already (`fleet config` prints it). */
export interface ResolvedSetting {
  key: string;
  flag?: string;
  env: string;
  /** The value as shown (masked when secret); null when unset. */
  shown: string | number | boolean | string[] | null;
  source: SettingSource;
  secret: boolean;
}

/** A located problem with a stable code. */
export interface SettingProblem {
  code: string;
  /** The setting (camelCase key), or `(nx.json)` for a problem of the section itself. */
  key: string;
  /** How the user names the setting: its flag, else its variable. */
  label: string;
  /** Where the bad value came from (`FLEET_PORT`, `nx.json plugins[0].options.run.maxAttempts`); the places to set it when missing. */
  source: string;
  message: string;
}

/** The variable of a setting's file: `FLEET_CACHE_TOKEN` → `FLEET_CACHE_TOKEN_FILE`. */
export const fileEnv = (spec: SettingSpec): string => `${spec.env}_FILE`;

/** The flag of a setting's file: `--cache-token` → `--cache-token-file`; from the key when it has no flag. */
export const fileFlag = (spec: SettingSpec): string =>
  `${spec.flag ?? `--${spec.key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`}-file`;

export const hasFile = (spec: SettingSpec): boolean => Boolean(spec.secret || spec.file);

/** Problem text as commands print it: `--port: expected ... (from FLEET_PORT) [FLEET_INVALID_OPTION]`. */
export function formatProblem(p: SettingProblem): string {
  const from = p.source && p.source !== p.label ? ` (from ${p.source})` : '';
  return `${p.label}: ${p.message}${from} [${p.code}]`;
}
