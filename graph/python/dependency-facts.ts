import type { WorkspacePath } from '../types';
import type { LockGraph, PythonProjectInfo } from './types';

/**
 * What a project may import without a finding, by normalised distribution name: `declared`
 * (every group, the distributions its extras bring, and the optional dependencies of a
 * workspace member it requires with extras) and `transitive` (what the declared ones pull in,
 * per the lockfile and the first-party projects it requires). `dynamic`: its dependencies
 * cannot be read, so no undeclared finding is trustworthy.
 */
export interface DependencyFacts {
  declared: Set<string>;
  transitive: Set<string>;
  dynamic: boolean;
}

/** The facts of every project, keyed by root; from tracked files only (config and lockfiles), so alike on every machine. */
export function dependencyFacts(projects: readonly PythonProjectInfo[]): Map<WorkspacePath, DependencyFacts> {
  const byName = new Map(projects.map((p) => [p.normalizedName, p]));
  const out = new Map<WorkspacePath, DependencyFacts>();
  for (const p of projects) out.set(p.root, factsOf(p, byName));
  return out;
}

function factsOf(p: PythonProjectInfo, byName: ReadonlyMap<string, PythonProjectInfo>): DependencyFacts {
  const declared = new Set<string>();
  const lock = p.lockGraph ?? {};
  const firstParty: PythonProjectInfo[] = [];
  for (const d of p.dependencies) {
    declared.add(d.normalized);
    const member = byName.get(d.normalized);
    if (member && member.root !== p.root) firstParty.push(member);
    for (const extra of d.extras ?? []) {
      // `psycopg[pool]`: the lockfile knows what the extra brings; `<name>-<extra>` is how most such distributions are named.
      declared.add(`${d.normalized}-${extra}`);
      for (const n of lock[d.normalized]?.extras[extra] ?? []) declared.add(n);
      for (const md of member?.dependencies ?? []) if (md.group === extra) declared.add(md.normalized);
    }
  }
  const transitive = closure([...declared], lock);
  for (const member of firstParty) {
    for (const md of member.dependencies) if (md.group === undefined) transitive.add(md.normalized);
    for (const n of closure(
      member.dependencies.filter((md) => md.group === undefined).map((md) => md.normalized),
      member.lockGraph ?? {},
    ))
      transitive.add(n);
  }
  for (const n of declared) transitive.delete(n);
  return { declared, transitive, dynamic: p.unreadableDependencies !== undefined };
}

/** Everything the lockfile says `roots` depend on, main requirements only, roots left out. */
function closure(roots: string[], lock: LockGraph): Set<string> {
  const seen = new Set<string>(roots);
  const queue = [...roots];
  const out = new Set<string>();
  while (queue.length > 0) {
    const next = queue.pop() as string;
    for (const dep of lock[next]?.dependencies ?? []) {
      if (seen.has(dep)) continue;
      seen.add(dep);
      out.add(dep);
      queue.push(dep);
    }
  }
  return out;
}
