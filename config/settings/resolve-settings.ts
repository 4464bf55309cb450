import * as fs from 'node:fs';
import { maskUrlPassword } from './parse-url';
import {
  fileEnv,
  fileFlag,
  hasFile,
  type ResolvedSetting,
  type SettingContext,
  type SettingProblem,
  type SettingSource,
  type SettingSpec,
} from './setting-spec';

/** nx-fleet's entry in nx.json: `plugins[index].options`. */
export interface NxJsonPlugin {
  index: number;
  options: Record<string, unknown>;
}

/** A command's section of it (`plugins[index].options[section]`). */
interface NxJsonSection {
  index: number;
  section: string;
  values: unknown;
}

/** Everything a command's settings are resolved from. Nothing else is read (files named by `*_FILE` aside). */
export interface SettingsInput {
  /** Values given on the command line, by setting key (`cacheTokenFile` for `--cache-token-file`). */
  flags: Record<string, unknown>;
  env: NodeJS.ProcessEnv;
  /** Absent when nx.json does not register nx-fleet. */
  nxJson?: NxJsonPlugin;
  ctx: SettingContext;
  readFile?: (file: string) => string;
  /** Problems of the sources themselves (an nx.json that is not JSON); reported with the settings' own. */
  sourceProblems?: SettingProblem[];
}

export interface SettingsResolution {
  /** Key → value; unset optional settings are undefined. Valid only when `problems` is empty. */
  values: Record<string, unknown>;
  /** One per setting, in declaration order, with its source. */
  entries: ResolvedSetting[];
  problems: SettingProblem[];
  /** Deprecations (a secret on a flag): the command prints each once. */
  warnings: string[];
}

interface Candidate {
  raw: unknown;
  source: SettingSource;
}

export const nxJsonPath = (nx: { index: number; section: string }, key?: string): string =>
  `nx.json plugins[${nx.index}].options.${nx.section}${key ? `.${key}` : ''}`;

const labelOf = (spec: SettingSpec): string => spec.flag ?? spec.env;

/** The places a setting can be set, in precedence order, for "is required" messages. */
function places(spec: SettingSpec, nx?: NxJsonSection): string {
  const all = [
    spec.flag && (!spec.secret || spec.deprecatedFlag) ? spec.flag : undefined,
    hasFile(spec) ? fileFlag(spec) : undefined,
    spec.env,
    hasFile(spec) ? fileEnv(spec) : undefined,
    nx && !spec.secret && !spec.noNxJson ? nxJsonPath(nx, spec.key) : undefined,
  ].filter((p): p is string => Boolean(p));
  return all.length > 1 ? `${all.slice(0, -1).join(', ')} or ${all.at(-1)}` : all[0];
}

const hasPassword = (raw: unknown): boolean => {
  try {
    return typeof raw === 'string' && new URL(raw).password !== '';
  } catch {
    return false;
  }
};

/** The candidates of one setting, highest precedence first, and the problems found on the way. */
function candidatesOf(
  spec: SettingSpec,
  input: SettingsInput,
  nx: NxJsonSection | undefined,
  out: SettingsResolution,
): Candidate[] {
  const read = input.readFile ?? ((f: string) => fs.readFileSync(f, 'utf8'));
  const problem = (code: string, source: string, message: string): void =>
    void out.problems.push({ code, key: spec.key, label: labelOf(spec), source, message });
  const fromFile = (file: unknown, name: string): Candidate | undefined => {
    try {
      return { raw: read(String(file)).trim(), source: { kind: 'file', name: `${name} (${String(file)})` } };
    } catch (err) {
      problem('FLEET_OPTION_FILE_UNREADABLE', name, `cannot read ${String(file)}: ${(err as Error).message}`);
      return undefined;
    }
  };
  const levels: Array<Array<Candidate | undefined>> = [];
  const flag = input.flags[spec.key];
  if (flag !== undefined && spec.flag) {
    if (spec.secret)
      out.warnings.push(
        `${spec.flag} is deprecated: a secret on the command line is readable by every process of the machine (ps); use ${spec.env} or ${fileFlag(spec)}`,
      );
    else if (spec.urlPassword && hasPassword(flag))
      out.warnings.push(
        `${spec.flag} with a password in the URL is deprecated: it is readable by every process of the machine (ps); use ${spec.env} or ${fileFlag(spec)}`,
      );
  }
  const flagFile = input.flags[`${spec.key}File`];
  levels.push([
    flag === undefined ? undefined : { raw: flag, source: { kind: 'flag', name: spec.flag ?? spec.key } },
    flagFile === undefined || !hasFile(spec) ? undefined : fromFile(flagFile, fileFlag(spec)),
  ]);
  const env = input.env[spec.env];
  const envFile = hasFile(spec) ? input.env[fileEnv(spec)] : undefined;
  levels.push([
    env ? { raw: env, source: { kind: 'env', name: spec.env } } : undefined,
    envFile ? fromFile(envFile, fileEnv(spec)) : undefined,
  ]);
  const section = nx?.values;
  if (nx && section && typeof section === 'object' && spec.key in section && !spec.noNxJson) {
    const raw = (section as Record<string, unknown>)[spec.key];
    const where = nxJsonPath(nx, spec.key);
    if (spec.secret)
      problem('FLEET_SECRET_IN_NX_JSON', where, `a secret must not be in nx.json (it is committed); use ${spec.env}`);
    else if (spec.urlPassword && hasPassword(raw))
      problem('FLEET_SECRET_IN_NX_JSON', where, `a password must not be in nx.json (it is committed); use ${spec.env}`);
    else levels.push([{ raw, source: { kind: 'nx.json', name: where } }]);
  }
  const chosen: Candidate[] = [];
  for (const level of levels) {
    const given = level.filter((c): c is Candidate => c !== undefined);
    if (given.length > 1)
      problem('FLEET_CONFLICTING_OPTIONS', given.map((c) => c.source.name).join(' and '), 'set one of them, not both');
    chosen.push(...given.slice(0, 1));
  }
  return chosen;
}

/** Unknown keys of the command's nx.json section: each is a problem naming the known ones. */
function sectionProblems(specs: readonly SettingSpec[], nx: NxJsonSection | undefined): SettingProblem[] {
  if (!nx || nx.values === undefined) return [];
  const where = nxJsonPath(nx);
  if (nx.values === null || typeof nx.values !== 'object' || Array.isArray(nx.values))
    return [
      { code: 'FLEET_INVALID_OPTION', key: '(nx.json)', label: where, source: where, message: 'must be an object' },
    ];
  const known = specs.filter((s) => !s.secret && !s.noNxJson).map((s) => s.key);
  return Object.keys(nx.values)
    .filter((k) => !known.includes(k) && !specs.some((s) => s.key === k))
    .map((k) => ({
      code: 'FLEET_UNKNOWN_OPTION',
      key: k,
      label: nxJsonPath(nx, k),
      source: nxJsonPath(nx, k),
      message: `unknown option; known options are: ${known.join(', ')}`,
    }));
}

function shown(spec: SettingSpec, value: unknown): ResolvedSetting['shown'] {
  if (value === undefined) return null;
  if (spec.secret) return '***';
  if (spec.urlPassword && typeof value === 'string') return maskUrlPassword(value);
  const v = spec.type.show ? spec.type.show(value as never) : value;
  return v === Infinity ? 'unlimited' : (v as ResolvedSetting['shown']);
}

/**
 * Resolves settings in declaration order: flag > `FLEET_*` variable (or its `_FILE`) >
 * nx.json section > default. Pure apart from reading the files named. Every problem is
 * collected; only the winning value of a setting is parsed (a bad variable under a good flag is
 * no problem).
 */
export function resolveSettings(
  specs: readonly SettingSpec[],
  input: SettingsInput,
  section: string,
): SettingsResolution {
  const nx: NxJsonSection | undefined = input.nxJson && {
    index: input.nxJson.index,
    section,
    values: input.nxJson.options[section],
  };
  const out: SettingsResolution = { values: {}, entries: [], problems: sectionProblems(specs, nx), warnings: [] };
  for (const spec of specs) {
    const [winner] = candidatesOf(spec, input, nx, out);
    let value: unknown;
    let source: SettingSource = { kind: 'default', name: 'default' };
    if (winner) {
      source = winner.source;
      const parsed = spec.type.parse(winner.raw);
      if (parsed.ok) value = parsed.value;
      else
        out.problems.push({
          code: parsed.code ?? 'FLEET_INVALID_OPTION',
          key: spec.key,
          label: labelOf(spec),
          source: source.name,
          message: parsed.message,
        });
    } else {
      value = typeof spec.default === 'function' ? spec.default(out.values, input.ctx) : spec.default;
      if (value === undefined && spec.required)
        out.problems.push({
          code: spec.required.code ?? 'FLEET_MISSING_OPTION',
          key: spec.key,
          label: labelOf(spec),
          source: labelOf(spec),
          message: `required${spec.required.why ? ` (${spec.required.why})` : ''}; set ${places(spec, nx)}`,
        });
    }
    out.values[spec.key] = value;
    out.entries.push({
      key: spec.key,
      flag: spec.flag,
      env: spec.env,
      shown: shown(spec, value),
      source,
      secret: Boolean(spec.secret),
    });
  }
  return out;
}
