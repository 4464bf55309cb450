import { execFile } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { graphPage } from './page';
import type { ViewData } from './types';

export interface GraphServerOptions {
  root: string;
  port: number;
  host?: string;
  /** Computes the page's data (the CLI passes computeGraph + buildViewData). */
  compute: () => Promise<ViewData>;
  /** Quiet time after a file change before recomputing (ms). */
  debounceMs?: number;
  log?: (line: string) => void;
}

export interface GraphServer {
  url: string;
  close(): Promise<void>;
  /** Resolves after the next recomputation (tests). */
  nextUpdate(): Promise<void>;
}

const IGNORED = /(?:^|[\\/])(?:node_modules|\.git|\.nx|dist)(?:[\\/]|$)/;

/**
 * `fleet graph --serve`: the page, its data and a Server-Sent Events stream on loopback. A file
 * change (fs.watch, recursive) recomputes the data after a quiet time and tells every page,
 * which fetches data.json again. A failed recomputation keeps the last data and is logged: the
 * server never stops on it, nor on a bad request.
 */
export async function serveGraph(options: GraphServerOptions): Promise<GraphServer> {
  const log = options.log ?? (() => {});
  let data = await options.compute();
  let json = JSON.stringify(data);
  const page = graphPage(undefined);
  const clients = new Set<http.ServerResponse>();
  let waiters: Array<() => void> = [];
  let timer: NodeJS.Timeout | undefined;
  let running = false;
  let again = false;

  const recompute = async () => {
    if (running) return void (again = true);
    running = true;
    try {
      data = await options.compute();
      json = JSON.stringify(data);
      for (const c of clients) c.write(`event: graph\ndata: ${JSON.stringify({ generatedAt: data.generatedAt })}\n\n`);
      log(`graph updated (${Object.keys(data.graph.files ?? {}).length} files)`);
    } catch (err) {
      log(`graph update failed, keeping the last graph: ${(err as Error).message}`);
    } finally {
      running = false;
      const w = waiters;
      waiters = [];
      w.forEach((f) => f());
      if (again) ((again = false), void recompute());
    }
  };

  const watcher = fs.watch(options.root, { recursive: true }, (_event, file) => {
    if (file && IGNORED.test(String(file))) return;
    clearTimeout(timer);
    timer = setTimeout(() => void recompute(), options.debounceMs ?? 300);
  });
  watcher.on('error', (err) => log(`file watching stopped: ${err.message}`));

  const server = http.createServer((req, res) => {
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      if (req.method !== 'GET') return send(res, 405, 'text/plain', 'GET only\n');
      if (url.pathname === '/') return send(res, 200, 'text/html; charset=utf-8', page);
      if (url.pathname === '/data.json') return send(res, 200, 'application/json', json);
      if (url.pathname === '/events') {
        res.writeHead(200, {
          'content-type': 'text/event-stream',
          'cache-control': 'no-store',
          connection: 'keep-alive',
        });
        res.write(': connected\n\n');
        clients.add(res);
        req.on('close', () => clients.delete(res));
        return;
      }
      if (url.pathname === '/api/changed') return changed(options.root, url.searchParams.get('base'), res);
      send(res, 404, 'text/plain', 'not found\n');
    } catch (err) {
      send(res, 500, 'text/plain', `${(err as Error).message}\n`);
    }
  });
  try {
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(options.port, options.host ?? '127.0.0.1', () => resolve());
    });
  } catch (err) {
    watcher.close();
    throw err;
  }
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/`,
    nextUpdate: () => new Promise((resolve) => waiters.push(resolve)),
    close: async () => {
      clearTimeout(timer);
      watcher.close();
      for (const c of clients) c.end();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

function send(res: http.ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
  res.end(body);
}

/** `git diff --name-only <base>` plus untracked files, for the page's "what a change affects". */
function changed(root: string, base: string | null, res: http.ServerResponse): void {
  if (!base || !/^[\w./@^~{}-]+$/.test(base) || base.startsWith('-'))
    return send(res, 400, 'application/json', JSON.stringify({ error: `not a git ref: ${base ?? ''}` }));
  execFile('git', ['diff', '--name-only', '--relative', base], { cwd: root }, (err, stdout, stderr) => {
    if (err)
      return send(
        res,
        400,
        'application/json',
        JSON.stringify({ error: `git diff ${base}: ${stderr.trim() || err.message}` }),
      );
    execFile('git', ['ls-files', '--others', '--exclude-standard'], { cwd: root }, (_e, untracked) => {
      const files = [...new Set(`${stdout}\n${untracked ?? ''}`.split('\n').filter(Boolean))].sort();
      send(res, 200, 'application/json', JSON.stringify({ files: files.map((f) => f.split(path.sep).join('/')) }));
    });
  });
}
