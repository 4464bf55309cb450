import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { WorkspacePath } from '../types';

/** One directory entry as the project reader needs it. */
export interface PythonDirEntry {
  name: string;
  dir: boolean;
}

/**
 * The file access the project reader needs, on workspace-relative paths (`''` is the
 * workspace root). Passed in so that the plugin can serve it from Nx's file map or a cache,
 * and tests from memory. Both methods answer `undefined` for a missing path, never throw.
 */
export interface PythonFs {
  readFile(path: WorkspacePath): string | undefined;
  listDir(path: WorkspacePath): PythonDirEntry[] | undefined;
}

/** A {@link PythonFs} over the real disk under `workspaceRoot`. */
export function nodePythonFs(workspaceRoot: string): PythonFs {
  return {
    readFile(path) {
      try {
        return readFileSync(join(workspaceRoot, path), 'utf8');
      } catch {
        return undefined;
      }
    },
    listDir(path) {
      try {
        return readdirSync(join(workspaceRoot, path), { withFileTypes: true }).map((e) => ({
          name: e.name,
          dir: e.isDirectory(),
        }));
      } catch {
        return undefined;
      }
    },
  };
}

/** An in-memory {@link PythonFs} from `{ 'path/file': 'content' }` (folders are implied by the paths). */
export function memoryPythonFs(files: Record<string, string>): PythonFs {
  return {
    readFile: (path) => files[path],
    listDir(path) {
      const prefix = path === '' ? '' : path.replace(/\/$/, '') + '/';
      const entries = new Map<string, boolean>();
      for (const f of Object.keys(files)) {
        if (!f.startsWith(prefix)) continue;
        const rest = f.slice(prefix.length);
        const slash = rest.indexOf('/');
        if (slash < 0) entries.set(rest, entries.get(rest) ?? false);
        else entries.set(rest.slice(0, slash), true);
      }
      if (entries.size === 0) return undefined;
      return [...entries].map(([name, dir]) => ({ name, dir }));
    },
  };
}

/** Joins workspace-relative path parts, treating `''` as the workspace root. */
export function joinPath(...parts: string[]): WorkspacePath {
  const segments: string[] = [];
  for (const part of parts.join('/').split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') segments.pop();
    else segments.push(part);
  }
  return segments.join('/');
}
