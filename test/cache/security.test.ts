import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as os from 'node:os';
import { appendToken, generateToken, hashToken, storeStats, type Namespace } from '../../cache';
import { serveInProcess } from './support/in-process';
import { bearer, request } from './support/http-client';

const ns = (s: string): Namespace => s as Namespace;

// Token scopes against cache poisoning (CREEP), and the edges of the Nx contract.
describe('token scopes and request validation', () => {
  let srv: Awaited<ReturnType<typeof serveInProcess>>;
  const t = { main: generateToken(), pr: generateToken(), ro: generateToken() };
  let file: string;
  beforeAll(async () => {
    file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-tokens-')), 'tokens.yaml');
    await appendToken(file, { name: 'ci-main', write: ns('main'), read: [ns('main')] }, t.main);
    await appendToken(file, { name: 'pr-123', write: ns('pr-123'), read: [ns('main'), ns('pr-123')] }, t.pr);
    await appendToken(file, { name: 'reader', write: null, read: [ns('main')] }, t.ro);
    srv = await serveInProcess({ tokens: file });
  });
  afterAll(async () => {
    await srv.stop();
    fs.rmSync(srv.dir, { recursive: true, force: true });
    fs.rmSync(path.dirname(file), { recursive: true, force: true });
  });
  const put = (hash: string, token: string, body: Buffer) =>
    request(`${srv.url}/v1/cache/${hash}`, { method: 'PUT', headers: bearer(token), body });
  const get = (hash: string, token: string) => request(`${srv.url}/v1/cache/${hash}`, { headers: bearer(token) });

  it('stores only token hashes in the tokens file', () => {
    const text = fs.readFileSync(file, 'utf8');
    for (const token of Object.values(t)) {
      expect(text).not.toContain(token);
      expect(text).toContain(hashToken(token).toString('hex'));
    }
  });

  it('a pull-request token cannot write main, and main never sees its entries', async () => {
    const poisoned = Buffer.from('poisoned by a pull request');
    expect((await put('1001', t.pr, poisoned)).status).toBe(200);
    // main's CI misses (it reads only main) and stores the real artifact under the same hash.
    expect((await get('1001', t.main)).status).toBe(404);
    const real = Buffer.from('built by trusted CI');
    expect((await put('1001', t.main, real)).status).toBe(200);
    expect((await get('1001', t.main)).body).toEqual(real);
    // The PR reads main first, so it too gets the trusted artifact.
    expect((await get('1001', t.pr)).body).toEqual(real);
    // A PR's own entries are visible to the PR when main has none.
    expect((await put('1002', t.pr, poisoned)).status).toBe(200);
    expect((await get('1002', t.pr)).body).toEqual(poisoned);
    expect((await get('1002', t.main)).status).toBe(404);
  });

  it('a read-only token gets 403 on PUT and can read', async () => {
    const r = await put('2001', t.ro, Buffer.alloc(1000, 1));
    expect(r.status).toBe(403);
    expect((await get('2001', t.main)).status).toBe(404);
    expect((await get('1001', t.ro)).status).toBe(200);
  });

  it('a wrong or missing token gets 401 with content-type text/plain exactly', async () => {
    for (const headers of [bearer('flc_wrong'), {}, { authorization: 'Basic abc' }]) {
      const r = await request(`${srv.url}/v1/cache/1001`, { headers });
      expect(r.status).toBe(401);
      expect(r.headers['content-type']).toBe('text/plain');
      const w = await request(`${srv.url}/v1/cache/3001`, { method: 'PUT', headers, body: Buffer.alloc(10) });
      expect(w.status).toBe(401);
      expect(w.headers['content-type']).toBe('text/plain');
    }
  });

  it('rejects path-like and malformed hashes with 400', async () => {
    for (const bad of ['..%2Fx', '%2e%2e%2Fx', 'a.b', '%2Fetc%2Fpasswd', 'a%00b', 'x'.repeat(200), '..%5Cx']) {
      expect((await get(bad, t.main)).status, bad).toBe(400);
      expect((await put(bad, t.main, Buffer.alloc(5))).status, bad).toBe(400);
    }
    // A raw `../x` is normalised away by most clients; sent verbatim it must still not escape.
    for (const rawPath of ['/v1/cache/../x', '/v1/cache/../../etc/passwd', '/v8/artifacts/../x']) {
      const raw = await request(srv.url, { headers: bearer(t.main), rawPath });
      expect(raw.status, rawPath).toBe(400);
    }
    // Nothing landed outside the store, and the store holds only the namespaces the tokens write.
    expect(fs.readdirSync(srv.dir).filter((d) => !['.packs', '.tmp', 'main', 'pr-123'].includes(d))).toEqual([]);
    expect(fs.readdirSync(path.dirname(srv.dir)).filter((d) => d === 'x' || d === 'passwd')).toEqual([]);
    expect(Object.keys((await storeStats(srv.store)).namespaces).sort()).toEqual(['main', 'pr-123']);
  });

  it('serves /healthz and Prometheus /metrics', async () => {
    const h = await request(`${srv.url}/healthz`);
    expect(JSON.parse(h.body.toString())).toMatchObject({ status: 'ok', store: 'fs' });
    const m = (await request(`${srv.url}/metrics`)).body.toString();
    expect(m).toMatch(/^fleet_cache_hits_total\{protocol="nx"\} \d+$/m);
    expect(m).toMatch(/^fleet_cache_misses_total\{protocol="nx"\} \d+$/m);
    expect(m).toMatch(/^fleet_cache_request_duration_seconds_bucket\{route="nx_artifact",le="\+Inf"\} \d+$/m);
    expect(m).toMatch(/^fleet_cache_store_entries 3$/m);
  });
});
