import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadSqlite, openRunStore, resolveHistorySettings, RECORD_FORMAT, type RunRecord } from '../../analytics';
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

describe('history settings (on the settings layer, every problem at once)', () => {
  const ws = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-history-settings-'));
  const withNxJson = (options: unknown): string => {
    const root = fs.mkdtempSync(path.join(ws, 'ws-'));
    fs.writeFileSync(path.join(root, 'nx.json'), JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options }] }));
    return root;
  };

  it('strict booleans for FLEET_HISTORY', () => {
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
      ['enabled', null],
    ];
    for (const [text, want] of cases) {
      const r = resolveHistorySettings({ FLEET_HISTORY: text }, ws);
      expect(r.ok ? r.settings.enabled : null, text).toBe(want);
    }
    console.log(`strict boolean: ${cases.length} cases`);
  });

  it('defaults, and all problems reported together with their sources', () => {
    const ok = resolveHistorySettings({}, ws);
    expect(ok).toEqual({
      ok: true,
      settings: { enabled: true, dbPath: path.join(ws, '.nx/fleet/history.db'), remote: null },
    });
    const bad = resolveHistorySettings({ FLEET_HISTORY: 'perhaps', FLEET_HISTORY_URL: 'ftp://x' }, ws);
    expect(bad.ok).toBe(false);
    const problems = bad.ok ? [] : bad.problems;
    expect(problems).toHaveLength(2);
    expect(problems[0]).toMatch(/FLEET_HISTORY.*"perhaps"/);
    expect(problems[1]).toMatch(/FLEET_HISTORY_URL.*ftp:/);
    const lone = resolveHistorySettings({ FLEET_HISTORY_TOKEN: 't' }, ws);
    expect(!lone.ok && lone.problems.join()).toMatch(/FLEET_HISTORY_TOKEN.*set without FLEET_HISTORY_URL/);
  });

  it('precedence: --db flag > FLEET_HISTORY_DB > nx.json history section > default; the token from a file', () => {
    const root = withNxJson({ history: { enabled: false, db: 'from-nx.db', url: 'http://central:8420/' } });
    const fromNx = resolveHistorySettings({}, root);
    expect(fromNx).toEqual({
      ok: true,
      settings: {
        enabled: false,
        dbPath: path.join(root, 'from-nx.db'),
        remote: { url: 'http://central:8420', token: null },
      },
    });
    const fromEnv = resolveHistorySettings({ FLEET_HISTORY: 'on', FLEET_HISTORY_DB: 'env.db' }, root);
    expect(fromEnv.ok && [fromEnv.settings.enabled, fromEnv.settings.dbPath]).toEqual([
      true,
      path.join(root, 'env.db'),
    ]);
    const fromFlag = resolveHistorySettings({ FLEET_HISTORY_DB: 'env.db' }, root, { db: 'flag.db' });
    expect(fromFlag.ok && fromFlag.settings.dbPath).toBe(path.join(root, 'flag.db'));
    const tokenFile = path.join(root, 'token');
    fs.writeFileSync(tokenFile, 'flc_secret\n');
    const withToken = resolveHistorySettings({ FLEET_HISTORY_TOKEN_FILE: tokenFile }, root);
    expect(withToken.ok && withToken.settings.remote).toEqual({ url: 'http://central:8420', token: 'flc_secret' });
    const badNx = resolveHistorySettings({}, withNxJson({ history: { enabled: 'sometimes' } }));
    expect(!badNx.ok && badNx.problems.join()).toMatch(/plugins\[0\]\.options\.history\.enabled/);
  });
});
