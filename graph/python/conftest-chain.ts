import type { WorkspacePath } from '../types';
import { projectOfFile, type ModuleOwnership } from './ownership';

const TEST_FILE = /(^|\/)(test_[^/]*\.py|[^/]*_test\.py|conftest\.py)$/;

/** True for files pytest collects or loads as plugins: `test_*.py`, `*_test.py`, `conftest.py`. */
export function isPythonTestFile(file: WorkspacePath): boolean {
  return TEST_FILE.test(file);
}

/**
 * The `conftest.py` files pytest loads for a test file: those in its folder and every folder
 * above it up to its project root, nearest first (the file itself excluded). They are implicit
 * dependencies: a fixture change there changes the test. Empty for non-test files.
 */
export function conftestChain(ownership: ModuleOwnership, file: WorkspacePath): WorkspacePath[] {
  if (!isPythonTestFile(file)) return [];
  const project = projectOfFile(ownership, file);
  if (!project) return [];
  const chain: WorkspacePath[] = [];
  let dir = file.includes('/') ? file.slice(0, file.lastIndexOf('/')) : '';
  for (;;) {
    const candidate = dir === '' ? 'conftest.py' : `${dir}/conftest.py`;
    if (candidate !== file && ownership.fileModules.has(candidate)) chain.push(candidate);
    if (dir === project.root || dir === '') return chain;
    dir = dir.includes('/') ? dir.slice(0, dir.lastIndexOf('/')) : '';
  }
}
