import { useEffect, useState } from 'preact/hooks';

interface PageConfig {
  base: string;
  live: boolean;
  cache: boolean;
  trends: boolean;
}

declare global {
  interface Window {
    FLEET_DASHBOARD?: PageConfig;
  }
}

export const config = (): PageConfig => window.FLEET_DASHBOARD ?? { base: '', live: false, cache: false, trends: true };

/**
 * The central store's token: given once as `?token=` (then kept in this tab's sessionStorage and
 * taken out of the address bar), sent as a bearer token with every API call.
 */
function token(): string | null {
  const given = new URLSearchParams(location.search).get('token');
  if (given) {
    sessionStorage.setItem('fleet-token', given);
    history.replaceState(null, '', location.pathname + location.hash);
  }
  return sessionStorage.getItem('fleet-token');
}

/** `path`: the request the value answers (a page may render once more with the previous value after its path changed). */
export type Loaded<T> =
  { state: 'loading' } | { state: 'error'; message: string } | { state: 'ok'; value: T; path: string };

export async function getJson<T>(path: string): Promise<T> {
  const t = token();
  const res = await fetch(`${config().base}/api/${path}`, t ? { headers: { authorization: `Bearer ${t}` } } : {});
  const body = (await res.json().catch(() => ({ message: res.statusText }))) as T & { code?: string; message?: string };
  if (!res.ok) throw new Error(`${body.message ?? res.statusText} [${body.code ?? res.status}]`);
  return body;
}

/** Loads `path` (again whenever it changes; every `refreshMs` when given). */
export function useApi<T>(path: string | null, refreshMs?: number): Loaded<T> {
  const [v, setV] = useState<Loaded<T>>({ state: 'loading' });
  useEffect(() => {
    if (path === null) return;
    let alive = true;
    const load = (): void => {
      getJson<T>(path).then(
        (value) => alive && setV({ state: 'ok', value, path }),
        (e: Error) => alive && setV({ state: 'error', message: e.message }),
      );
    };
    setV({ state: 'loading' });
    load();
    const timer = refreshMs ? setInterval(load, refreshMs) : undefined;
    return () => {
      alive = false;
      if (timer) clearInterval(timer);
    };
  }, [path, refreshMs]);
  return v;
}

/** The hash route: `#/run/ID?x=y` → {parts: ['run', 'ID'], params}. */
export function parseHash(hash: string): { parts: string[]; params: URLSearchParams } {
  const [p, q] = hash.replace(/^#\/?/, '').split('?');
  return { parts: p ? p.split('/').map(decodeURIComponent) : [], params: new URLSearchParams(q ?? '') };
}

export const href = (...parts: string[]): string => `#/${parts.map(encodeURIComponent).join('/')}`;
