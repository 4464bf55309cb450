import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type * as VitestNode from 'vitest/node';

export type VitestNodeApi = typeof VitestNode;

/**
 * The `vitest/node` of the project's own Vitest (what its `vitest` command is), resolved from
 * the project folder as Node resolves the CLI. Vitest is ESM only: a real dynamic import.
 */
export async function loadVitest(projectDir: string): Promise<{ api: VitestNodeApi; version: string; file: string }> {
  const { file, version } = resolveVitestNode(projectDir);
  const api = (await import(pathToFileURL(file).href)) as VitestNodeApi;
  return { api, version, file };
}

/** The file `import('vitest/node')` would load from the project folder, and Vitest's version. */
export function resolveVitestNode(projectDir: string): { file: string; version: string } {
  const req = createRequire(path.join(projectDir, 'noop.js'));
  const pkgFile = req.resolve('vitest/package.json');
  const pkg = JSON.parse(fs.readFileSync(pkgFile, 'utf8')) as {
    version: string;
    exports: Record<string, string | Record<string, string>>;
  };
  const entry = pkg.exports['./node'];
  const rel = typeof entry === 'string' ? entry : (entry.import ?? entry.default);
  const file = path.join(path.dirname(pkgFile), rel);
  return { file, version: pkg.version };
}
