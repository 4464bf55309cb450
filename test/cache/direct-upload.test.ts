import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import { spawnSync } from 'node:child_process';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as net from 'node:net';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { checkDirectUploads, DIRECT_UPLOAD_MIN } from '../../cache/socket-body';
import { request } from './support/http-client';
import { serveInProcess } from './support/in-process';

// Large upload bodies are read straight from the socket, around Node's HTTP parser
// (cache/socket-body.ts). These tests drive that path with raw sockets, so that what reaches the
// server (bytes behind the headers in one segment, a half-close, a pipelined request) is exact.

const sha = (b: Buffer): string => createHash('sha256').update(b).digest('hex');
const tmpFiles = (dir: string): string[] => fs.readdirSync(path.join(dir, '.tmp'));
const wait = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

interface RawReply {
  /** Every answer's status line and headers, in order (a 100 Continue included). */
  heads: string[];
  /** All bytes the server sent before closing (or before `until` was satisfied). */
  text: string;
  closed: boolean;
}

/**
 * Opens a connection, writes `parts` (each after the previous is flushed; a function part is
 * called with a getter of the bytes received so far and may wait), and collects what comes back until the
 * server closes or `until` says enough.
 */
function exchange(
  url: string,
  parts: Array<Buffer | string | ((got: () => string) => Promise<void>)>,
  until?: (got: string) => boolean,
): Promise<RawReply & { socket: net.Socket }> {
  const u = new URL(url);
  return new Promise((resolve) => {
    let got = '';
    let done = false;
    const socket = net.connect(Number(u.port), u.hostname);
    const finish = (closed: boolean): void => {
      if (done) return;
      done = true;
      resolve({ socket, closed, text: got, heads: got.split(/\r\n\r\n/).filter((h) => /^HTTP\/1\.1 \d{3}/.test(h)) });
    };
    socket.on('data', (c: Buffer) => {
      got += c.toString('latin1');
      if (until?.(got)) finish(false);
    });
    socket.on('close', () => finish(true));
    socket.on('error', () => undefined);
    socket.on('connect', async () => {
      for (const p of parts) {
        if (typeof p === 'function') await p(() => got);
        else await new Promise<void>((r) => socket.write(p, () => r()));
      }
    });
  });
}

const putHead = (hash: string, size: number, extra = ''): string =>
  `PUT /v1/cache/${hash} HTTP/1.1\r\nhost: x\r\ncontent-type: application/octet-stream\r\ncontent-length: ${size}\r\n${extra}\r\n`;

async function metric(url: string, name: string): Promise<number> {
  const text = (await request(`${url}/metrics`)).body.toString();
  const m = new RegExp(`^${name} (\\d+)$`, 'm').exec(text);
  return m ? Number(m[1]) : NaN;
}

describe('direct uploads (bodies read around the HTTP parser)', () => {
  const cleanup: Array<() => Promise<void> | void> = [];
  afterAll(async () => {
    for (const c of cleanup.reverse()) await c();
  });
  async function server(raw: Parameters<typeof serveInProcess>[0] = {}, log?: (l: Record<string, unknown>) => void) {
    const srv = await serveInProcess(raw, log);
    cleanup.push(
      () => srv.stop(),
      () => fs.rmSync(srv.dir, { recursive: true, force: true }),
    );
    return srv;
  }

  it('stores the exact body sent with its headers in one write, answers with Connection: close, and logs and counts it', async () => {
    const lines: Array<Record<string, unknown>> = [];
    const srv = await server({}, (l) => lines.push(l));
    for (const [i, size] of [DIRECT_UPLOAD_MIN, 20 * 1024 * 1024 + 7].entries()) {
      const body = randomBytes(size);
      // Headers and body in one buffer: the parser reads body bytes before the takeover.
      const r = await exchange(srv.url, [Buffer.concat([Buffer.from(putHead(`50${i}`, size)), body])]);
      expect(r.heads[0]).toMatch(/^HTTP\/1\.1 200/);
      expect(r.heads[0]).toMatch(/\r\nconnection: close/i);
      expect(r.closed).toBe(true);
      const got = await request(`${srv.url}/v1/cache/50${i}`);
      expect(got.body.length).toBe(size);
      expect(sha(got.body)).toBe(sha(body));
    }
    expect(await metric(srv.url, 'fleet_cache_direct_uploads_total')).toBe(2);
    expect(lines.filter((l) => l.msg === 'request' && l.method === 'PUT').map((l) => [l.status, l.direct])).toEqual([
      [200, true],
      [200, true],
    ]);
    // Below the threshold: through node:http, and the connection stays open for the next request.
    const small = randomBytes(DIRECT_UPLOAD_MIN - 1);
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    const a = await request(`${srv.url}/v1/cache/510`, { method: 'PUT', body: small, agent });
    expect(a.status).toBe(200);
    expect(a.headers.connection).toBe('keep-alive');
    agent.destroy();
    expect(await metric(srv.url, 'fleet_cache_direct_uploads_total')).toBe(2);
  });

  it('a body sent slowly, in pieces after the headers, arrives whole; so does one after Expect: 100-continue', async () => {
    const srv = await server();
    const body = randomBytes(6 * 1024 * 1024 + 3);
    const pieces = Array.from({ length: 12 }, (_, i) =>
      body.subarray(Math.floor((i * body.length) / 12), Math.floor(((i + 1) * body.length) / 12)),
    );
    const slow = await exchange(srv.url, [putHead('520', body.length), ...pieces.flatMap((p) => [p, () => wait(5)])]);
    expect(slow.heads[0]).toMatch(/^HTTP\/1\.1 200/);
    expect(sha((await request(`${srv.url}/v1/cache/520`)).body)).toBe(sha(body));

    const cont = await exchange(srv.url, [
      putHead('521', body.length, 'expect: 100-continue\r\n'),
      async (got) => {
        for (let i = 0; i < 200 && !/^HTTP\/1\.1 100/.test(got()); i++) await wait(5);
      },
      body,
    ]);
    expect(cont.heads[0]).toMatch(/^HTTP\/1\.1 100/);
    expect(cont.heads[1]).toMatch(/^HTTP\/1\.1 200/);
    expect(sha((await request(`${srv.url}/v1/cache/521`)).body)).toBe(sha(body));
  });

  it('a client that goes away mid-body, or half-closes early, leaves nothing stored, and the server goes on', async () => {
    const srv = await server();
    const size = 8 * 1024 * 1024;
    // Gone: headers and 1 MiB, then the connection is destroyed.
    const gone = net.connect(Number(new URL(srv.url).port), '127.0.0.1');
    gone.on('error', () => undefined);
    await new Promise<void>((r) => gone.on('connect', () => r()));
    await new Promise<void>((r) =>
      gone.write(Buffer.concat([Buffer.from(putHead('530', size)), randomBytes(1024 * 1024)]), () => r()),
    );
    await wait(50);
    gone.destroy();
    // Half-closed: headers and 3 MiB, then end(); the client still reads the answer.
    const halfClosed = await new Promise<RawReply>((resolve) => {
      let got = '';
      const s = net.connect(Number(new URL(srv.url).port), '127.0.0.1', () =>
        s.end(Buffer.concat([Buffer.from(putHead('531', size)), randomBytes(3 * 1024 * 1024)])),
      );
      s.on('data', (c: Buffer) => (got += c.toString('latin1')));
      s.on('error', () => undefined);
      s.on('close', () =>
        resolve({ heads: got.split(/\r\n\r\n/).filter((h) => /^HTTP\/1\.1 \d{3}/.test(h)), text: got, closed: true }),
      );
    });
    // One answer, ours: a 400 naming the short body (not Node's bare parser-error 400 on top of it).
    expect(halfClosed.heads).toHaveLength(1);
    expect(halfClosed.heads[0]).toMatch(/^HTTP\/1\.1 400/);
    expect(halfClosed.text).toMatch(/upload interrupted/);
    for (let i = 0; i < 100 && tmpFiles(srv.dir).length > 0; i++) await wait(20);
    expect(tmpFiles(srv.dir)).toEqual([]);
    for (const h of ['530', '531']) expect((await request(`${srv.url}/v1/cache/${h}`)).status).toBe(404);
    const body = randomBytes(size);
    expect((await request(`${srv.url}/v1/cache/530`, { method: 'PUT', body })).status).toBe(200);
    expect(sha((await request(`${srv.url}/v1/cache/530`)).body)).toBe(sha(body));
  });

  it('a request pipelined behind the body is not mistaken for body: the entry is exact and the connection closes', async () => {
    const srv = await server();
    const body = randomBytes(3 * 1024 * 1024);
    const r = await exchange(srv.url, [
      Buffer.concat([
        Buffer.from(putHead('540', body.length)),
        body,
        Buffer.from('GET /v1/cache/540 HTTP/1.1\r\nhost: x\r\n\r\n'),
      ]),
    ]);
    expect(r.heads[0]).toMatch(/^HTTP\/1\.1 200/);
    // The pipelined GET is not answered on this connection (it closed); a client sends it again.
    expect(r.closed).toBe(true);
    expect(r.heads).toHaveLength(1);
    expect(sha((await request(`${srv.url}/v1/cache/540`)).body)).toBe(sha(body));
  });

  it('the start-up check passes on this Node, and the listening line says direct uploads are on', async () => {
    expect(await checkDirectUploads()).toBeNull();
    const lines: Array<Record<string, unknown>> = [];
    await server({}, (l) => lines.push(l));
    expect(lines.find((l) => l.msg === 'listening')).toMatchObject({ directUploads: true });
  });

  it('over TLS (--tls-cert/--tls-key) large bodies go through node:http, and the cache works end to end', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-tls-'));
    cleanup.push(() => fs.rmSync(dir, { recursive: true, force: true }));
    const key = path.join(dir, 'key.pem');
    const cert = path.join(dir, 'cert.pem');
    const r = spawnSync(
      'openssl',
      [
        'req',
        '-x509',
        '-newkey',
        'rsa:2048',
        '-nodes',
        '-keyout',
        key,
        '-out',
        cert,
        '-days',
        '1',
        '-subj',
        '/CN=127.0.0.1',
        '-addext',
        'subjectAltName=IP:127.0.0.1',
      ],
      { encoding: 'utf8' },
    );
    expect(r.status, r.stderr).toBe(0);
    const lines: Array<Record<string, unknown>> = [];
    const srv = await server({ tlsCert: cert, tlsKey: key }, (l) => lines.push(l));
    expect(srv.url).toMatch(/^https:/);
    expect(lines.find((l) => l.msg === 'listening')).toMatchObject({ directUploads: false });
    const ca = fs.readFileSync(cert);
    const call = (method: string, body?: Buffer): Promise<{ status: number; body: Buffer; connection?: string }> =>
      new Promise((resolve, reject) => {
        const req = https.request(
          `${srv.url}/v1/cache/570`,
          { method, ca, headers: body ? { 'content-length': body.length } : {} },
          (res) => {
            const chunks: Buffer[] = [];
            res.on('data', (c: Buffer) => chunks.push(c));
            res.on('end', () =>
              resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks), connection: res.headers.connection }),
            );
          },
        );
        req.on('error', reject);
        req.end(body);
      });
    const body = randomBytes(5 * 1024 * 1024);
    const put = await call('PUT', body);
    expect(put.status).toBe(200);
    expect(put.connection).toBe('keep-alive');
    expect(sha((await call('GET')).body)).toBe(sha(body));
    expect(lines.filter((l) => l.msg === 'request' && l.method === 'PUT').map((l) => l.direct)).toEqual([undefined]);
  });

  it('refusals still read the whole body first; --direct-uploads off keeps every upload on node:http', async () => {
    const srv = await server();
    const body = randomBytes(4 * 1024 * 1024);
    expect((await request(`${srv.url}/v1/cache/550`, { method: 'PUT', body })).status).toBe(200);
    // Exists: refused before the body is read; the body is drained and the client gets the 409.
    const again = await exchange(srv.url, [Buffer.concat([Buffer.from(putHead('550', body.length)), body])], (got) =>
      /\r\n\r\n/.test(got),
    );
    expect(again.heads[0]).toMatch(/^HTTP\/1\.1 409/);
    again.socket.destroy();

    const off = await server({ directUploads: 'off' });
    const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
    for (const h of ['560', '561']) {
      const r = await request(`${off.url}/v1/cache/${h}`, { method: 'PUT', body, agent });
      expect(r.status).toBe(200);
      expect(r.headers.connection).toBe('keep-alive');
    }
    agent.destroy();
    expect(sha((await request(`${off.url}/v1/cache/561`)).body)).toBe(sha(body));
    expect(await metric(off.url, 'fleet_cache_direct_uploads_total')).toBe(0);
  });
});
