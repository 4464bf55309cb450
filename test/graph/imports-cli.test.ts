import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../rig';
import { removeTree, writeTree } from './temp-tree';

function fleet(cwd: string, args: string[]) {
  const r = spawnSync(process.execPath, [path.join(repoRoot(), 'dist', 'cli', 'main.js'), ...args], {
    cwd,
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fleet imports', () => {
  let root: string;
  beforeAll(() => {
    root = writeTree({
      'a.ts':
        "/// <reference types=\"node\" />\nimport type { T } from './t';\nexport * from './b';\nconst m = import('./lazy');\n",
      'b.cjs': "const x = require('x');\n",
      'c.tsx': "const el = <p>Don't import('this')</p>;\n",
      'notes.txt': 'import x from "y"',
    });
  });
  afterAll(() => removeTree(root));

  it('prints the documented JSON: per file, each specifier with kind and line', () => {
    const r = fleet(root, ['imports', 'a.ts', 'b.cjs', 'c.tsx', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      {
        file: 'a.ts',
        imports: [
          { specifier: 'node', kind: 'reference', line: 1 },
          { specifier: './t', kind: 'type', line: 2 },
          { specifier: './b', kind: 'static', line: 3 },
          { specifier: './lazy', kind: 'dynamic', line: 4 },
        ],
      },
      { file: 'b.cjs', imports: [{ specifier: 'x', kind: 'require', line: 1 }] },
      { file: 'c.tsx', imports: [] },
    ]);
  });

  it('names an unknown file type, exits 1 and still prints the other files', () => {
    const r = fleet(root, ['imports', 'notes.txt', 'b.cjs', 'missing.ts', '--json']);
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('notes.txt: no import analyzer for this file type [UNKNOWN_FILE_TYPE]');
    expect(r.stderr).toContain('missing.ts: cannot read: ENOENT [FILE_UNREADABLE]');
    expect(JSON.parse(r.stdout)).toEqual([{ file: 'b.cjs', imports: [{ specifier: 'x', kind: 'require', line: 1 }] }]);
  });

  it('prints a readable list without --json', () => {
    const r = fleet(root, ['imports', 'b.cjs']);
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('b.cjs\n     1  require   x\n');
  });
});
