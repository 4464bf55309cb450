import * as fs from 'node:fs';
import * as path from 'node:path';
import type { WorkspaceReader } from './types';

/** A {@link WorkspaceReader} over the real file system under `workspaceRoot`. */
export function createFsReader(workspaceRoot: string): WorkspaceReader {
  const abs = (rel: string) => path.join(workspaceRoot, rel);
  return {
    readFile(rel) {
      try {
        return fs.readFileSync(abs(rel), 'utf8');
      } catch {
        return undefined; // missing, a folder, or unreadable: all mean "no such file" here
      }
    },
    readDir(rel) {
      try {
        return fs.readdirSync(abs(rel), { withFileTypes: true }).map((e) => ({ name: e.name, dir: e.isDirectory() }));
      } catch {
        return [];
      }
    },
  };
}
