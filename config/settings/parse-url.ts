/**
 * A URL whose protocol is one of `protocols` (e.g. `['redis:', 'rediss:']`); null when the text
 * is not an absolute URL or has another protocol.
 */
export function parseUrl(raw: unknown, protocols: readonly string[]): URL | null {
  if (typeof raw !== 'string') return null;
  let u: URL;
  try {
    u = new URL(raw.trim());
  } catch {
    return null;
  }
  return protocols.includes(u.protocol) && u.host !== '' ? u : null;
}

/** The URL as safe to print: a password becomes `***` (a Redis URL may carry one). */
export function maskUrlPassword(text: string): string {
  try {
    const u = new URL(text);
    if (!u.password) return text;
    u.password = '***';
    return u.toString();
  } catch {
    return '(unparseable URL)';
  }
}
