import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildFileGraph } from '../../graph';
import { removeTree, writeTree } from './temp-tree';

const trees: string[] = [];
afterEach(() => {
  for (const t of trees.splice(0)) removeTree(t);
});

function workspace(): { root: string; cacheDir: string; build: () => ReturnType<typeof buildFileGraph> } {
  const root = writeTree({
    'tsconfig.json': JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@x/*': ['lib/*'] } } }),
    'app/main.ts': "import { a } from '@x/a';\nimport { b } from './b';\n",
    'app/b.ts': 'export const b = 1;\n',
    'lib/a.ts': 'export const a = 1;\n',
    'lib/c.ts': "import { a } from './a';\n",
  });
  trees.push(root);
  const cacheDir = path.join(root, '.cache', 'fleet');
  // No git repository: files are discovered by walking the tree; hashes come from the stat cache.
  return { root, cacheDir, build: () => buildFileGraph({ workspaceRoot: root, cacheDir, exclude: ['.cache'] }) };
}

/** Makes a file's mtime old enough that the stat cache trusts it (it re-hashes files changed within a second of a cache write). */
function age(root: string): void {
  const past = new Date(Date.now() - 60_000);
  for (const f of ['tsconfig.json', 'app/main.ts', 'app/b.ts', 'lib/a.ts', 'lib/c.ts'])
    fs.utimesSync(path.join(root, f), past, past);
}

describe('file-graph cache', () => {
  it('reuses everything on a second build with no change', async () => {
    const ws = workspace();
    age(ws.root);
    const first = await ws.build();
    expect(first.stats).toMatchObject({ parsed: 4, resolved: 4, contextChanged: true });
    const second = await ws.build();
    expect(second.stats).toMatchObject({ parsed: 0, resolved: 0, contextChanged: false });
    expect(second.files).toEqual(first.files);
  });

  it('re-parses only a changed file (same file list: no other file is re-resolved)', async () => {
    const ws = workspace();
    age(ws.root);
    await ws.build();
    fs.writeFileSync(path.join(ws.root, 'lib/c.ts'), "import { b } from '../app/b';\n");
    const after = await ws.build();
    expect(after.stats).toMatchObject({ parsed: 1, resolved: 1, contextChanged: false });
    expect(after.files['lib/c.ts'].imports.map((i) => i.target)).toEqual(['app/b.ts']);
  });

  it('re-resolves every file (from cached extraction) when a file appears that changes a resolution', async () => {
    const ws = workspace();
    age(ws.root);
    const before = await ws.build();
    expect(before.files['app/main.ts'].imports.map((i) => i.target)).toEqual(['lib/a.ts', 'app/b.ts']);
    // A new app/b/index.ts does not change ./b (the file wins); a new lib/a.tsx does not beat lib/a.ts;
    // but removing app/b.ts makes ./b resolve to the new directory index.
    fs.mkdirSync(path.join(ws.root, 'app/b'));
    fs.writeFileSync(path.join(ws.root, 'app/b/index.ts'), 'export const b = 2;\n');
    fs.rmSync(path.join(ws.root, 'app/b.ts'));
    const after = await ws.build();
    expect(after.stats).toMatchObject({ parsed: 1, resolved: 4, contextChanged: true });
    expect(after.files['app/main.ts'].imports.map((i) => i.target)).toEqual(['lib/a.ts', 'app/b/index.ts']);
  });

  it('re-resolves when a tsconfig changes', async () => {
    const ws = workspace();
    age(ws.root);
    await ws.build();
    fs.writeFileSync(
      path.join(ws.root, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { baseUrl: '.', paths: { '@x/*': ['app/*'] } } }),
    );
    fs.writeFileSync(path.join(ws.root, 'app/a.ts'), 'export const a = 2;\n');
    const after = await ws.build();
    expect(after.stats?.contextChanged).toBe(true);
    expect(after.files['app/main.ts'].imports[0].target).toBe('app/a.ts');
  });

  it('discards a cache written by another format or nx-fleet version', async () => {
    const ws = workspace();
    age(ws.root);
    await ws.build();
    const metaFile = path.join(ws.cacheDir, 'meta.json');
    const meta = JSON.parse(fs.readFileSync(metaFile, 'utf8'));
    fs.writeFileSync(metaFile, JSON.stringify({ ...meta, fleetVersion: '0.0.0-other' }));
    const after = await ws.build();
    expect(after.stats).toMatchObject({ parsed: 4, contextChanged: true });
    expect(JSON.parse(fs.readFileSync(metaFile, 'utf8')).fleetVersion).toBe(meta.fleetVersion);
  });

  it('uses the given content hashes as the cache key (Nx file hashes)', async () => {
    const ws = workspace();
    const files = (h: string) =>
      ['tsconfig.json', 'app/main.ts', 'app/b.ts', 'lib/a.ts', 'lib/c.ts'].map((file) => ({
        file,
        hash: `${file}:${h}`,
      }));
    await buildFileGraph({ workspaceRoot: ws.root, cacheDir: ws.cacheDir, files: files('1') });
    const same = await buildFileGraph({
      workspaceRoot: ws.root,
      cacheDir: ws.cacheDir,
      files: files('1'),
      filesToProcess: ['lib/c.ts'],
    });
    expect(same.stats).toMatchObject({ processed: 1, parsed: 0, resolved: 0 });
    expect(Object.keys(same.files)).toEqual(['lib/c.ts']);
  });

  it('writes atomically: only complete JSON files, no temp files left behind', async () => {
    const ws = workspace();
    await ws.build();
    const all: string[] = [];
    const walk = (d: string) => {
      for (const e of fs.readdirSync(d, { withFileTypes: true }))
        (e.isDirectory() ? walk : (p: string) => all.push(p))(path.join(d, e.name));
    };
    walk(ws.cacheDir);
    expect(all.some((f) => f.endsWith('.tmp'))).toBe(false);
    expect(all.length).toBeGreaterThan(2);
    for (const f of all) expect(() => JSON.parse(fs.readFileSync(f, 'utf8'))).not.toThrow();
  });

  it('survives a corrupt cache file by treating it as a miss', async () => {
    const ws = workspace();
    age(ws.root);
    await ws.build();
    for (const shard of fs.readdirSync(path.join(ws.cacheDir, 'resolved')))
      fs.writeFileSync(path.join(ws.cacheDir, 'resolved', shard), '{"entries": {tor');
    const after = await ws.build();
    expect(after.stats?.resolved).toBe(4);
    expect(after.files['app/main.ts'].imports.map((i) => i.target)).toEqual(['lib/a.ts', 'app/b.ts']);
  });
});
