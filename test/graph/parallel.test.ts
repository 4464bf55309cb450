import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildFileGraph } from '../../graph';
import { parseWorkerPath } from '../../graph/parse-files';
import { repoRoot } from '../rig';
import { removeTree, writeTree } from './temp-tree';

describe('parallel parsing on piscina', () => {
  let root: string;
  beforeAll(() => {
    // The pool runs the compiled worker from dist/: build it if this checkout has not yet.
    if (!parseWorkerPath())
      execFileSync(
        process.execPath,
        [path.join(repoRoot(), 'node_modules/typescript/bin/tsc'), '-b', 'tsconfig.build.json'],
        { cwd: repoRoot() },
      );
    const files: Record<string, string> = {};
    for (let i = 0; i < 60; i++)
      files[`src/m${i}.ts`] = `import { v } from './m${(i + 1) % 60}';\nexport const x${i} = require('pkg${i % 3}');\n`;
    files['src/bad.ts'] = "import './m1';\nconst s = 'unterminated\n";
    root = writeTree(files);
  });
  afterAll(() => removeTree(root));

  it('gives the same graph on the pool as on the main thread', async () => {
    expect(parseWorkerPath()).toBeDefined();
    expect(fs.existsSync(parseWorkerPath() as string)).toBe(true);
    const serial = await buildFileGraph({ workspaceRoot: root, cacheDir: false, parallelThreshold: 1_000_000 });
    const parallel = await buildFileGraph({
      workspaceRoot: root,
      cacheDir: false,
      parallelThreshold: 1,
      parallelMinCores: 1,
    });
    expect(serial.stats?.parallel).toBe(false);
    expect(parallel.stats?.parallel).toBe(true);
    expect(parallel.stats?.parsed).toBe(61);
    expect(parallel.files).toEqual(serial.files);
    expect(parallel.diagnostics).toEqual(serial.diagnostics);
    expect(parallel.files['src/m0.ts'].imports.map((i) => i.target ?? i.external)).toEqual(['src/m1.ts', 'pkg0']);
  });
});
