/** Formatting shared by the pages: durations, percentages, times, sizes. */
export const ms = (v: number | null | undefined): string => {
  if (v === null || v === undefined) return '–';
  if (v < 1000) return `${Math.round(v)} ms`;
  if (v < 60_000) return `${(v / 1000).toFixed(v < 10_000 ? 2 : 1)} s`;
  const m = Math.floor(v / 60_000);
  return m < 60 ? `${m} min ${Math.round((v % 60_000) / 1000)} s` : `${Math.floor(m / 60)} h ${m % 60} min`;
};
export const pct = (v: number | null | undefined): string =>
  v === null || v === undefined ? '–' : `${(v * 100).toFixed(v > 0 && v < 0.1 ? 1 : 0)}%`;
export const when = (t: number | null | undefined): string =>
  t ? new Date(t).toISOString().replace('T', ' ').slice(0, 19) : '–';
export const bytes = (n: number): string => {
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0;
  while (n >= 1024 && i < u.length - 1) ((n /= 1024), i++);
  return `${n.toFixed(i ? 1 : 0)} ${u[i]}`;
};
/** Status in words and a symbol, so it reads without colour. */
export const statusText = (status: string): string =>
  status === 'success' ? '✓ success' : status === 'failure' ? '✗ failure' : status === 'skipped' ? '– skipped' : status;
export const cacheText = (cache: string): string =>
  cache === 'local' ? '◆ local hit' : cache === 'remote' ? '◆ remote hit' : cache === 'miss' ? 'ran' : cache;
