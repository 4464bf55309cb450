import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { generatedBody } from './support/generated-body';
import { bearer, request } from './support/http-client';
import { fleetBin, startServe } from './support/serve-process';
import { startRedis } from './support/redis-server';

const fleet = (args: string[], env: Record<string, string> = {}) =>
  spawnSync(process.execPath, [fleetBin(), 'cache', ...args], { encoding: 'utf8', env: { ...process.env, ...env } });

describe('fleet cache CLI', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-cli-'));
  afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('token create prints the token once and appends only its hash', () => {
    const file = path.join(dir, 'tokens.yaml');
    const a = fleet(['token', 'create', '--tokens', file, '--write', 'main']);
    const b = fleet(['token', 'create', '--read', 'main,pr-1', '--write', 'pr-1', '--json'], { FLEET_TOKENS: file });
    expect(a.status, a.stderr).toBe(0);
    expect(a.stdout.trim()).toMatch(/^flc_[A-Za-z0-9_-]{43}$/);
    expect(JSON.parse(b.stdout)).toMatchObject({ write: 'pr-1', read: ['main', 'pr-1'] });
    const text = fs.readFileSync(file, 'utf8');
    expect(text).not.toContain(a.stdout.trim());
    expect(text.match(/sha256: [0-9a-f]{64}/g)).toHaveLength(2);
    expect(fleet(['token', 'create', '--tokens', file, '--write', '../x']).stderr).toMatch(/not a namespace/);
  });

  it('reports every invalid serve option at once, by flag', () => {
    const r = fleet(['serve', '--max-size', 'lots', '--store', 'nope'], {
      FLEET_PORT: '99999',
      FLEET_DIRECT_UPLOADS: 'maybe',
    });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('--max-size: "lots" is not a size');
    expect(r.stderr).toContain('--store: expected fs:DIR or redis://');
    expect(r.stderr).toContain('--port: expected an integer from 0 to 65535, got "99999"');
    expect(r.stderr).toContain('--direct-uploads: expected on or off, got "maybe"');
    expect(r.stderr).toContain('[FLEET_INVALID_OPTION]');
  });

  it('reads FLEET_* variables (flag wins), logs one JSON line per request, shuts down gracefully', async () => {
    const store = path.join(dir, 'env-store');
    const s = await startServe(['--max-size', '1GB'], { FLEET_STORE: `fs:${store}`, FLEET_MAX_SIZE: 'bogus' });
    await request(`${s.url}/v1/cache/11`, { method: 'PUT', body: randomBytes(2000) });
    // A small entry: a record in the store's first pack.
    expect(fs.statSync(path.join(store, '.packs', '1.pack')).size).toBeGreaterThan(2000);
    // An upload in flight when SIGTERM arrives still completes.
    const body = generatedBody(64 * 1024 * 1024);
    const upload = request(`${s.url}/v1/cache/12`, {
      method: 'PUT',
      headers: { 'content-length': 64 * 1024 * 1024 },
      body: body.stream,
    });
    await new Promise((r) => setTimeout(r, 30));
    const exit = s.stop();
    expect((await upload).status).toBe(200);
    expect(await exit).toBe(0);
    const lines = s.lines().filter((l) => l.msg === 'request');
    expect(lines.map((l) => [l.method, l.status])).toEqual([
      ['PUT', 200],
      ['PUT', 200],
    ]);
    expect(s.lines().some((l) => l.msg === 'shutting down')).toBe(true);
  });

  it('verify finds a corrupted body; stats counts per namespace (fs and redis)', async () => {
    const store = path.join(dir, 'env-store');
    const file = path.join(store, '.packs', '1.pack');
    const buf = fs.readFileSync(file);
    buf[buf.length - 1] ^= 0xff; // the last byte of entry 11's body
    fs.writeFileSync(file, buf);
    const v = fleet(['verify', '--store', `fs:${store}`, '--json']);
    expect(v.status).toBe(1);
    expect(JSON.parse(v.stdout)).toMatchObject({
      checked: 2,
      corrupt: [{ namespace: 'default', hash: '11', reason: 'CORRUPT', removed: false }],
    });
    expect(
      JSON.parse(fleet(['verify', '--store', `fs:${store}`, '--remove', '--json']).stdout).corrupt[0].removed,
    ).toBe(true);
    expect(JSON.parse(fleet(['stats', '--store', `fs:${store}`, '--json']).stdout)).toMatchObject({
      store: 'fs',
      entries: 1,
      namespaces: { default: 1 },
    });

    const redis = await startRedis();
    try {
      const s = await startServe(['--store', redis.url, '--log', 'off']);
      const big = await request(`${s.url}/v1/cache/21`, { method: 'PUT', body: randomBytes(65 * 1024 * 1024) });
      expect(big.status).toBe(413);
      expect(big.body.toString()).toMatch(/--max-entry-size/);
      expect(
        (
          await request(`${s.url}/v1/cache/22`, {
            method: 'PUT',
            body: randomBytes(5000),
            headers: bearer('ignored-when-open'),
          })
        ).status,
      ).toBe(200);
      expect((await request(`${s.url}/v1/cache/22`)).body.length).toBe(5000);
      await s.stop();
      expect(JSON.parse(fleet(['stats', '--store', redis.url, '--json']).stdout)).toMatchObject({
        store: 'redis',
        entries: 1,
        bytes: 5000,
      });
    } finally {
      await redis.stop();
    }
  });
});
