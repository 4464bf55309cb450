import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  loadSqlite,
  openRunStore,
  resolveHistorySettings,
  parseStrictBoolean,
  RECORD_FORMAT,
  type RunRecord,
} from '../../analytics';
import { SCHEMA_VERSION } from '../../analytics/store-schema';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-store-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function sqlite() {
  const s = loadSqlite();
  if (!s.ok) throw new Error(s.message);
  return s.Database;
}

function run(runId: string, hash: string, files: Array<[string, string]>): RunRecord {
  return {
    format: RECORD_FORMAT,
    runId,
    namespace: 'local',
    command: 'nx run a:build',
    argv: ['run', 'a:build'],
    branch: 'main',
    commit: 'c0ffee',
    machine: 'm',
    startTime: 1000,
    endTime: 2000,
    tasks: [
      {
        taskId: 'a:build',
        project: 'a',
        target: 'build',
        configuration: null,
        hash,
        status: 'success',
        cache: 'miss',
        startTime: 1100,
        endTime: 1900,
        exitCode: 0,
        outputBytes: 3,
        hashDetails: { command: '1', nodes: { 'a:files': '2' } },
        manifest: { files, environment: [], runtime: [], external: [], depOutputs: [] },
      },
    ],
  };
}

describe('run store', () => {
  it('a missing driver is data, not an exception', () => {
    const r = loadSqlite('/nonexistent/better-sqlite3');
    expect(r.ok).toBe(false);
    expect(!r.ok && r.code).toBe('HISTORY_SQLITE_UNAVAILABLE');
  });

  it('WAL, versioned schema, self-ignoring folder; manifests stored once per content', () => {
    const file = path.join(dir, 'a', 'history.db');
    const opened = openRunStore({ Database: sqlite(), file });
    if (!opened.ok) throw new Error(opened.message);
    const s = opened.store;
    expect(s.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(fs.readFileSync(path.join(dir, 'a', '.gitignore'), 'utf8')).toBe('*\n');
    const files: Array<[string, string]> = [
      ['a/x.ts', '11'],
      ['a/y.ts', '12'],
    ];
    expect(s.record(run('r1', 'h1', files)).inserted).toBe(true);
    expect(s.record(run('r1', 'h1', files)).inserted).toBe(false);
    s.record(run('r2', 'h2', files));
    s.record(run('r3', 'h3', [['a/x.ts', '99']]));
    const ids = ['r1', 'r2', 'r3'].map((id) => s.runTasks(id)[0].manifestId);
    expect(ids[0]).toBe(ids[1]);
    expect(ids[2]).not.toBe(ids[0]);
    expect(s.manifest(ids[0]!)?.files).toEqual(files);
    expect(s.manifestsByHash(['h1', 'nope'])).toEqual(new Map([['h1', ids[0]]]));
    expect(s.listRuns().map((r) => r.runId)).toEqual(['r3', 'r2', 'r1']);
    s.close();
  });

  it('a store with a newer schema is refused with HISTORY_SCHEMA_NEWER', () => {
    const file = path.join(dir, 'b.db');
    const Database = sqlite();
    const raw = new Database(file);
    raw.exec(
      `CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL); INSERT INTO meta VALUES ('schema_version', '${SCHEMA_VERSION + 1}')`,
    );
    raw.close();
    const opened = openRunStore({ Database, file });
    expect(opened.ok).toBe(false);
    expect(!opened.ok && opened.code).toBe('HISTORY_SCHEMA_NEWER');
  });

  it('a file that is not a database is HISTORY_STORE_CORRUPT', () => {
    const file = path.join(dir, 'c.db');
    fs.writeFileSync(file, 'x'.repeat(4096));
    const opened = openRunStore({ Database: sqlite(), file });
    expect(!opened.ok && opened.code).toBe('HISTORY_STORE_CORRUPT');
  });
});

describe('history settings (one pure function, every problem at once)', () => {
  it('strict booleans', () => {
    const cases: Array<[string, boolean | null]> = [
      ['1', true],
      ['TRUE', true],
      ['yes', true],
      ['on', true],
      ['0', false],
      ['false', false],
      ['No', false],
      ['off', false],
      ['2', null],
      ['', null],
      ['enabled', null],
    ];
    for (const [text, want] of cases) expect(parseStrictBoolean(text), text).toBe(want);
    console.log(`strict boolean: ${cases.length} cases`);
  });

  it('defaults, and all problems reported together', () => {
    const ok = resolveHistorySettings({}, '/ws');
    expect(ok).toEqual({ ok: true, settings: { enabled: true, dbPath: '/ws/.nx/fleet/history.db', remote: null } });
    const bad = resolveHistorySettings({ history: 'perhaps', url: 'ftp://x', token: 't' }, '/ws');
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.problems).toEqual([
      'FLEET_HISTORY: expected 1/true/yes/on or 0/false/no/off, got "perhaps"',
      'FLEET_HISTORY_URL: expected an http(s) URL, got "ftp://x"',
    ]);
    expect(resolveHistorySettings({ token: 't' }, '/ws')).toEqual({
      ok: false,
      problems: ['FLEET_HISTORY_TOKEN: set without FLEET_HISTORY_URL'],
    });
  });
});
