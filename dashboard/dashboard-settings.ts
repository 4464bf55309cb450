/** `fleet dashboard`'s options as text (commander gives strings). */
export interface RawDashboardOptions {
  port?: string;
  host?: string;
  redis?: string;
  cacheUrl?: string;
}

export interface DashboardSettings {
  port: number;
  host: string;
  redis: string | null;
  cacheUrl: string | null;
}

export const DEFAULT_DASHBOARD_PORT = 4300;

/** Validates the options; every problem at once, each naming its flag. */
export function resolveDashboardSettings(
  raw: RawDashboardOptions,
): { ok: true; settings: DashboardSettings } | { ok: false; problems: string[] } {
  const problems: string[] = [];
  const port = Number(raw.port ?? DEFAULT_DASHBOARD_PORT);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    problems.push(`--port: expected an integer from 0 to 65535, got "${raw.port}"`);
  const url = (flag: string, v: string | undefined, protocols: string[]): string | null => {
    if (v === undefined) return null;
    let u: URL | null = null;
    try {
      u = new URL(v);
    } catch {
      u = null;
    }
    if (!u || !protocols.includes(u.protocol)) {
      problems.push(`${flag}: expected a ${protocols.map((p) => `${p}//`).join(' or ')} URL, got "${v}"`);
      return null;
    }
    return v;
  };
  const redis = url('--redis', raw.redis, ['redis:', 'rediss:']);
  const cacheUrl = url('--cache-url', raw.cacheUrl, ['http:', 'https:']);
  if (problems.length) return { ok: false, problems };
  return { ok: true, settings: { port, host: raw.host ?? '127.0.0.1', redis, cacheUrl } };
}
