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
import type { FlakyTask } from '../analytics';
import type { CachePage, LivePage, RunPage, RunsExplanation, RunsPage, TaskPage, TrendsPage } from './types';

export interface DashboardOptions {
  store: RunStore;
  /**
   * A run's task dependencies from the project graph, for the critical path of a run recorded
   * without its own (`deps` of the run record wins); null when unknown.
   */
  deps?: (tasks: StoredTaskRun[]) => Record<string, string[]> | null;
  /** The live page's state (agents, queues, runs in Redis), when a Redis URL is configured. */
  live?: () => Promise<LivePage>;
  /** The cache server whose `/metrics` the cache page shows. */
  cacheUrl?: string;
  /**
   * Runs visible (the central store: the caller's read namespaces); all when absent. Trends,
   * flaky tasks and /metrics then cover those namespaces' runs only (per-namespace rollups).
   */
  namespaces?: string[];
  /** The path the dashboard is mounted under (`/dashboard` in the central store); '' at the root. */
  base?: string;
  now?: () => number;
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

/** The API's routes, one method each; every failure is thrown as a {@link BadRequest}. */
class DashboardApi {
  private page: string | null = null;
  private readonly trendsMemo = new Map<string, TrendsPage>();
  private readonly now: () => number;

  constructor(private readonly opts: DashboardOptions) {
    this.now = opts.now ?? Date.now;
  }

  async route(method: string, pathname: string, params: URLSearchParams): Promise<Answer> {
    if (method !== 'GET' && method !== 'HEAD')
      throw new BadRequest(`${method}: the dashboard is read-only`, 405, 'DASHBOARD_METHOD');
    if (pathname === '/' || pathname === '/index.html')
      return { status: 200, text: this.html(), type: 'text/html; charset=utf-8' };
    if (pathname === '/metrics') {
      return {
        status: 200,
        text: renderHistoryMetrics(this.opts.store, this.trends(1), this.opts.namespaces),
        type: 'text/plain; version=0.0.4',
      };
    }
    const [api, what, id, sub, ...rest] = pathname.split('/').slice(1).map(decode);
    if (api !== 'api' || rest.length) throw new BadRequest(`${pathname}: no such page`, 404, 'DASHBOARD_NOT_FOUND');
    const key = `${what}${id === undefined ? '' : sub === undefined ? '/:id' : `/:id/${sub}`}`;
    const value = await this.api(key, id, params);
    if (value === undefined) throw new BadRequest(`${pathname}: no such API route`, 404, 'DASHBOARD_NOT_FOUND');
    return { status: 200, value };
  }

  private api(key: string, id: string, params: URLSearchParams): unknown {
    switch (key) {
      case 'runs':
        return this.runs(params);
      case 'runs/:id':
        return this.run(id);
      case 'tasks/:id':
        return this.task(id, params);
      case 'tasks/:id/explain':
        return this.explain(id, params);
      case 'trends':
        return this.trends(int(params, 'days', 14, 1, 3650));
      case 'flaky':
        return this.flaky(params);
      case 'live':
        return this.live();
      case 'cache':
        return this.cache();
      default:
        return undefined;
    }
  }

  private html(): string {
    if (this.page === null) {
      const bundle = this.opts.bundle !== undefined ? { ok: true as const, source: this.opts.bundle } : readBundle();
      if (!bundle.ok) throw new BadRequest(bundle.message, 500, 'DASHBOARD_BUNDLE_MISSING');
      this.page = renderPage({
        base: this.opts.base ?? '',
        live: !!this.opts.live,
        cache: !!this.opts.cacheUrl,
        trends: true,
        bundle: bundle.source,
      });
    }
    return this.page;
  }

  private visible(runId: string): boolean {
    return !this.opts.namespaces || this.opts.namespaces.includes(this.opts.store.namespaceOf(runId) ?? '\u0000');
  }

  private runs(params: URLSearchParams): RunsPage {
    const status = params.get('status') || undefined;
    if (status && status !== 'failed' && status !== 'passed')
      throw new BadRequest(`status: expected failed or passed, got "${status}"`);
    const f: RunFilter = {
      branch: params.get('branch') || undefined,
      command: params.get('command') || undefined,
      machine: params.get('machine') || undefined,
      status: status as RunFilter['status'],
      limit: int(params, 'limit', 50, 1, 1000),
      before: params.get('before') ? int(params, 'before', 0, 0, Number.MAX_SAFE_INTEGER) : undefined,
      namespaces: this.opts.namespaces,
    };
    return { runs: filterRuns(this.opts.store, f), filters: runFacets(this.opts.store, this.opts.namespaces) };
  }

  private run(id: string): RunPage {
    const store = this.opts.store;
    const p = this.visible(id)
      ? runPage(store, id, store.runDeps(id) ?? this.opts.deps?.(store.runTasks(id)) ?? null, this.opts.namespaces)
      : null;
    if (!p) throw new BadRequest(`${id}: no such run`, 404, 'HISTORY_RUN_NOT_FOUND');
    return p;
  }

  private task(id: string, params: URLSearchParams): TaskPage {
    const p = taskPage(this.opts.store, id, {
      limit: int(params, 'limit', 50, 1, 1000),
      days: int(params, 'days', 14, 1, 3650),
      now: this.now(),
      namespaces: this.opts.namespaces,
    });
    if (!p) throw new BadRequest(`${id}: no recorded run of this task`, 404, 'DASHBOARD_TASK_NOT_FOUND');
    return p;
  }

  private explain(id: string, params: URLSearchParams): RunsExplanation {
    const from = params.get('from');
    const to = params.get('to');
    if (!from || !to) throw new BadRequest('from and to: two run ids are required');
    if (!this.visible(from) || !this.visible(to)) throw new BadRequest('no such run', 404, 'HISTORY_RUN_NOT_FOUND');
    const r = explainRuns(this.opts.store, id, from, to);
    if (!r.ok) throw new BadRequest(r.message, 404, r.code);
    return r.value;
  }

  /** Recomputed when a run was recorded since, or the hour changed; else served from memory. */
  private trends(days: number): TrendsPage {
    const stamp = this.opts.store.db.prepare('SELECT max(id) AS id, count(*) AS n FROM runs').get() as {
      id: number;
      n: number;
    };
    const key = `${days}|${stamp.id}|${stamp.n}|${new Date(this.now()).toISOString().slice(0, 13)}|${this.opts.namespaces?.join('\u0000') ?? '*'}`;
    let t = this.trendsMemo.get(key);
    if (!t) {
      if (this.trendsMemo.size > 16) this.trendsMemo.clear();
      this.trendsMemo.set(
        key,
        (t = trendsPage(this.opts.store, { days, now: this.now(), namespaces: this.opts.namespaces })),
      );
    }
    return t;
  }

  private flaky(params: URLSearchParams): { tasks: FlakyTask[] } {
    const days = int(params, 'days', 14, 1, 3650);
    const target = params.get('target') || undefined;
    return { tasks: flakyTasks(this.opts.store, { days, now: this.now(), target, namespaces: this.opts.namespaces }) };
  }

  private live(): Promise<LivePage> {
    const live = this.opts.live;
    if (!live) throw new BadRequest('no Redis configured (fleet dashboard --redis URL)', 404, 'DASHBOARD_NO_REDIS');
    return upstream('Redis', live);
  }

  private cache(): Promise<CachePage> {
    const url = this.opts.cacheUrl;
    if (!url)
      throw new BadRequest('no cache server configured (fleet dashboard --cache-url URL)', 404, 'DASHBOARD_NO_CACHE');
    return upstream('the cache server', () => fetchCachePage(url));
  }
}

/**
 * The dashboard's HTTP handler: the page at `base/`, the JSON API under `base/api/`, Prometheus
 * text at `base/metrics`. Every failure is an answer (400 bad parameter, 404 unknown, 405, 502 an
 * unreachable Redis or cache server, 500 otherwise): nothing a request sends can throw out of it.
 */
export function createDashboardHandler(
  opts: DashboardOptions,
): (req: http.IncomingMessage, res: http.ServerResponse) => void {
  const base = opts.base ?? '';
  const api = new DashboardApi(opts);
  return (req, res) => {
    void (async () => {
      let answer: Answer;
      try {
        const url = new URL(req.url ?? '/', 'http://dashboard.invalid');
        let p = url.pathname;
        if (base && (p === base || p.startsWith(`${base}/`))) p = p.slice(base.length) || '/';
        answer = await api.route(req.method ?? 'GET', p, url.searchParams);
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
