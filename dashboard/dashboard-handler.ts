import type * as http from 'node:http';
import { flakyTasks, type RunStore, type StoredTaskRun } from '../analytics';
import { fetchCachePage } from './cache-metrics';
import { explainRuns } from './explain-runs';
import { renderHistoryMetrics } from './history-metrics';
import { readBundle, renderPage } from './page';
import { filterRuns, runFacets, type RunFilter } from './run-filter';
import { taskPage } from './task-page';
import { runPage } from './timeline';
import { trendsPage } from './trends';
import type { LivePage, TrendsPage } from './types';

export interface DashboardOptions {
  store: RunStore;
  /** A run's task dependencies (from the project graph), for the critical path; null when unknown. */
  deps?: (tasks: StoredTaskRun[]) => Record<string, string[]> | null;
  /** The live page's state (agents, queues, runs in Redis), when a Redis URL is configured. */
  live?: () => Promise<LivePage>;
  /** The cache server whose `/metrics` the cache page shows. */
  cacheUrl?: string;
  /** Runs visible (the central store: the caller's read namespaces); all when absent. */
  namespaces?: string[];
  /** The path the dashboard is mounted under (`/dashboard` in the central store); '' at the root. */
  base?: string;
  now?: () => number;
  /**
   * Whether trends, flaky tasks and /metrics are served. They are read from rollups over every
   * namespace, so the central store (where a token sees only its namespaces) turns them off.
   */
  aggregates?: boolean;
  /** The app bundle's source (tests); default dist/web/dashboard.js. */
  bundle?: string;
}

type Answer = { status: number; value: unknown } | { status: number; text: string; type: string };

class BadRequest extends Error {
  constructor(
    message: string,
    readonly status = 400,
    readonly code = 'DASHBOARD_BAD_REQUEST',
  ) {
    super(message);
  }
}

const int = (p: URLSearchParams, name: string, def: number, min: number, max: number): number => {
  const raw = p.get(name);
  if (raw === null || raw === '') return def;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new BadRequest(`${name}: expected an integer from ${min} to ${max}, got "${raw}"`);
  return n;
};

/**
 * The dashboard's HTTP handler: the page at `base/`, the JSON API under `base/api/`, Prometheus
 * text at `base/metrics`. Every failure is an answer (400 bad parameter, 404 unknown, 405, 502 an
 * unreachable Redis or cache server, 500 otherwise): nothing a request sends can throw out of it.
 */
export function createDashboardHandler(
  opts: DashboardOptions,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const base = opts.base ?? '';
  const now = opts.now ?? Date.now;
  let page: string | null = null;
  const trendsMemo = new Map<string, TrendsPage>();
  const trends = (days: number): TrendsPage => {
    // Recomputed when a run was recorded since, or the day changed; else served from memory.
    const stamp = opts.store.db.prepare('SELECT max(id) AS id, count(*) AS n FROM runs').get() as {
      id: number;
      n: number;
    };
    const key = `${days}|${stamp.id}|${stamp.n}|${new Date(now()).toISOString().slice(0, 13)}`;
    let t = trendsMemo.get(key);
    if (!t) {
      if (trendsMemo.size > 16) trendsMemo.clear();
      trendsMemo.set(key, (t = trendsPage(opts.store, { days, now: now() })));
    }
    return t;
  };
  const visible = (runId: string): boolean =>
    !opts.namespaces || opts.namespaces.includes(opts.store.namespaceOf(runId) ?? '\u0000');

  const route = async (method: string, pathname: string, params: URLSearchParams): Promise<Answer> => {
    if (method !== 'GET' && method !== 'HEAD')
      throw new BadRequest(`${method}: the dashboard is read-only`, 405, 'DASHBOARD_METHOD');
    if (pathname === '/' || pathname === '/index.html') {
      if (page === null) {
        const bundle = opts.bundle !== undefined ? { ok: true as const, source: opts.bundle } : readBundle();
        if (!bundle.ok) throw new BadRequest(bundle.message, 500, 'DASHBOARD_BUNDLE_MISSING');
        page = renderPage({
          base,
          live: !!opts.live,
          cache: !!opts.cacheUrl,
          trends: opts.aggregates !== false,
          bundle: bundle.source,
        });
      }
      return { status: 200, text: page, type: 'text/html; charset=utf-8' };
    }
    const aggregates = (): void => {
      if (opts.aggregates === false)
        throw new BadRequest(
          'trends, flaky tasks and metrics cover every namespace: the central store does not serve them per token (use fleet dashboard on a local store)',
          404,
          'DASHBOARD_AGGREGATES_OFF',
        );
    };
    if (pathname === '/metrics') aggregates();
    if (pathname === '/metrics')
      return {
        status: 200,
        text: renderHistoryMetrics(opts.store, trends(1)),
        type: 'text/plain; version=0.0.4',
      };
    const parts = pathname.split('/').slice(1).map(decode);
    if (parts[0] !== 'api') throw new BadRequest(`${pathname}: no such page`, 404, 'DASHBOARD_NOT_FOUND');
    const [, what, id, sub] = parts;
    if (what === 'runs' && id === undefined) {
      const status = params.get('status') || undefined;
      if (status && status !== 'failed' && status !== 'passed')
        throw new BadRequest(`status: expected failed or passed, got "${status}"`);
      const before = params.get('before');
      const f: RunFilter = {
        branch: params.get('branch') || undefined,
        command: params.get('command') || undefined,
        machine: params.get('machine') || undefined,
        status: status as RunFilter['status'],
        limit: int(params, 'limit', 50, 1, 1000),
        before: before ? int(params, 'before', 0, 0, Number.MAX_SAFE_INTEGER) : undefined,
        namespaces: opts.namespaces,
      };
      return { status: 200, value: { runs: filterRuns(opts.store, f), filters: runFacets(opts.store) } };
    }
    if (what === 'runs' && id && sub === undefined) {
      const p = visible(id) ? runPage(opts.store, id, opts.deps?.(opts.store.runTasks(id)) ?? null) : null;
      if (!p) throw new BadRequest(`${id}: no such run`, 404, 'HISTORY_RUN_NOT_FOUND');
      return { status: 200, value: p };
    }
    if (what === 'tasks' && id && sub === undefined) {
      const p = taskPage(opts.store, id, {
        limit: int(params, 'limit', 50, 1, 1000),
        days: int(params, 'days', 14, 1, 3650),
        now: now(),
        namespaces: opts.namespaces,
      });
      if (!p) throw new BadRequest(`${id}: no recorded run of this task`, 404, 'DASHBOARD_TASK_NOT_FOUND');
      return { status: 200, value: p };
    }
    if (what === 'tasks' && id && sub === 'explain') {
      const from = params.get('from');
      const to = params.get('to');
      if (!from || !to) throw new BadRequest('from and to: two run ids are required');
      if (!visible(from) || !visible(to)) throw new BadRequest(`no such run`, 404, 'HISTORY_RUN_NOT_FOUND');
      const r = explainRuns(opts.store, id, from, to);
      if (!r.ok) throw new BadRequest(r.message, 404, r.code);
      return { status: 200, value: r.value };
    }
    if ((what === 'trends' || what === 'flaky') && id === undefined) aggregates();
    if (what === 'trends' && id === undefined) return { status: 200, value: trends(int(params, 'days', 14, 1, 3650)) };
    if (what === 'flaky' && id === undefined) {
      const days = int(params, 'days', 14, 1, 3650);
      return {
        status: 200,
        value: { tasks: flakyTasks(opts.store, { days, now: now(), target: params.get('target') || undefined }) },
      };
    }
    if (what === 'live' && id === undefined) {
      if (!opts.live)
        throw new BadRequest('no Redis configured (fleet dashboard --redis URL)', 404, 'DASHBOARD_NO_REDIS');
      return { status: 200, value: await upstream('Redis', opts.live) };
    }
    if (what === 'cache' && id === undefined) {
      const url = opts.cacheUrl;
      if (!url)
        throw new BadRequest('no cache server configured (fleet dashboard --cache-url URL)', 404, 'DASHBOARD_NO_CACHE');
      return { status: 200, value: await upstream('the cache server', () => fetchCachePage(url)) };
    }
    throw new BadRequest(`${pathname}: no such API route`, 404, 'DASHBOARD_NOT_FOUND');
  };

  return (req, res) => {
    void (async () => {
      let answer: Answer;
      try {
        const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
        let p = url.pathname;
        if (base && (p === base || p.startsWith(`${base}/`))) p = p.slice(base.length) || '/';
        answer = await route(req.method ?? 'GET', p, url.searchParams);
      } catch (err) {
        const e = err instanceof BadRequest ? err : null;
        answer = {
          status: e?.status ?? 500,
          value: { code: e?.code ?? 'DASHBOARD_INTERNAL', message: (err as Error).message },
        };
      }
      req.resume();
      if (res.headersSent || res.destroyed) return;
      const body = 'value' in answer ? JSON.stringify(answer.value) : answer.text;
      res.writeHead(answer.status, {
        'content-type': 'value' in answer ? 'application/json; charset=utf-8' : answer.type,
        'content-length': Buffer.byteLength(body),
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    })();
  };
}

function decode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    throw new BadRequest(`bad percent-encoding in the path: "${s}"`);
  }
}

async function upstream<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    throw new BadRequest(`${what}: ${(err as Error).message}`, 502, 'DASHBOARD_UPSTREAM');
  }
}
