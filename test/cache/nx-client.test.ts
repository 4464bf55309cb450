import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { clearLocal, nxCacheWorkspace, nxEnv } from './support/nx-fixture';
import { startServe, type ServeProcess } from './support/serve-process';
import { createTokens } from './support/tokens';
import type { TestWorkspace } from '../rig';

// The real Nx 24 client against `fleet cache serve` as users run it.
describe('Nx 24 client end to end', () => {
  let ws: TestWorkspace;
  let dir: string;
  const servers: ServeProcess[] = [];
  beforeAll(() => {
    ws = nxCacheWorkspace();
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-nx-e2e-'));
  });
  afterAll(async () => {
    for (const s of servers) await s.stop();
    ws.dispose();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  const serve = async (args: string[]): Promise<ServeProcess> => {
    const s = await startServe(args);
    servers.push(s);
    return s;
  };
  // Nx asks (GET, a miss) and then uploads (PUT): two request lines per run.
  const puts = async (s: ServeProcess): Promise<unknown[]> =>
    (await s.requests(2)).filter((l) => l.method === 'PUT').map((l) => l.status);

  it('uploads on the first run and restores from the remote cache on the second', async () => {
    const tokens = path.join(dir, 'tokens.yaml');
    const { main } = createTokens(tokens, { main: ['--write', 'main'] });
    const s = await serve(['--store', `fs:${path.join(dir, 'store')}`, '--tokens', tokens]);
    clearLocal(ws);
    const first = ws.nxOk(['run', 'a:build'], { env: nxEnv(s.url, main) });
    expect(first).not.toContain('[remote cache]');
    expect(await puts(s)).toEqual([200]);
    clearLocal(ws);
    const second = ws.nxOk(['run', 'a:build'], { env: nxEnv(s.url, main) });
    expect(second).toContain('[remote cache]');
    expect(ws.read('apps/a/out/result.txt')).toMatch(/^built a+$/);
    expect(JSON.parse(ws.read('tasks.json'))).toEqual({ 'a:build': 'remote-cache' });
  });

  it('an upload large enough to be read straight from the socket (several MB of outputs) goes up and comes back intact', async () => {
    const big = nxCacheWorkspace({ blobBytes: 6 * 1024 * 1024 });
    try {
      const s = await serve(['--store', `fs:${path.join(dir, 'big-store')}`]);
      clearLocal(big);
      big.nxOk(['run', 'a:build'], { env: nxEnv(s.url) });
      const put = (await s.requests(2)).find((l) => l.method === 'PUT');
      expect(put).toMatchObject({ status: 200, direct: true });
      expect(put?.bytesIn).toBeGreaterThan(6 * 1024 * 1024);
      const built = fs.readFileSync(path.join(big.root, 'apps/a/out/blob.bin'));
      clearLocal(big);
      expect(big.nxOk(['run', 'a:build'], { env: nxEnv(s.url) })).toContain('[remote cache]');
      expect(fs.readFileSync(path.join(big.root, 'apps/a/out/blob.bin')).equals(built)).toBe(true);
      expect(JSON.parse(big.read('tasks.json'))).toEqual({ 'a:build': 'remote-cache' });
    } finally {
      big.dispose();
    }
  });

  it('a read-only token gets 403 on upload and the Nx run still succeeds', async () => {
    const tokens = path.join(dir, 'ro-tokens.yaml');
    const { ro } = createTokens(tokens, { ro: ['--read', 'main'] });
    const s = await serve(['--store', `fs:${path.join(dir, 'ro-store')}`, '--tokens', tokens]);
    clearLocal(ws);
    const r = ws.nx(['run', 'a:build'], { env: nxEnv(s.url, ro) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    expect(await puts(s)).toEqual([403]);
    expect(JSON.parse(ws.read('tasks.json'))).toEqual({ 'a:build': 'success' });
  });

  it('a store at its hard limit refuses the write and the Nx run still succeeds', async () => {
    const s = await serve([
      '--store',
      `fs:${path.join(dir, 'full-store')}`,
      '--max-size',
      '1KB',
      '--hard-limit',
      '1KB',
    ]);
    clearLocal(ws);
    const r = ws.nx(['run', 'a:build'], { env: nxEnv(s.url) });
    expect(r.code, r.stdout + r.stderr).toBe(0);
    const put = (await s.requests(2)).find((l) => l.method === 'PUT');
    expect(put).toMatchObject({ status: 403, code: 'STORE_FULL' });
    expect(fs.readdirSync(path.join(dir, 'full-store')).filter((d) => !d.startsWith('.'))).toEqual([]);
    expect(fs.readdirSync(path.join(dir, 'full-store', '.packs'))).toEqual([]);
  });

  it('a wrong token makes Nx report Unauthorized (401 text/plain is understood)', async () => {
    const tokens = path.join(dir, 'wrong-tokens.yaml');
    createTokens(tokens, { main: ['--write', 'main'] });
    const s = await serve(['--store', `fs:${path.join(dir, 'wrong-store')}`, '--tokens', tokens]);
    clearLocal(ws);
    const r = ws.nx(['run', 'a:build'], { env: nxEnv(s.url, 'flc_not-a-token') });
    expect(r.stdout + r.stderr).toMatch(/Unauthorized/);
  });
});
