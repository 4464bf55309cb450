import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { serveInProcess } from './support/in-process';
import { request } from './support/http-client';
import { fleetBin, startServe } from './support/serve-process';

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const tmpFiles = (dir: string): string[] => fs.readdirSync(path.join(dir, '.tmp'));

/** Sends headers and part of a body on a raw socket, then lets the caller decide how it ends. */
function partialUpload(url: string, hash: string, declared: number, part: Buffer): Promise<net.Socket> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const s = net.connect(Number(u.port), u.hostname, () => {
      s.write(
        `PUT /v1/cache/${hash} HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: ${declared}\r\n\r\n`,
      );
      s.write(part, () => resolve(s));
    });
    s.on('error', () => undefined);
  });
}

describe('faults', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });

  it('a client that disconnects mid-upload leaves nothing stored', async () => {
    const srv = await serveInProcess();
    cleanup.push(
      () => srv.stop(),
      () => fs.rmSync(srv.dir, { recursive: true, force: true }),
    );
    const sock = await partialUpload(srv.url, '4242', 4 * 1024 * 1024, randomBytes(512 * 1024));
    await new Promise((r) => setTimeout(r, 50)); // let the server start streaming to its temp file
    sock.destroy();
    for (let i = 0; i < 100 && tmpFiles(srv.dir).length > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(tmpFiles(srv.dir)).toEqual([]);
    expect((await request(`${srv.url}/v1/cache/4242`)).status).toBe(404);
    // The same key can then be stored whole.
    const body = randomBytes(4 * 1024 * 1024);
    expect((await request(`${srv.url}/v1/cache/4242`, { method: 'PUT', body })).status).toBe(200);
    expect(sha((await request(`${srv.url}/v1/cache/4242`)).body)).toBe(sha(body));
  });

  it('two concurrent PUTs of one key: one 200, one 409, and the stored body is intact', async () => {
    const srv = await serveInProcess();
    cleanup.push(
      () => srv.stop(),
      () => fs.rmSync(srv.dir, { recursive: true, force: true }),
    );
    for (let round = 0; round < 5; round++) {
      const a = randomBytes(3 * 1024 * 1024);
      const b = randomBytes(3 * 1024 * 1024);
      const hash = `77${round}`;
      const [ra, rb] = await Promise.all(
        [a, b].map((body) => request(`${srv.url}/v1/cache/${hash}`, { method: 'PUT', body })),
      );
      expect([ra.status, rb.status].sort()).toEqual([200, 409]);
      const got = (await request(`${srv.url}/v1/cache/${hash}`)).body;
      expect(sha(got)).toBe(sha(ra.status === 200 ? a : b));
    }
  });

  it('two concurrent PUTs of one small key (pack path): one 200, one 409, then the body is readable', async () => {
    const srv = await serveInProcess();
    cleanup.push(
      () => srv.stop(),
      () => fs.rmSync(srv.dir, { recursive: true, force: true }),
    );
    for (let round = 0; round < 20; round++) {
      const bodies = [randomBytes(10 * 1024), randomBytes(10 * 1024), randomBytes(10 * 1024)];
      const hash = `55${round}`;
      const rs = await Promise.all(
        bodies.map((body) => request(`${srv.url}/v1/cache/${hash}`, { method: 'PUT', body })),
      );
      expect(rs.map((r) => r.status).sort()).toEqual([200, 409, 409]);
      // A 409 means the entry is there: a GET right after it hits.
      const got = (await request(`${srv.url}/v1/cache/${hash}`)).body;
      expect(sha(got)).toBe(sha(bodies[rs.findIndex((r) => r.status === 200)]));
    }
  });

  it('a client that goes away mid-download does not disturb other downloads (reused read buffers)', async () => {
    const srv = await serveInProcess();
    cleanup.push(
      () => srv.stop(),
      () => fs.rmSync(srv.dir, { recursive: true, force: true }),
    );
    const bodies = [randomBytes(9 * 1024 * 1024), randomBytes(7 * 1024 * 1024)];
    for (let i = 0; i < bodies.length; i++)
      expect((await request(`${srv.url}/v1/cache/88${i}`, { method: 'PUT', body: bodies[i] })).status).toBe(200);
    for (let round = 0; round < 5; round++) {
      // A raw GET read for a moment, then dropped, while whole GETs run beside it.
      const u = new URL(srv.url);
      const dropped = new Promise<number>((resolve) => {
        let got = 0;
        const s = net.connect(Number(u.port), u.hostname, () =>
          s.write(`GET /v1/cache/880 HTTP/1.1\r\nhost: x\r\n\r\n`),
        );
        s.on('data', (c: Buffer) => {
          got += c.length;
          if (got > 2 * 1024 * 1024) {
            s.destroy();
            resolve(got);
          }
        });
        s.on('error', () => resolve(got));
      });
      const whole = await Promise.all([
        request(`${srv.url}/v1/cache/880`),
        request(`${srv.url}/v1/cache/881`),
        dropped,
      ]);
      expect(sha(whole[0].body)).toBe(sha(bodies[0]));
      expect(sha(whole[1].body)).toBe(sha(bodies[1]));
    }
    expect(sha((await request(`${srv.url}/v1/cache/881`)).body)).toBe(sha(bodies[1]));
  });

  it('fleet cache verify beside a running server leaves its uploads in flight alone', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-beside-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const s = await startServe(['--store', `fs:${dir}`, '--log', 'off']);
    cleanup.push(() => void s.stop());
    expect((await request(`${s.url}/v1/cache/6160`, { method: 'PUT', body: randomBytes(5000) })).status).toBe(200);
    const body = randomBytes(4 * 1024 * 1024);
    const sock = await partialUpload(s.url, '6161', body.length, body.subarray(0, 1024 * 1024));
    for (let i = 0; i < 100 && tmpFiles(dir).length === 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(tmpFiles(dir)).toHaveLength(1);
    const v = spawnSync(process.execPath, [fleetBin(), 'cache', 'verify', '--store', `fs:${dir}`, '--json'], {
      encoding: 'utf8',
    });
    expect(v.status, v.stderr).toBe(0);
    expect(JSON.parse(v.stdout)).toMatchObject({ checked: 1, corrupt: [] });
    expect(tmpFiles(dir)).toHaveLength(1);
    const answer = new Promise<string>((resolve) => {
      let text = '';
      sock.on('data', (c: Buffer) => {
        text += c.toString('latin1');
        if (text.includes('\r\n\r\n')) resolve(text);
      });
    });
    sock.write(body.subarray(1024 * 1024));
    expect((await answer).split('\r\n')[0]).toBe('HTTP/1.1 200 OK');
    sock.destroy();
    expect(sha((await request(`${s.url}/v1/cache/6161`)).body)).toBe(sha(body));
  });

  it('kill -9 during uploads, restart: every served body matches what was uploaded', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-kill-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const bodies = new Map(Array.from({ length: 24 }, (_, i) => [`9${i}`, randomBytes(256 * 1024 + i * 97 * 1024)]));
    const first = await startServe(['--store', `fs:${dir}`, '--log', 'off']);
    let done = 0;
    const uploads = [...bodies].map(([hash, body]) =>
      request(`${first.url}/v1/cache/${hash}`, { method: 'PUT', body }).then(
        () => done++,
        () => null,
      ),
    );
    // Kill while some uploads have finished and others are mid-body.
    while (done < 6) await new Promise((r) => setTimeout(r, 2));
    await first.kill9();
    await Promise.all(uploads);
    const second = await startServe(['--store', `fs:${dir}`, '--log', 'off']);
    cleanup.push(() => void second.stop());
    let served = 0;
    for (const [hash, body] of bodies) {
      const r = await request(`${second.url}/v1/cache/${hash}`);
      expect([200, 404]).toContain(r.status);
      if (r.status === 200) {
        served++;
        expect(sha(r.body), hash).toBe(sha(body));
      }
    }
    expect(tmpFiles(dir)).toEqual([]);
    expect(served).toBeGreaterThanOrEqual(6);
    console.log(`kill -9: ${served} of ${bodies.size} uploads had completed and are served intact; the rest miss`);
  });

  it('at the hard limit writes are refused with the full status (403) and reads still work', async () => {
    const srv = await serveInProcess({ maxSize: '1MB', hardLimit: '1MB' });
    cleanup.push(
      () => srv.stop(),
      () => fs.rmSync(srv.dir, { recursive: true, force: true }),
    );
    await srv.store.ready();
    const small = randomBytes(600 * 1024);
    expect((await request(`${srv.url}/v1/cache/1`, { method: 'PUT', body: small })).status).toBe(200);
    const r = await request(`${srv.url}/v1/cache/2`, { method: 'PUT', body: randomBytes(600 * 1024) });
    expect(r.status).toBe(403);
    expect(r.body.toString()).toMatch(/hard limit/);
    expect(sha((await request(`${srv.url}/v1/cache/1`)).body)).toBe(sha(small));
  });

  it('a body over --max-entry-size gets 413', async () => {
    const srv = await serveInProcess({ maxEntrySize: '100KB' });
    cleanup.push(
      () => srv.stop(),
      () => fs.rmSync(srv.dir, { recursive: true, force: true }),
    );
    expect((await request(`${srv.url}/v1/cache/5`, { method: 'PUT', body: randomBytes(200 * 1000) })).status).toBe(413);
  });
});
