import * as path from 'node:path';
import type * as TS from 'typescript';

/** The workspace's own TypeScript (what its `tsc` is), not a copy nx-fleet might carry. */
export function typescriptPath(workspaceRoot: string): string {
  return require.resolve('typescript', { paths: [workspaceRoot] });
}

export function loadTypescript(file: string): typeof TS {
  return require(file) as typeof TS;
}

/** The version of the TypeScript at `file` (its package.json next to lib/). */
export function typescriptVersion(file: string): string {
  return (require(path.join(path.dirname(file), '..', 'package.json')) as { version: string }).version;
}
