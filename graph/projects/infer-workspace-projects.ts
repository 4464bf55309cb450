import { normalizeOptions, type FleetPluginOptions } from '../../config/options';
import type { WorkspacePath } from '../types';
import { createFsReader } from './fs-reader';
import { globToRegExp, matchesPathOrAncestor } from '../glob-to-regexp';
import { inferProjects } from './infer-projects';
import { isProjectConfigFileName } from './project-config-glob';
import type { InferenceResult, WorkspaceReader } from './types';

/** Folders never walked: dependencies, VCS data, Nx's cache, build output. */
const ALWAYS_SKIPPED = new Set(['node_modules', '.git', '.nx', 'dist']);

/**
 * Infers projects without Nx (for `fleet graph`): walks the workspace for the config files
 * Nx would hand the plugin, then runs {@link inferProjects}. The walk skips node_modules,
 * .git, .nx, dist, the `exclude` option's globs and the simple patterns of the root
 * .gitignore (names and paths, no negations), approximating Nx's own file discovery.
 * Throws InvalidOptionsError (code FLEET_INVALID_OPTIONS) for bad options, like the plugin.
 */
export function inferWorkspaceProjects(workspaceRoot: string, rawOptions?: FleetPluginOptions): InferenceResult {
  const options = normalizeOptions(rawOptions);
  const reader = createFsReader(workspaceRoot);
  const { projects, diagnostics } = inferProjects(listConfigFiles(reader, options.exclude), reader, options);
  return { projects, diagnostics };
}

/** Workspace-relative paths of every project config file (see PROJECT_CONFIG_FILE_NAMES). */
export function listConfigFiles(reader: WorkspaceReader, exclude: readonly string[] = []): WorkspacePath[] {
  const ignored = [...exclude, ...gitignorePatterns(reader)].map((g) => globToRegExp(g, false));
  const out: WorkspacePath[] = [];
  const stack = ['.'];
  while (stack.length) {
    const dir = stack.pop() as string;
    for (const entry of reader.readDir(dir)) {
      const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
      if (ALWAYS_SKIPPED.has(entry.name) || matchesPathOrAncestor(path, ignored)) continue;
      if (entry.dir) stack.push(path);
      else if (isProjectConfigFileName(entry.name)) out.push(path);
    }
  }
  return out.sort();
}

function gitignorePatterns(reader: WorkspaceReader): string[] {
  const text = reader.readFile('.gitignore') ?? '';
  const out: string[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim().replace(/\/$/, '');
    if (!line || line.startsWith('#') || line.startsWith('!')) continue;
    // A pattern without an inner slash matches at any depth, as in git.
    out.push(line.includes('/') ? line.replace(/^\//, '') : `**/${line}`);
  }
  return out;
}
