import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { affectedTasks, installTaskRecorder, runTasks } from './task-recorder';

// Dependency b -> a comes from package.json (Nx core makes that edge), so this checks the
// inputs nx-fleet declares independently of the file-level import graph.
const json = (v: unknown) => JSON.stringify(v, null, 2);
const lib = (name: string, deps: Record<string, string>) => ({
  [`packages/${name}/package.json`]: json({ name, private: true, dependencies: deps }),
  [`packages/${name}/tsconfig.json`]: json({ extends: '../../tsconfig.base.json', include: ['src'] }),
  [`packages/${name}/tsconfig.lib.json`]: json({
    extends: './tsconfig.json',
    compilerOptions: { noEmit: false, outDir: 'dist', rootDir: 'src' },
    exclude: ['src/**/*.spec.ts', 'src/**/*.test.ts'],
  }),
  [`packages/${name}/src/index.ts`]: `export const ${name} = '${name}';\n`,
  [`packages/${name}/src/index.spec.ts`]: `import { ${name} } from './index';\nexport const check: string = ${name};\n`,
});

describe('inputs make affected and the cache agree: test-only vs production changes', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      files: {
        'package.json': json({ name: 'ws', private: true, workspaces: ['packages/*'] }),
        'nx.json': json({ plugins: [{ plugin: 'nx-fleet' }] }),
        'tsconfig.base.json': json({
          compilerOptions: { strict: true, noEmit: true, module: 'esnext', moduleResolution: 'bundler', types: [] },
        }),
        ...lib('a', {}),
        ...lib('b', { a: '*' }),
      },
    });
    installTaskRecorder(ws);
    ws.commit('recorder');
  });
  afterAll(() => ws?.dispose());

  it('a test-only file of a library affects only its own typecheck', () => {
    expect(affectedTasks(ws, ['build', 'typecheck'], ['packages/a/src/index.spec.ts'])).toEqual(['a:typecheck']);
  });

  it('a production file affects the library and its dependents', () => {
    expect(affectedTasks(ws, ['build', 'typecheck'], ['packages/a/src/index.ts'])).toEqual([
      'a:build',
      'a:typecheck',
      'b:build',
      'b:typecheck',
    ]);
    // files directly in the project root are production too
    expect(affectedTasks(ws, ['typecheck'], ['packages/a/package.json'])).toEqual(['a:typecheck', 'b:typecheck']);
  });

  it('a shared tsconfig outside the projects affects every target that reads it', () => {
    expect(affectedTasks(ws, ['build', 'typecheck'], ['tsconfig.base.json'])).toEqual([
      'a:build',
      'a:typecheck',
      'b:build',
      'b:typecheck',
    ]);
  });

  it('the task hashes agree: after a test-only change, dependents are cache hits', () => {
    const first = runTasks(ws, ['run-many', '-t', 'build', 'typecheck']);
    expect(Object.keys(first).sort()).toEqual(['a:build', 'a:typecheck', 'b:build', 'b:typecheck']);
    expect(Object.values(first).every((s) => s === 'run')).toBe(true);
    expect(ws.read('packages/a/dist/index.js')).toContain("'a'");

    ws.write('packages/a/src/index.spec.ts', `import { a } from './index';\nexport const check2: string = a;\n`);
    const afterTest = runTasks(ws, ['run-many', '-t', 'build', 'typecheck']);
    expect(afterTest).toEqual({ 'a:typecheck': 'run', 'a:build': 'hit', 'b:build': 'hit', 'b:typecheck': 'hit' });

    ws.write('packages/a/src/index.ts', `export const a = 'A';\n`);
    const afterProd = runTasks(ws, ['run-many', '-t', 'build', 'typecheck']);
    expect(afterProd).toEqual({ 'a:typecheck': 'run', 'a:build': 'run', 'b:build': 'run', 'b:typecheck': 'run' });
  });
});
