const TRUE = new Set(['1', 'true', 'yes', 'on']);
const FALSE = new Set(['0', 'false', 'no', 'off']);

/**
 * The one boolean syntax of every fleet setting: `1/true/yes/on` and `0/false/no/off` (any case).
 * Anything else is null, so `FLEET_PUSH_REF=0` is false and `FLEET_PUSH_REF=nope` is an error,
 * never a silent "set, hence true". JSON booleans (nx.json) pass through.
 */
export function parseBoolean(raw: unknown): boolean | null {
  if (typeof raw === 'boolean') return raw;
  if (typeof raw === 'number') return raw === 1 ? true : raw === 0 ? false : null;
  if (typeof raw !== 'string') return null;
  const t = raw.trim().toLowerCase();
  return TRUE.has(t) ? true : FALSE.has(t) ? false : null;
}
