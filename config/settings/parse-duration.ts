const UNITS_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** The unit a plain number is read in; each setting documents its own (`--agent-wait 30` is seconds). */
export type PlainUnit = 'ms' | 's';

/**
 * Parses `500ms`, `30s`, `15m`, `2h`, `1d`, `1.5s`, or a plain number in `plainUnit`, into
 * milliseconds. JSON numbers (nx.json) are in `plainUnit` too. Returns null for anything else,
 * negative values included.
 */
export function parseDuration(raw: unknown, plainUnit: PlainUnit): number | null {
  if (typeof raw === 'number') return Number.isFinite(raw) && raw >= 0 ? raw * UNITS_MS[plainUnit] : null;
  if (typeof raw !== 'string') return null;
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(raw.trim().toLowerCase());
  if (!m) return null;
  return Number(m[1]) * UNITS_MS[m[2] ?? plainUnit];
}

/** 90000 → `90s`, 900000 → `15m`: the shortest exact form, for human output. */
export function formatDuration(ms: number): string {
  for (const [unit, size] of [
    ['d', 86_400_000],
    ['h', 3_600_000],
    ['m', 60_000],
    ['s', 1000],
  ] as const)
    if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return ms >= 1000 ? `${ms / 1000}s` : `${ms}ms`;
}
