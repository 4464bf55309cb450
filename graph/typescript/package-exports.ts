/**
 * The targets a package.json `exports` (or `imports`) field maps `subpath` (`.`, `./x`, `#x`) to, in the order to
 * try them, under the given conditions (object keys are matched in their written order, as
 * Node and TypeScript do; `default` always matches). Empty when nothing matches.
 */
export function exportsTargets(exportsField: unknown, subpath: string, conditions: ReadonlySet<string>): string[] {
  let map: Record<string, unknown>;
  if (typeof exportsField === 'string' || Array.isArray(exportsField)) map = { '.': exportsField };
  else if (exportsField && typeof exportsField === 'object') {
    const keys = Object.keys(exportsField);
    const isMap = keys.some((k) => k.startsWith('.') || k.startsWith('#'));
    map = isMap ? (exportsField as Record<string, unknown>) : { '.': exportsField };
  } else return [];
  if (Object.prototype.hasOwnProperty.call(map, subpath) && !subpath.includes('*')) {
    return conditionalTargets(map[subpath], conditions, undefined);
  }
  const match = bestPattern(Object.keys(map), subpath);
  return match ? conditionalTargets(map[match.key], conditions, match.star) : [];
}

/** The `./x/*` key with the longest prefix that matches, and what its `*` stands for. */
function bestPattern(keys: string[], subpath: string): { key: string; star: string } | undefined {
  let best: { key: string; star: string } | undefined;
  for (const key of keys) {
    const star = key.indexOf('*');
    if (star === -1) continue;
    const prefix = key.slice(0, star);
    const suffix = key.slice(star + 1);
    if (!subpath.startsWith(prefix) || !subpath.endsWith(suffix) || subpath.length < key.length - 1) continue;
    if (!best || prefix.length > best.key.indexOf('*')) {
      best = { key, star: subpath.slice(prefix.length, subpath.length - suffix.length) };
    }
  }
  return best;
}

function conditionalTargets(value: unknown, conditions: ReadonlySet<string>, star: string | undefined): string[] {
  if (typeof value === 'string') return [star === undefined ? value : value.split('*').join(star)];
  if (Array.isArray(value)) return value.flatMap((v) => conditionalTargets(v, conditions, star));
  if (!value || typeof value !== 'object') return [];
  const out: string[] = [];
  for (const [key, v] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'default' || conditions.has(key)) out.push(...conditionalTargets(v, conditions, star));
  }
  return out;
}
