import * as fs from 'node:fs';
import * as path from 'node:path';
import { globToRegExp } from '../glob-to-regexp';
import type { WorkspaceFiles } from '../workspace-files';

/** A package of the workspace: its folder (workspace-relative) and manifest. */
export interface WorkspacePackage {
  dir: string;
  manifest: Record<string, unknown>;
}

/**
 * The workspace's own packages by name, from the root package.json `workspaces` globs
 * (npm/yarn) and pnpm-workspace.yaml, matched against the file list: no node_modules needed.
 */
export function findWorkspacePackages(ws: WorkspaceFiles): Map<string, WorkspacePackage> {
  const globs = workspaceGlobs(ws);
  const include = globs.filter((g) => !g.startsWith('!')).map(globToExactDir);
  const exclude = globs.filter((g) => g.startsWith('!')).map((g) => globToExactDir(g.slice(1)));
  const out = new Map<string, WorkspacePackage>();
  if (include.length === 0) return out;
  const manifests = [...ws.all()]
    .filter((f) => f.endsWith('/package.json') && !f.split('/').includes('node_modules'))
    .sort();
  for (const file of manifests) {
    const dir = path.posix.dirname(file);
    if (!include.some((r) => r.test(dir)) || exclude.some((r) => r.test(dir))) continue;
    const manifest = ws.readJson(file) as Record<string, unknown> | undefined;
    const name = manifest?.name;
    if (typeof name === 'string' && !out.has(name))
      out.set(name, { dir, manifest: manifest as Record<string, unknown> });
  }
  return out;
}

/** A workspace glob names package folders exactly (`packages/*` is not `packages/a/b`). */
function globToExactDir(glob: string): RegExp {
  return globToRegExp(glob, false);
}

function workspaceGlobs(ws: WorkspaceFiles): string[] {
  const globs: string[] = [];
  if (ws.has('package.json')) {
    const pkg = ws.readJson('package.json') as { workspaces?: unknown } | undefined;
    const w = pkg?.workspaces;
    const list = Array.isArray(w) ? w : (w as { packages?: unknown } | undefined)?.packages;
    if (Array.isArray(list)) globs.push(...list.filter((g): g is string => typeof g === 'string'));
  }
  if (ws.has('pnpm-workspace.yaml')) {
    let text = '';
    try {
      text = fs.readFileSync(path.join(ws.root, 'pnpm-workspace.yaml'), 'utf8');
    } catch {
      /* unreadable: no pnpm globs */
    }
    // Only the `packages:` list matters here; a full YAML parser would be overkill for it.
    for (const m of text.matchAll(/^\s*-\s*['"]?([^'"\n#]+?)['"]?\s*$/gm)) globs.push(m[1]);
  }
  return globs;
}
