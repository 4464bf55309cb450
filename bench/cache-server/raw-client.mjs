// The client of the 50 MB phases, the same for every server: plain keep-alive TCP sockets
// (node:net) that write the request line, headers and body themselves and read the answer into
// one reused 4 MiB buffer (`onread`: no allocation, no Readable stream, no HTTP parser per read),
// counting body bytes by Content-Length or by chunk sizes. The node:http client of client.mjs
// spends about 1 s of CPU per GB receiving, so a GET phase measured with it could not pass
// ~1.2 GB/s whatever the server (see docs/benchmarks.md); this one spends a fraction of that.
//
// Every answer is checked: the status must be 2xx and a body must have exactly the expected
// length (`expectBytes`) or the run counts an error. That the servers stored the right bytes is
// checked after each PUT phase by run.mjs (a SHA-256 of one body read back), not here: hashing
// here would cost the client as much as it saves.
import * as net from 'node:net';

const CRLF2 = Buffer.from('\r\n\r\n');

/** One keep-alive connection that runs one request at a time. */
class Conn {
  constructor(host, port) {
    this.host = host;
    this.port = port;
    this.socket = null;
    this.pending = null; // { resolve, expectBytes, ...parser state }
  }

  connect() {
    return new Promise((resolve, reject) => {
      const s = net.connect({
        host: this.host,
        port: this.port,
        noDelay: true,
        onread: { buffer: Buffer.allocUnsafe(4 * 1024 * 1024), callback: (n, buf) => this.onRead(buf, n) },
      });
      s.once('connect', () => resolve());
      s.once('error', (err) => (this.socket === s ? this.fail(err) : reject(err)));
      s.once('close', () => {
        if (this.socket === s) this.socket = null;
        this.fail(new Error('connection closed before the answer was complete'));
      });
      this.socket = s;
    });
  }

  async request(method, path, headers, body, expectBytes) {
    if (!this.socket || this.socket.destroyed) await this.connect();
    return new Promise((resolve) => {
      this.pending = {
        resolve,
        expectBytes,
        state: 'head',
        head: [],
        headLen: 0,
        status: 0,
        remaining: 0,
        bodyBytes: 0,
        chunked: false,
        line: '',
        close: false,
      };
      let text = `${method} ${path} HTTP/1.1\r\nhost: ${this.host}:${this.port}\r\n`;
      for (const [k, v] of Object.entries(headers)) text += `${k}: ${v}\r\n`;
      if (body) text += `content-type: application/octet-stream\r\ncontent-length: ${body.length}\r\n`;
      this.socket.cork();
      this.socket.write(text + '\r\n', 'latin1');
      if (body) this.socket.write(body);
      this.socket.uncork();
    });
  }

  fail(err) {
    const p = this.pending;
    if (!p) return;
    this.pending = null;
    p.resolve({ status: p.status, bytes: p.bodyBytes, error: err.message });
  }

  done() {
    const p = this.pending;
    this.pending = null;
    if (p.close) (this.socket?.destroy(), (this.socket = null));
    const wrongLength = p.expectBytes !== undefined && p.bodyBytes !== p.expectBytes;
    p.resolve({
      status: p.status,
      bytes: p.bodyBytes,
      error: wrongLength ? `body of ${p.bodyBytes} bytes, expected ${p.expectBytes}` : undefined,
    });
  }

  /** Consumes `n` bytes of `buf` (reused by the next read: nothing may keep a reference). */
  onRead(buf, n) {
    let i = 0;
    while (i < n) {
      const p = this.pending;
      if (!p) return; // bytes after an answer we did not ask for: ignore
      if (p.state === 'head') {
        // Headers are small: copy them until the blank line.
        const chunk = Buffer.from(buf.subarray(i, n));
        p.head.push(chunk);
        p.headLen += chunk.length;
        const all = Buffer.concat(p.head, p.headLen);
        const end = all.indexOf(CRLF2);
        if (end < 0) return;
        const lines = all.toString('latin1', 0, end).split('\r\n');
        p.status = Number(lines[0].split(' ')[1]);
        let length = 0;
        for (const l of lines.slice(1)) {
          const c = l.indexOf(':');
          const k = l.slice(0, c).trim().toLowerCase();
          const v = l
            .slice(c + 1)
            .trim()
            .toLowerCase();
          if (k === 'content-length') length = Number(v);
          else if (k === 'transfer-encoding' && v.includes('chunked')) p.chunked = true;
          else if (k === 'connection' && v === 'close') p.close = true;
        }
        // What followed the blank line in this read is body.
        i = n - (p.headLen - (end + 4));
        p.head = [];
        if (p.chunked) p.state = 'size';
        else if (length > 0) ((p.state = 'body'), (p.remaining = length));
        else return this.done();
      } else if (p.state === 'body' || p.state === 'data') {
        const take = Math.min(p.remaining, n - i);
        p.bodyBytes += take;
        p.remaining -= take;
        i += take;
        if (p.remaining > 0) continue;
        if (p.state === 'body') return this.done();
        p.state = 'crlf';
        p.remaining = 2;
      } else if (p.state === 'crlf') {
        const take = Math.min(p.remaining, n - i);
        p.remaining -= take;
        i += take;
        if (p.remaining === 0) p.state = 'size';
      } else {
        // 'size' (a chunk-size line) or 'trailer' (lines after the last chunk, up to an empty one)
        const nl = buf.indexOf(0x0a, i);
        const stop = nl < 0 || nl >= n ? n : nl + 1;
        p.line += buf.toString('latin1', i, stop);
        i = stop;
        if (!p.line.endsWith('\n')) continue;
        const line = p.line.trim();
        p.line = '';
        if (p.state === 'trailer') {
          if (line === '') return this.done();
          continue;
        }
        const size = parseInt(line.split(';')[0], 16);
        if (size === 0) p.state = 'trailer';
        else ((p.state = 'data'), (p.remaining = size));
      }
    }
  }

  close() {
    this.socket?.destroy();
    this.socket = null;
  }
}

/**
 * Runs `count` requests at `concurrency` (one connection each); `request(i)` gives
 * `{ url, method, body?, expectBytes? }`. Same result shape as client.mjs's `measure`.
 */
export async function measureRaw({
  concurrency,
  count,
  request,
  headers = { authorization: 'Bearer bench-token-0123456789' },
}) {
  const first = new URL(request(0).url);
  const conns = Array.from({ length: concurrency }, () => new Conn(first.hostname, Number(first.port)));
  const lat = [];
  const bad = [];
  let next = 0;
  let bytes = 0;
  const t0 = performance.now();
  await Promise.all(
    conns.map(async (conn) => {
      while (next < count) {
        const i = next++;
        const { url, method, body, expectBytes } = request(i);
        const u = new URL(url);
        const s = performance.now();
        const r = await conn.request(method, u.pathname + u.search, headers, body, expectBytes);
        lat.push(performance.now() - s);
        bytes += body ? body.length : r.bytes;
        if (r.error || r.status < 200 || r.status > 299)
          bad.push(`${method} ${r.status}${r.error ? ` (${r.error})` : ''}`);
      }
    }),
  );
  const seconds = (performance.now() - t0) / 1000;
  conns.forEach((c) => c.close());
  lat.sort((a, b) => a - b);
  return {
    rps: count / seconds,
    mbps: bytes / 1e6 / seconds,
    p50: lat[Math.floor(lat.length / 2)],
    p99: lat[Math.floor(lat.length * 0.99)],
    errors: bad.length,
    firstError: bad[0],
  };
}
