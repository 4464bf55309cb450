import type { WorkspacePath } from '../types';
import { isPythonTestFile } from './conftest-chain';
import { joinPath, type PythonFs } from './python-fs';

/** What a walk through a project folder found (the facts its targets depend on). */
export interface PythonProjectFiles {
  /** At least one `.py`/`.pyi` file. */
  hasPython: boolean;
  /** At least one `test_*.py` / `*_test.py` file. */
  hasTests: boolean;
  /** A top-level `tests` or `test` folder, if any (unittest discovery starts there). */
  testDir?: string;
}

/** Folders that never hold a project's own code: environments, caches, build output. */
const SKIPPED = new Set(['node_modules', '__pycache__', 'venv', 'build', 'dist', 'site-packages']);
/** The answer is known long before this many entries in real projects. */
const MAX_ENTRIES = 20_000;

/**
 * Walks a project folder (skipping dot-folders, environments, build output and nested project
 * roots, whose files are theirs) until it knows whether it has Python files and tests.
 */
export function scanPythonProject(
  fs: PythonFs,
  root: WorkspacePath,
  nestedRoots: ReadonlySet<WorkspacePath>,
): PythonProjectFiles {
  const facts: PythonProjectFiles = { hasPython: false, hasTests: false };
  for (const e of fs.listDir(root) ?? [])
    if (e.dir && (e.name === 'tests' || e.name === 'test')) facts.testDir ??= e.name;
  const stack: WorkspacePath[] = [root];
  let visited = 0;
  while (stack.length > 0 && visited < MAX_ENTRIES && !(facts.hasPython && facts.hasTests)) {
    const dir = stack.pop() as WorkspacePath;
    for (const entry of fs.listDir(dir) ?? []) {
      visited++;
      const path = joinPath(dir, entry.name);
      if (entry.dir) {
        if (
          !entry.name.startsWith('.') &&
          !SKIPPED.has(entry.name) &&
          !entry.name.endsWith('.egg-info') &&
          !nestedRoots.has(path)
        )
          stack.push(path);
      } else if (/\.pyi?$/.test(entry.name)) {
        facts.hasPython = true;
        if (entry.name !== 'conftest.py' && isPythonTestFile(entry.name)) facts.hasTests = true;
      }
    }
  }
  return facts;
}
