import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  fileEnv,
  generatedSection,
  hasFile,
  renderSettingsTable,
  SETTINGS_CODES,
  sectionSchema,
  validateOptions,
  type SettingSpec,
} from '../../config';
import { REFERENCE_COMMANDS } from '../../cli/settings/reference-commands';
import { withoutSecrets } from '../../runner';
import { repoRoot } from '../rig';

const doc = fs.readFileSync(path.join(repoRoot(), 'docs', 'reference.md'), 'utf8');
const schema = JSON.parse(fs.readFileSync(path.join(repoRoot(), 'config', 'schema.json'), 'utf8')) as {
  properties: Record<string, unknown>;
};
const envNames = (s: SettingSpec): string[] => [s.env, ...(hasFile(s) ? [fileEnv(s)] : [])];
const FIX = 'run `npm run settings-docs`';

describe('docs/reference.md and config/schema.json are the declarations', () => {
  it('each command has its generated table, unchanged', () => {
    for (const cmd of REFERENCE_COMMANDS) {
      const at = generatedSection(doc, cmd.command);
      expect(at, `docs/reference.md has no <!-- settings:${cmd.command} --> section`).not.toBeNull();
      expect(doc.slice(at!.start, at!.end).trim(), `fleet ${cmd.command}: the table is stale; ${FIX}`).toBe(
        renderSettingsTable(cmd),
      );
    }
  });

  it('both ways: the variables and flags in the tables are exactly the declared ones', () => {
    let checked = 0;
    for (const cmd of REFERENCE_COMMANDS) {
      const at = generatedSection(doc, cmd.command)!;
      // Columns: flag | environment | nx.json | default | syntax | meaning.
      const rows = doc
        .slice(at.start, at.end)
        .split('\n')
        .filter((l) => l.startsWith('| ') && !l.startsWith('| flag |'))
        .map((l) => l.split(/(?<!\\)\|/).map((c) => c.trim()));
      const documented = new Set(rows.flatMap((r) => r[2].match(/\bFLEET_[A-Z0-9_]+/g) ?? []));
      const declared = new Set(cmd.settings.flatMap(envNames));
      expect([...documented].sort(), `fleet ${cmd.command}`).toEqual([...declared].sort());
      const flags = new Set(rows.flatMap((r) => r[1].match(/`--[a-z0-9-]+/g) ?? []).map((f) => f.slice(1)));
      for (const s of cmd.settings)
        if (s.flag && (!s.secret || s.deprecatedFlag)) expect(flags.has(s.flag), `${s.flag} documented`).toBe(true);
      checked += declared.size;
    }
    // The list of environment variables does not repeat them (it would drift): it points at the tables.
    const envSection = doc.slice(
      doc.indexOf('## Environment variables'),
      doc.indexOf('\n## ', doc.indexOf('## Environment variables') + 5),
    );
    const all = new Set(REFERENCE_COMMANDS.flatMap((c) => c.settings.flatMap(envNames)));
    for (const row of envSection.split('\n').filter((l) => l.startsWith('| `FLEET_'))) {
      const first = row.split('|')[1];
      for (const name of first.match(/\bFLEET_[A-Z0-9_]+/g) ?? [])
        expect(all.has(name), `${name}: listed again under Environment variables`).toBe(false);
    }
    console.log(`reference: ${checked} variables of ${REFERENCE_COMMANDS.length} commands checked both ways`);
  });

  it("config/schema.json's command sections are generated from the declarations, and ajv accepts their values", () => {
    for (const cmd of REFERENCE_COMMANDS.filter((c) => c.section !== null)) {
      expect(schema.properties[cmd.section!], `schema.json ${cmd.section} is stale; ${FIX}`).toEqual(
        sectionSchema(cmd),
      );
    }
    expect(
      validateOptions({ run: { maxAttempts: 5, taskTimeout: '15m', pushRef: 'yes' }, cacheServe: { maxSize: '1GB' } }),
    ).toEqual([]);
    expect(validateOptions({ run: { cacheToken: 'x' } })[0]).toMatchObject({ option: 'run.cacheToken' });
  });
});

describe('codes', () => {
  it('every code of the settings layer has a row in the reference', () => {
    for (const code of Object.keys(SETTINGS_CODES)) expect(doc, code).toMatch(new RegExp(`\\| \`${code}\` \\|`));
  });
});

describe('declarations', () => {
  it('names follow one rule: FLEET_ variables, kebab flags, unique within a command; secrets are never given to tasks', () => {
    let checked = 0;
    for (const cmd of REFERENCE_COMMANDS) {
      const envs = cmd.settings.flatMap(envNames);
      expect(new Set(envs).size, `fleet ${cmd.command}: duplicate variable`).toBe(envs.length);
      const flags = cmd.settings.map((s) => s.flag).filter(Boolean);
      expect(new Set(flags).size, `fleet ${cmd.command}: duplicate flag`).toBe(flags.length);
      for (const s of cmd.settings) {
        expect(s.env).toMatch(/^FLEET_[A-Z0-9_]+$/);
        if (s.flag) expect(s.flag).toMatch(/^--[a-z][a-z0-9-]*$/);
        expect(s.description.length, s.key).toBeGreaterThan(10);
        // run and agent start tasks (the replay, nx on agents): those get no secret of fleet's.
        if ((s.secret || s.urlPassword) && (cmd.command === 'run' || cmd.command === 'agent')) {
          const env = Object.fromEntries(envNames(s).map((n) => [n, 'x']));
          expect(withoutSecrets(env), `${s.env} must be removed from the tasks' environment`).toEqual({});
        }
        checked++;
      }
    }
    console.log(`declarations: ${checked} settings checked`);
  });
});
