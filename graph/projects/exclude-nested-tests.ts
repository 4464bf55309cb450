import * as posix from 'node:path/posix';

/** The parts of an inferred test target this reads and rewrites. */
export interface TestTargetShape {
  command?: string;
  executor?: string;
  options?: { cwd?: string; command?: string; exclude?: string[] };
  metadata?: { technologies?: string[] };
}

/**
 * Folders of other projects strictly inside `root` (`.` is the workspace root), relative to
 * `root`, outermost only: excluding `a` already excludes `a/b`.
 */
export function nestedProjectDirs(root: string, allRoots: Iterable<string>): string[] {
  const inside = [...new Set(allRoots)]
    .filter((r) => r !== root && r !== '.' && (root === '.' || r.startsWith(`${root}/`)))
    .map((r) => (root === '.' ? r : r.slice(root.length + 1)))
    .sort();
  return inside.filter((r, i) => !inside.slice(0, i).some((outer) => r.startsWith(`${outer}/`)));
}

/**
 * A test runner started in a project's folder collects the tests of every project nested
 * inside it (vitest's default include and pytest's recursion know nothing of Nx), and then
 * reads files that Nx gives to those deeper projects, so the outer task's hash misses them.
 * Each test belongs to the project Nx assigns its file to: the outer command excludes the
 * nested folders (vitest `--exclude`, which adds to the config's list; pytest `--ignore`).
 * Left as they are (docs/inference.md): jest, whose `--testPathIgnorePatterns` replaces the
 * config's list instead of adding to it, and unittest discovery, which has no such flag.
 */
export function excludeNestedTests<T extends TestTargetShape>(target: T, nested: readonly string[]): T {
  if (nested.length === 0) return target;
  // The batch executor takes Vitest's own exclude list (the same globs `--exclude` would add).
  if (target.executor === 'nx-fleet:vitest')
    return { ...target, options: { ...target.options, exclude: nested.map((d) => posix.join(d, '**')) } };
  const tech = target.metadata?.technologies ?? [];
  const quote = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  let flags: string[];
  if (tech.includes('vitest')) flags = nested.map((d) => `--exclude ${quote(posix.join(d, '**'))}`);
  else if (tech.includes('pytest')) flags = nested.map((d) => `--ignore=${quote(d)}`);
  else return target;
  const suffix = ` ${flags.join(' ')}`;
  if (target.options?.command !== undefined)
    return { ...target, options: { ...target.options, command: target.options.command + suffix } };
  if (target.command !== undefined) return { ...target, command: target.command + suffix };
  return target;
}
