import type { HashDetails, InputManifest } from './types';

/** A changed file; line counts only when the old content could be checked (see line-counts.ts). */
export interface ChangedFile {
  file: string;
  linesAdded: number | null;
  linesRemoved: number | null;
}

/** What differs between two input manifests (old = recorded, new = now or a later run). */
export interface ManifestDiff {
  added: string[];
  removed: string[];
  changed: ChangedFile[];
  /** Environment variables whose value differs (names only; values are never stored). */
  environment: Array<{ name: string; change: 'added' | 'removed' | 'changed' }>;
  runtime: Array<{ command: string; change: 'added' | 'removed' | 'changed' }>;
  external: Array<{ name: string; change: 'added' | 'removed' }>;
  /** The target's executor/options changed (before and after, canonical JSON). */
  command: { before: string; after: string } | null;
}

/**
 * Compares two manifests. Environment and runtime values are compared through Nx's own node
 * hashes (`env:NAME`, `runtime:CMD` in hashDetails); `now` gives the current ones.
 */
export function diffManifests(
  before: InputManifest,
  after: InputManifest,
  hashes: { before: HashDetails | null; now: { env: Record<string, string>; runtime: Record<string, string> } },
): ManifestDiff {
  const old = new Map(before.files);
  const cur = new Map(after.files);
  const added = [...cur.keys()].filter((f) => !old.has(f));
  const removed = [...old.keys()].filter((f) => !cur.has(f));
  const changed = [...cur.entries()]
    .filter(([f, h]) => old.has(f) && old.get(f) !== h)
    .map(([file]): ChangedFile => ({ file, linesAdded: null, linesRemoved: null }));
  const nodes = hashes.before?.nodes ?? {};
  const environment: ManifestDiff['environment'] = [];
  for (const name of union(before.environment, after.environment)) {
    if (!before.environment.includes(name)) environment.push({ name, change: 'added' });
    else if (!after.environment.includes(name)) environment.push({ name, change: 'removed' });
    else if (nodes[`env:${name}`] !== undefined && nodes[`env:${name}`] !== hashes.now.env[name])
      environment.push({ name, change: 'changed' });
  }
  const runtime: ManifestDiff['runtime'] = [];
  for (const command of union(before.runtime, after.runtime)) {
    if (!before.runtime.includes(command)) runtime.push({ command, change: 'added' });
    else if (!after.runtime.includes(command)) runtime.push({ command, change: 'removed' });
    else if (nodes[`runtime:${command}`] !== undefined && nodes[`runtime:${command}`] !== hashes.now.runtime[command])
      runtime.push({ command, change: 'changed' });
  }
  const external: ManifestDiff['external'] = [
    ...after.external.filter((e) => !before.external.includes(e)).map((name) => ({ name, change: 'added' as const })),
    ...before.external.filter((e) => !after.external.includes(e)).map((name) => ({ name, change: 'removed' as const })),
  ];
  const command =
    before.command !== undefined && after.command !== undefined && before.command !== after.command
      ? { before: before.command, after: after.command }
      : null;
  return { added, removed, changed, environment, runtime, external, command };
}

function union(a: string[], b: string[]): string[] {
  return [...new Set([...a, ...b])].sort();
}

/** True when nothing differs. */
export function isEmptyDiff(d: ManifestDiff): boolean {
  return (
    !d.added.length &&
    !d.removed.length &&
    !d.changed.length &&
    !d.environment.length &&
    !d.runtime.length &&
    !d.external.length &&
    !d.command
  );
}
