const UNITS: Record<string, number> = {
  '': 1,
  b: 1,
  k: 1e3,
  kb: 1e3,
  kib: 1024,
  m: 1e6,
  mb: 1e6,
  mib: 1024 ** 2,
  g: 1e9,
  gb: 1e9,
  gib: 1024 ** 3,
  t: 1e12,
  tb: 1e12,
  tib: 1024 ** 4,
};

/**
 * Parses `20GB`, `512MiB`, `1.5g`, `1048576` into bytes; `0`, `none` or `unlimited` mean no limit
 * (Infinity). Returns null when the text is not a size.
 */
export function parseSize(text: string): number | null {
  const t = text.trim().toLowerCase();
  if (t === 'none' || t === 'unlimited' || t === '0') return Infinity;
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/.exec(t);
  if (!m || !(m[2] in UNITS)) return null;
  return Math.floor(Number(m[1]) * UNITS[m[2]]);
}

/** `21474836480` → `20.0 GiB`, for human output. */
export function formatSize(bytes: number): string {
  if (!Number.isFinite(bytes)) return 'unlimited';
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return i === 0 ? `${v} B` : `${v.toFixed(1)} ${units[i]}`;
}
