import * as http from 'node:http';
import type { Readable } from 'node:stream';

export interface Reply {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: Buffer;
}

/** One request on loopback; the body is a buffer or a stream (with `content-length` given). */
export function request(
  url: string,
  opts: {
    method?: string;
    headers?: Record<string, string | number>;
    body?: Buffer | Readable;
    agent?: http.Agent;
    rawPath?: string;
  } = {},
): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const headers = { ...opts.headers };
    if (Buffer.isBuffer(opts.body)) headers['content-length'] = opts.body.length;
    const req = http.request(
      url,
      { method: opts.method ?? 'GET', headers, agent: opts.agent, ...(opts.rawPath ? { path: opts.rawPath } : {}) },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (!opts.body) req.end();
    else if (Buffer.isBuffer(opts.body)) req.end(opts.body);
    else opts.body.pipe(req);
  });
}

export const bearer = (token: string): Record<string, string> => ({ authorization: `Bearer ${token}` });
