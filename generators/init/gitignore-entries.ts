import type { Tree } from '@nx/devkit';

/** What nx-fleet writes inside a workspace, and the `.gitignore` entry that keeps it out of git. */
export const FLEET_WRITES: Array<{ entry: string; what: string }> = [
  { entry: '.nx/workspace-data/', what: "the file-graph cache (.nx/workspace-data/nx-fleet), next to Nx's own" },
  { entry: '.nx/fleet/', what: 'the warm typecheck server: socket address, log and record' },
  { entry: '.nx/fleet-install-stamp', what: "fleet agent: the install step's stamp in a checkout" },
  { entry: '.fleet/', what: 'fleet cache serve: the default store, fs:.fleet/cache' },
];

const HEADER = '# nx-fleet (nx g nx-fleet:init)';

/** `/.nx/`, `.nx`, `.nx/**` → `.nx`: the path a plain (non-negated) line ignores, or undefined. */
function ignoredPath(line: string): string | undefined {
  const t = line.trim();
  if (t === '' || t.startsWith('#') || t.startsWith('!')) return undefined;
  return t
    .replace(/^\//, '')
    .replace(/\/\*\*?$/, '')
    .replace(/\/$/, '');
}

/** True when a line of the file already ignores `entry` (the entry itself or a folder above it). */
function covered(lines: string[], entry: string): boolean {
  const path = entry.replace(/\/$/, '');
  return lines.some((l) => {
    const p = ignoredPath(l);
    return p !== undefined && (p === path || path.startsWith(`${p}/`));
  });
}

/** Appends the entries `.gitignore` lacks (creating it when absent); returns those added. */
export function addGitignoreEntries(tree: Tree): string[] {
  const text = tree.read('.gitignore', 'utf-8') ?? '';
  const lines = text.split(/\r?\n/);
  const missing = FLEET_WRITES.map((w) => w.entry).filter((e) => !covered(lines, e));
  if (missing.length === 0) return [];
  const sep = text === '' ? '' : text.endsWith('\n') ? '\n' : '\n\n';
  const header = lines.includes(HEADER) ? [] : [HEADER];
  tree.write('.gitignore', `${text}${sep}${[...header, ...missing].join('\n')}\n`);
  return missing;
}
