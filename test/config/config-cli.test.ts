import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generateLevelKeys } from '../../runner';
import { repoRoot } from '../rig';

// `fleet config` end to end: the built CLI, a temporary workspace with its own nx.json.

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-config-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const keys = generateLevelKeys();
const keyFile = path.join(dir, 'level.key');
fs.writeFileSync(keyFile, keys.privateKey);
const SECRETS = ['s3cret-token', 'redis-pa55', keys.privateKey.split('\n')[1]];

function nxJson(options: unknown): void {
  fs.writeFileSync(path.join(dir, 'nx.json'), JSON.stringify({ plugins: ['@nx/js', { plugin: 'nx-fleet', options }] }));
}

function fleetConfig(args: string[], env: Record<string, string> = {}) {
  const clean = Object.fromEntries(Object.entries(process.env).filter(([k]) => !k.startsWith('FLEET_')));
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'cli', 'main.js'), 'config', ...args], {
    cwd: dir,
    env: { ...clean, ...env },
    encoding: 'utf8',
  });
  // Secrets never reach any output, valid or not.
  for (const s of SECRETS) {
    expect(r.stdout).not.toContain(s);
    expect(r.stderr).not.toContain(s);
  }
  return r;
}

type Report = {
  ok: boolean;
  disabled: boolean;
  commands: Array<{
    command: string;
    ok: boolean;
    settings: Array<{ key: string; value: unknown; source: { kind: string; name: string }; secret: boolean }>;
    problems: Array<{ code: string; key: string; source: string; message: string }>;
    warnings: string[];
  }>;
};

const ENV = {
  FLEET_REDIS_URL: 'redis://:redis-pa55@127.0.0.1:6399',
  FLEET_CACHE_URL: 'http://127.0.0.1:8420',
  FLEET_SIGNING_KEY_FILE: keyFile,
  FLEET_CACHE_TOKEN: 's3cret-token',
};

describe('fleet config', () => {
  it('--json --command run: every value with its source (flag, variable, file, nx.json, default), secrets masked', () => {
    nxJson({ run: { maxAttempts: 5, taskTimeout: '15m' } });
    const r = fleetConfig(['--json', '--command', 'run', '--', '--retry-failed', '2', '--stream'], ENV);
    expect(r.status, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Report;
    expect(report).toMatchObject({ ok: true, disabled: false });
    const run = report.commands[0];
    const by = Object.fromEntries(run.settings.map((s) => [s.key, s]));
    expect(by.retryFailed).toMatchObject({ value: 2, source: { kind: 'flag', name: '--retry-failed' } });
    expect(by.stream).toMatchObject({ value: true, source: { kind: 'flag', name: '--stream' } });
    expect(by.redisUrl).toMatchObject({
      value: 'redis://:***@127.0.0.1:6399',
      source: { kind: 'env', name: 'FLEET_REDIS_URL' },
    });
    expect(by.cacheToken).toMatchObject({ value: '***', secret: true, source: { kind: 'env' } });
    expect(by.signingKey).toMatchObject({
      value: '***',
      source: { kind: 'file', name: `FLEET_SIGNING_KEY_FILE (${keyFile})` },
    });
    expect(by.maxAttempts).toMatchObject({
      value: 5,
      source: { kind: 'nx.json', name: 'nx.json plugins[1].options.run.maxAttempts' },
    });
    expect(by.taskTimeout).toMatchObject({ value: '15m', source: { kind: 'nx.json' } });
    expect(by.agentWait).toMatchObject({ value: '5m', source: { kind: 'default' } });
    expect(run.settings).toHaveLength(21);
  });

  it('exits 1 with every problem located: nx.json path, variable, flag; warns about a secret on a flag', () => {
    nxJson({ run: { maxAttempts: 0, bogus: true } });
    const r = fleetConfig(
      ['--json', '--command', 'run', '--', '--task-output', 'some', '--cache-token', 's3cret-token'],
      {
        ...ENV,
        FLEET_PUSH_REF: 'nah',
      },
    );
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('4 invalid setting(s)');
    const run = (JSON.parse(r.stdout) as Report).commands[0];
    expect(run.ok).toBe(false);
    expect(run.problems.map((p) => [p.code, p.source])).toEqual([
      ['FLEET_UNKNOWN_OPTION', 'nx.json plugins[1].options.run.bogus'],
      ['FLEET_INVALID_OPTION', 'FLEET_PUSH_REF'],
      ['FLEET_INVALID_OPTION', 'nx.json plugins[1].options.run.maxAttempts'],
      ['FLEET_INVALID_OPTION', '--task-output'],
    ]);
    expect(run.warnings.join('\n')).toMatch(/--cache-token is deprecated/);
    const human = fleetConfig(['--command', 'run', '--', '--task-output', 'some'], ENV);
    expect(human.stdout).toMatch(/--task-output\s+\(invalid\)\s+--task-output/);
  });

  it('human output: one line per setting with its source; all three commands without --command', () => {
    nxJson({ agent: { slots: 3 }, cacheServe: { maxSize: '1GB' } });
    const r = fleetConfig([], { ...ENV, FLEET_PUBLIC_KEY: keys.publicKey, FLEET_SIGNING_KEY_FILE: '' });
    // `fleet run` lacks its signing key here: the report still shows the others, and exits 1.
    expect(r.status).toBe(1);
    expect(r.stdout).toMatch(/^fleet run$/m);
    expect(r.stdout).toMatch(/^fleet agent$/m);
    expect(r.stdout).toMatch(/^fleet cache serve$/m);
    expect(r.stdout).toMatch(/--slots\s+3\s+nx\.json plugins\[1\]\.options\.agent\.slots/);
    expect(r.stdout).toMatch(
      /--max-size\s+1000000000 \(953\.7 MiB\)\s+nx\.json plugins\[1\]\.options\.cacheServe\.maxSize/,
    );
    expect(r.stdout).toMatch(/FLEET_SIGNING_KEY: required .*\[FLEET_NO_SIGNING_KEY\]/);
    expect(r.stdout).toMatch(/FLEET_SIGNING_KEY\s+\(unset\)\s+default/);
  });

  it('--command accepts cache-serve and "cache serve"; a bad name or nx.json is located', () => {
    nxJson({});
    for (const args of [
      ['--command', 'cache-serve'],
      ['--command', 'cache', 'serve'],
    ]) {
      const r = fleetConfig(['--json', ...args, '--', '--port', '0'], { FLEET_STORE: 'redis://:redis-pa55@h:1' });
      expect(r.status, r.stderr).toBe(0);
      const serve = (JSON.parse(r.stdout) as Report).commands;
      expect(serve.map((c) => c.command)).toEqual(['cache serve']);
      expect(serve[0].settings.find((s) => s.key === 'store')!.value).toBe('redis://:***@h:1');
    }
    expect(fleetConfig(['--command', 'deploy']).stderr).toContain(
      '--command: expected run, agent, cache-serve (or "cache serve") or history',
    );
    nxJson({ history: { db: 'from-nx.db' } });
    const h = fleetConfig(['--json', '--command', 'history'], { FLEET_HISTORY: 'off', FLEET_HISTORY_TOKEN: 'flc_x' });
    const history = (JSON.parse(h.stdout) as Report).commands[0];
    expect(history.command).toBe('history');
    expect(h.status).toBe(1); // a token without FLEET_HISTORY_URL
    expect(history.settings.find((s) => s.key === 'db')!.value).toBe('from-nx.db');
    expect(h.stdout).not.toContain('flc_x');
    fs.writeFileSync(path.join(dir, 'nx.json'), '{ "plugins": [');
    const bad = fleetConfig(['--json', '--command', 'agent'], { ...ENV, FLEET_PUBLIC_KEY: keys.publicKey });
    expect(bad.status).toBe(1);
    expect((JSON.parse(bad.stdout) as Report).commands[0].problems[0].code).toBe('FLEET_NX_JSON_INVALID');
  });

  it('FLEET_DISABLE is reported, strictly parsed', () => {
    nxJson({});
    const on = JSON.parse(
      fleetConfig(['--json', '--command', 'cache-serve'], { FLEET_DISABLE: 'yes' }).stdout,
    ) as Report;
    expect(on.disabled).toBe(true);
    const bad = fleetConfig(['--json', '--command', 'cache-serve'], { FLEET_DISABLE: 'sure' });
    expect(bad.status).toBe(1);
    expect(JSON.parse(bad.stdout).problems[0]).toMatchObject({ source: 'FLEET_DISABLE' });
  });
});
