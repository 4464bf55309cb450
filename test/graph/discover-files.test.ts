import { afterEach, describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { buildFileGraph } from '../../graph';
import { discoverFiles } from '../../graph/discover-files';
import { hashContent } from '../../graph/parse-file';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

function repo(files: Record<string, string>): string {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-discover-'));
  dirs.push(root);
  for (const [rel, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  }
  const git = (...args: string[]) => {
    const r = spawnSync('git', args, {
      cwd: root,
      encoding: 'utf8',
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t',
      },
    });
    expect(r.status, r.stderr).toBe(0);
  };
  git('init', '-q');
  git('add', '-A');
  git('commit', '-qm', 'initial');
  return root;
}

describe('discoverFiles in a git repository', () => {
  it('gives git blob hashes for unchanged tracked files, none for modified or untracked, and drops deleted and ignored ones', () => {
    const root = repo({ '.gitignore': 'ignored/\n', 'a.ts': 'export const a = 1;\n', 'b.ts': 'b\n', 'c.ts': 'c\n' });
    fs.writeFileSync(path.join(root, 'a.ts'), 'export const a = 2;\n');
    fs.rmSync(path.join(root, 'b.ts'));
    fs.writeFileSync(path.join(root, 'new.ts'), 'new\n');
    fs.mkdirSync(path.join(root, 'ignored'));
    fs.writeFileSync(path.join(root, 'ignored', 'x.ts'), 'x\n');
    const found = discoverFiles(root);
    expect(found.map((f) => f.file)).toEqual(['.gitignore', 'a.ts', 'c.ts', 'new.ts']);
    const byFile = new Map(found.map((f) => [f.file, f.hash]));
    expect(byFile.get('a.ts')).toBeUndefined();
    expect(byFile.get('new.ts')).toBeUndefined();
    // Our content hash is git's blob hash, so cache entries agree whichever produced them.
    expect(byFile.get('c.ts')).toBe(hashContent(Buffer.from('c\n')));
  });

  it('never serves a stale cached import after an uncommitted edit of a tracked file', async () => {
    const root = repo({
      'a.ts': "import { b } from './b';\n",
      'b.ts': 'export const b = 1;\n',
      'c.ts': 'export const c = 1;\n',
    });
    const cacheDir = path.join(root, '.nx', 'fleet-cache');
    const first = await buildFileGraph({ workspaceRoot: root, cacheDir });
    expect(first.files['a.ts'].imports.map((i) => i.target)).toEqual(['b.ts']);
    fs.writeFileSync(path.join(root, 'a.ts'), "import { c } from './c';\n");
    const second = await buildFileGraph({ workspaceRoot: root, cacheDir });
    expect(second.files['a.ts'].imports.map((i) => i.target)).toEqual(['c.ts']);
  });
});
