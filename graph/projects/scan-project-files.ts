import type { WorkspaceReader } from './types';

export interface ProjectFileFacts {
  /** At least one TS/JS source file. */
  hasSources: boolean;
  /** At least one `.ts`/`.tsx`/`.mts`/`.cts` file. */
  hasTypeScript: boolean;
  /** At least one `*.spec.*` or `*.test.*` source file. */
  hasTestFiles: boolean;
}

const SOURCE = /\.(ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const TYPESCRIPT = /\.(ts|tsx|mts|cts)$/;
const TEST = /\.(spec|test)\.[cm]?[jt]sx?$/;
const SKIP = new Set(['node_modules', 'dist', 'coverage']);
/** Upper bound on entries visited per project: the answer is known long before in real projects. */
const MAX_ENTRIES = 20_000;

/**
 * Looks through a project folder for source files, skipping dependency and output folders,
 * dot-folders and the given nested project roots (their files belong to them). Stops as soon
 * as every fact is known.
 */
export function scanProjectFiles(
  reader: WorkspaceReader,
  root: string,
  nestedRoots: ReadonlySet<string>,
): ProjectFileFacts {
  const facts: ProjectFileFacts = { hasSources: false, hasTypeScript: false, hasTestFiles: false };
  const stack = [root];
  let visited = 0;
  while (stack.length && visited < MAX_ENTRIES) {
    const dir = stack.pop() as string;
    for (const entry of reader.readDir(dir)) {
      visited++;
      const path = dir === '.' ? entry.name : `${dir}/${entry.name}`;
      if (entry.dir) {
        if (!SKIP.has(entry.name) && !entry.name.startsWith('.') && !nestedRoots.has(path)) stack.push(path);
        continue;
      }
      if (!SOURCE.test(entry.name)) continue;
      facts.hasSources = true;
      if (TYPESCRIPT.test(entry.name)) facts.hasTypeScript = true;
      if (TEST.test(entry.name)) facts.hasTestFiles = true;
      if (facts.hasTypeScript && facts.hasTestFiles) return facts;
    }
  }
  return facts;
}
