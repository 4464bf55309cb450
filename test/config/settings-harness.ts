import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { expect } from 'vitest';
import {
  fileEnv,
  fileFlag,
  hasFile,
  resolveSettings,
  type CommandSettings,
  type SettingSpec,
  type SettingsInput,
} from '../../config';

/** Per setting: raw values that must parse (two distinct ones, for precedence) and one that must not. */
export interface Sample {
  valid: [unknown, unknown];
  invalid?: unknown;
}

export const ctx = { cwd: '/work/here', cpus: 6, hostname: 'box', pid: 42 };

/** A source to put a raw value in, named as problems and entries name it. */
interface SourceKind {
  kind: 'flag' | 'file' | 'env' | 'nx.json';
  name: (spec: SettingSpec, section: string) => string;
  applies: (spec: SettingSpec, section: string | null) => boolean;
  put: (input: SettingsInput, spec: SettingSpec, raw: unknown, tmp: string) => void;
}

const asText = (raw: unknown): string => (Array.isArray(raw) ? raw.join(',') : String(raw));

let files = 0;
const writeTemp = (tmp: string, raw: unknown): string => {
  const f = path.join(tmp, `value-${++files}`);
  fs.writeFileSync(f, `${asText(raw)}\n`);
  return f;
};

export const SOURCES: SourceKind[] = [
  {
    kind: 'flag',
    name: (s) => s.flag!,
    applies: (s) => Boolean(s.flag && (!s.secret || s.deprecatedFlag)),
    put: (i, s, raw) => void (i.flags[s.key] = s.valueName ? asText(raw) : raw),
  },
  {
    kind: 'file',
    name: (s) => fileFlag(s),
    applies: (s) => hasFile(s),
    put: (i, s, raw, tmp) => void (i.flags[`${s.key}File`] = writeTemp(tmp, raw)),
  },
  { kind: 'env', name: (s) => s.env, applies: () => true, put: (i, s, raw) => void (i.env[s.env] = asText(raw)) },
  {
    kind: 'file',
    name: (s) => fileEnv(s),
    applies: (s) => hasFile(s),
    put: (i, s, raw, tmp) => void (i.env[fileEnv(s)] = writeTemp(tmp, raw)),
  },
  {
    kind: 'nx.json',
    name: (s, section) => `nx.json plugins[2].options.${section}.${s.key}`,
    applies: (s, section) => section !== null && !s.secret && !s.noNxJson,
    put: (i, s, raw) => {
      const section = Object.keys(i.nxJson!.options)[0];
      (i.nxJson!.options[section] as Record<string, unknown>)[s.key] = raw;
    },
  },
];

export function emptyInput(section: string | null, base: Record<string, string> = {}): SettingsInput {
  return { flags: {}, env: { ...base }, nxJson: { index: 2, options: { [section ?? 'none']: {} } }, ctx };
}

/**
 * Checks every setting of `cmd` from every source it can be set in: a valid value resolves with
 * that source, an invalid one is a problem located at that source, and a higher source wins over
 * every lower one. Returns the number of cases checked.
 */
export function checkEverySetting(
  cmd: CommandSettings<unknown>,
  samples: Record<string, Sample>,
  allBase: Record<string, string>,
): number {
  const keys = cmd.settings.map((s) => s.key);
  expect(Object.keys(samples).sort(), `samples of fleet ${cmd.command}`).toEqual([...keys].sort());
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-settings-'));
  let checked = 0;
  try {
    for (const spec of cmd.settings) {
      const sample = samples[spec.key];
      let base = allBase;
      const sources = SOURCES.filter((src) => src.applies(spec, cmd.section));
      const section = cmd.section ?? 'none';
      // The base gives required settings a value; the one under test starts unset.
      const { [spec.env]: _own, ...others } = base;
      base = others;
      for (const src of sources) {
        const input = emptyInput(cmd.section, base);
        src.put(input, spec, sample.valid[0], tmp);
        const r = resolveSettings(cmd.settings, input, section);
        const entry = r.entries.find((e) => e.key === spec.key)!;
        expect(
          r.problems.filter((p) => p.key === spec.key),
          `${spec.key} from ${src.name(spec, section)}`,
        ).toEqual([]);
        expect(entry.source.kind).toBe(src.kind);
        expect(entry.source.name.startsWith(src.name(spec, section))).toBe(true);
        if (spec.secret) expect(entry.shown).toBe('***');
        checked++;
        if (sample.invalid !== undefined) {
          const bad = emptyInput(cmd.section, base);
          src.put(bad, spec, sample.invalid, tmp);
          const problems = resolveSettings(cmd.settings, bad, section).problems.filter((p) => p.key === spec.key);
          expect(problems, `${spec.key} invalid from ${src.name(spec, section)}`).toHaveLength(1);
          expect(problems[0].source.startsWith(src.name(spec, section))).toBe(true);
          expect(problems[0].label).toBe(spec.flag ?? spec.env);
          checked++;
        }
      }
      // Precedence: with every source set, each one in turn is the winner once the ones above it are gone.
      for (let top = 0; top < sources.length; top++) {
        const input = emptyInput(cmd.section, base);
        sources.slice(top).forEach((src, i) => src.put(input, spec, sample.valid[i === 0 ? 0 : 1], tmp));
        // Two sources of one level (a flag and its file) conflict: keep only the winner of that level.
        const r = resolveSettings(cmd.settings, input, section);
        const entry = r.entries.find((e) => e.key === spec.key)!;
        const conflict = r.problems.find((p) => p.key === spec.key);
        if (conflict) {
          expect(conflict.code).toBe('FLEET_CONFLICTING_OPTIONS');
        } else {
          expect(
            entry.source.name.startsWith(sources[top].name(spec, section)),
            `${spec.key}: ${sources[top].name(spec, section)} wins`,
          ).toBe(true);
          const alone = emptyInput(cmd.section, base);
          sources[top].put(alone, spec, sample.valid[0], tmp);
          expect(r.values[spec.key]).toEqual(resolveSettings(cmd.settings, alone, section).values[spec.key]);
        }
        checked++;
      }
    }
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
  return checked;
}

/** Every setting invalid at once (from the variables): one problem each, none lost. */
export function checkAllProblemsAtOnce(
  cmd: CommandSettings<unknown>,
  samples: Record<string, Sample>,
  base: Record<string, string>,
): number {
  const input = emptyInput(cmd.section, base);
  const bad = cmd.settings.filter((s) => samples[s.key].invalid !== undefined);
  for (const s of bad) input.env[s.env] = asText(samples[s.key].invalid);
  const r = cmd.resolve(input);
  expect(r.ok).toBe(false);
  const keys = new Set((r.ok ? [] : r.problems).map((p) => p.key));
  for (const s of bad) expect(keys.has(s.key), s.key).toBe(true);
  return bad.length;
}
