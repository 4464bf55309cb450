/**
 * A whole number from text (`3`, ` 42 `) or a JSON number; null for `1.5`, `3x`, `''`, `1e3`
 * (exponents are refused: a count is written out).
 */
export function parseInteger(raw: unknown): number | null {
  if (typeof raw === 'number') return Number.isSafeInteger(raw) ? raw : null;
  if (typeof raw !== 'string' || !/^\s*[-+]?\d+\s*$/.test(raw)) return null;
  const n = Number(raw);
  return Number.isSafeInteger(n) ? n : null;
}
