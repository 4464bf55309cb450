import { describe, expect, it } from 'vitest';
import { normalizeOptions, type FleetPluginOptions } from '../../config';
import { DEPENDENCY_TEST_SUPPORT_FILES, PRODUCTION_FILES, inferProjects, type InferredProject } from '../../graph';
import { memoryReader } from './memory-reader';

const json = (v: unknown) => JSON.stringify(v, null, 2);
const base = {
  'package.json': json({ name: 'ws', private: true, workspaces: ['packages/*'], devDependencies: { vitest: '*' } }),
  'tsconfig.base.json': json({ compilerOptions: { strict: true, noEmit: true } }),
  'tsconfig.json': json({ extends: './tsconfig.base.json', include: ['scripts/**/*.ts'] }),
  'scripts/x.ts': 'export {}',
};

function infer(files: Record<string, string>, options: FleetPluginOptions = {}) {
  const reader = memoryReader({ ...base, ...files });
  return inferProjects(reader.configFiles(), reader, normalizeOptions(options));
}
const byRoot = (projects: InferredProject[], root: string) => projects.find((p) => p.root === root);

describe('which folders are projects', () => {
  it('takes workspace packages (Nx core) and tsconfig folders with sources, nothing else', () => {
    const { projects, diagnostics } = infer({
      'packages/a/package.json': json({ name: '@s/a' }),
      'packages/a/src/a.ts': 'export const a = 1;',
      'libs/util/tsconfig.json': json({ extends: '../../tsconfig.base.json' }),
      'libs/util/src/u.ts': 'export const u = 1;',
      'libs/util/src/nested/tsconfig.json': '{}', // inside a project: not a project
      'libs/empty/tsconfig.json': '{}', // no sources
      'libs/solution/tsconfig.json': json({ files: [], references: [{ path: './tsconfig.lib.json' }] }),
      'libs/solution/src/s.ts': 'export {}',
      'tools/fixture/package.json': json({ name: 'fixture' }), // not in workspaces
      'tools/fixture/tsconfig.json': '{}',
      'tools/fixture/x.ts': 'export {}',
    });
    expect(projects.map((p) => [p.root, p.name, p.source, p.createdByNxCore])).toEqual([
      ['libs/util', 'util', 'tsconfig', false],
      ['packages/a', '@s/a', 'package-json', true],
    ]);
    expect(diagnostics).toEqual([]);
  });

  it('makes the workspace root a project only when Nx core does (package.json "nx" field)', () => {
    const withNx = infer({ 'package.json': json({ name: 'ws', nx: {}, workspaces: [] }) });
    expect(withNx.projects.map((p) => [p.root, p.name])).toEqual([['.', 'ws']]);
    expect(infer({}).projects).toEqual([]);
  });

  it('reads pnpm-workspace.yaml and negated globs', () => {
    const { projects } = infer({
      'package.json': json({ name: 'ws' }),
      'pnpm-workspace.yaml': 'packages:\n  - "pkgs/**"\n  - "!pkgs/skip"\n',
      'pkgs/a/package.json': json({ name: 'a' }),
      'pkgs/deep/b/package.json': json({ name: 'b' }),
      'pkgs/skip/package.json': json({ name: 'skip' }),
    });
    expect(projects.map((p) => p.name).sort()).toEqual(['a', 'b']);
  });

  it('gives project.json folders targets, and names tsconfig projects uniquely', () => {
    const { projects } = infer({
      'apps/web/project.json': json({ name: 'web', targets: { serve: { command: 'x' } } }),
      'apps/web/tsconfig.json': '{}',
      'apps/web/main.ts': 'export {}',
      'apps/util/tsconfig.json': '{}',
      'apps/util/a.ts': 'export {}',
      'libs/util/tsconfig.json': '{}',
      'libs/util/a.ts': 'export {}',
      'libs/web/tsconfig.json': '{}',
      'libs/web/a.ts': 'export {}',
    });
    expect(projects.map((p) => [p.root, p.name])).toEqual([
      ['apps/util', 'apps-util'],
      ['apps/web', 'web'],
      ['libs/util', 'libs-util'],
      ['libs/web', 'libs-web'],
    ]);
    expect(byRoot(projects, 'apps/web')).toMatchObject({
      source: 'project-json',
      createdByNxCore: true,
      userTargets: ['serve'],
    });
    expect(Object.keys(byRoot(projects, 'apps/web')!.targets)).toEqual(['typecheck']);
  });

  it('honours tsconfigProjects: false and exclude', () => {
    const files = {
      'libs/util/tsconfig.json': '{}',
      'libs/util/a.ts': 'export {}',
      'packages/a/package.json': json({ name: 'a' }),
      'packages/a/a.ts': 'export {}',
    };
    expect(infer(files, { tsconfigProjects: false }).projects.map((p) => p.name)).toEqual(['a']);
    expect(infer(files, { exclude: ['packages/**'] }).projects.map((p) => p.name)).toEqual(['util']);
  });
});

describe('targets', () => {
  const lib = {
    'libs/util/tsconfig.json': json({ extends: '../../tsconfig.base.json', include: ['src'] }),
    'libs/util/tsconfig.lib.json': json({
      extends: './tsconfig.json',
      compilerOptions: { noEmit: false, outDir: 'out', declarationDir: '../../types/util' },
      exclude: ['**/*.spec.ts', '**/*.test.ts'],
    }),
    'libs/util/src/u.ts': 'export const u = 1;',
    'libs/util/src/u.spec.ts': 'import "vitest";',
  };

  it('infers typecheck, test and build with commands, inputs, outputs and metadata', () => {
    const util = byRoot(infer(lib).projects, 'libs/util')!;
    expect(Object.keys(util.targets).sort()).toEqual(['build', 'test', 'typecheck']);
    expect(util.targets.typecheck).toMatchObject({
      command: 'tsc --noEmit -p tsconfig.json',
      options: { cwd: 'libs/util' },
      cache: true,
      outputs: [],
      inputs: [
        '{projectRoot}/**/*',
        // tsconfig.json compiles the tests, which may import dependencies' test-only files (issue #12 §4)
        DEPENDENCY_TEST_SUPPORT_FILES,
        '{workspaceRoot}/tsconfig.base.json',
        { runtime: expect.stringContaining("require('typescript/package.json')") },
      ],
      metadata: { technologies: ['typescript'], description: expect.any(String), help: { command: 'npx tsc --help' } },
    });
    expect(util.targets.build).toMatchObject({
      command: 'tsc -p tsconfig.lib.json',
      dependsOn: ['^build'],
      // tsconfig.lib.json excludes tests, so only production files of the project are hashed
      inputs: [PRODUCTION_FILES, `^${PRODUCTION_FILES}`, '{workspaceRoot}/tsconfig.base.json', expect.anything()],
      outputs: ['{projectRoot}/out', '{workspaceRoot}/types/util'],
    });
    expect(util.targets.test).toMatchObject({
      command: 'vitest run',
      outputs: ['{projectRoot}/coverage'],
      metadata: {
        technologies: ['vitest'],
        description: expect.stringContaining('test files and the root package.json devDependencies.vitest'),
      },
    });
  });

  it('hashes all project files for a build whose tsconfig compiles tests too', () => {
    const util = byRoot(
      infer({
        ...lib,
        'libs/util/tsconfig.lib.json': json({
          extends: './tsconfig.json',
          compilerOptions: { noEmit: false, outDir: 'out' },
          exclude: ['**/*.spec.ts'],
        }),
      }).projects,
      'libs/util',
    )!;
    expect(util.targets.build.inputs[0]).toBe('{projectRoot}/**/*');
    expect(util.targets.build.inputs[1]).toBe(DEPENDENCY_TEST_SUPPORT_FILES);
  });

  it('builds a composite config in build mode and declares where its .tsbuildinfo goes', () => {
    const composite = json({
      extends: './tsconfig.json',
      compilerOptions: { noEmit: false, composite: true, outDir: 'out', rootDir: 'src' },
    });
    const util = byRoot(infer({ ...lib, 'libs/util/tsconfig.lib.json': composite }).projects, 'libs/util')!;
    expect(util.targets.build).toMatchObject({
      command: 'tsc -b tsconfig.lib.json',
      outputs: ['{projectRoot}/out', '{projectRoot}/tsconfig.lib.tsbuildinfo'],
    });
  });

  it('infers no build when the tsconfig does not emit or has no outDir', () => {
    const noOut = infer({
      ...lib,
      'libs/util/tsconfig.lib.json': json({ extends: './tsconfig.json', compilerOptions: { noEmit: false } }),
    });
    expect(byRoot(noOut.projects, 'libs/util')!.targets.build).toBeUndefined();
    const noEmit = infer({
      ...lib,
      'libs/util/tsconfig.lib.json': json({ extends: './tsconfig.json', compilerOptions: { outDir: 'out' } }),
    });
    expect(byRoot(noEmit.projects, 'libs/util')!.targets.build).toBeUndefined();
  });

  it('type-checks each referenced config of a solution-style tsconfig.json', () => {
    const { projects } = infer({
      'libs/x/tsconfig.json': json({
        files: [],
        references: [{ path: './tsconfig.lib.json' }, { path: './tsconfig.spec.json' }],
      }),
      'libs/x/tsconfig.lib.json': json({ include: ['src'] }),
      'libs/x/tsconfig.spec.json': json({ include: ['src'] }),
      'libs/x/src/a.ts': 'export {}',
      'libs/x/package.json': json({ name: 'x' }),
      'package.json': json({ name: 'ws', workspaces: ['libs/*'] }),
    });
    expect(projects[0].targets.typecheck.command).toBe(
      'tsc --noEmit -p tsconfig.lib.json && tsc --noEmit -p tsconfig.spec.json',
    );
  });

  it('never infers over a target the user wrote, and respects a build script', () => {
    const { projects } = infer({
      'packages/a/package.json': json({
        name: 'a',
        scripts: { test: 'node t.js', build: 'vite build' },
        nx: { targets: { lint: { command: 'x' } } },
      }),
      'packages/a/tsconfig.json': json({ compilerOptions: { outDir: 'dist' } }),
      'packages/a/vitest.config.ts': '',
      'packages/a/eslint.config.js': '',
      'packages/a/src/a.ts': 'export {}',
    });
    expect(projects[0].userTargets).toEqual(['build', 'lint', 'test']);
    expect(Object.keys(projects[0].targets)).toEqual(['typecheck']);
  });

  it('uses the configured target names and leaves out disabled kinds', () => {
    const util = byRoot(
      infer(lib, { typecheckTargetName: 'tsc', buildTargetName: 'compile', disabledTargets: ['test'] }).projects,
      'libs/util',
    )!;
    expect(Object.keys(util.targets).sort()).toEqual(['compile', 'tsc']);
    expect(util.targets.compile.dependsOn).toEqual(['^compile']);
  });

  it.each([
    [{ 'p/vitest.config.mts': '' }, 'vitest', 'vitest.config.mts'],
    [{ 'p/jest.config.js': '' }, 'jest', 'jest.config.js'],
    [{ 'p/vite.config.ts': 'export default { test: { globals: true } }' }, 'vitest', 'vite.config.ts (test block)'],
    [
      { 'p/package.json': json({ name: 'p', devDependencies: { jest: '*' } }) },
      'jest',
      'package.json devDependencies.jest',
    ],
    [{ 'p/package.json': json({ name: 'p', jest: {} }) }, 'jest', 'package.json "jest"'],
  ])('detects the test runner from %j', (files, runner, from) => {
    const { projects } = infer({
      'package.json': json({ name: 'ws', workspaces: ['p'] }),
      'p/package.json': json({ name: 'p' }),
      'p/a.ts': 'export {}',
      ...files,
    });
    expect(projects[0].targets.test).toMatchObject({
      command: runner === 'vitest' ? 'vitest run' : 'jest',
      metadata: { description: expect.stringContaining(from) },
    });
  });

  it('infers no test target without runner evidence, and no lint without an ESLint config', () => {
    const { projects } = infer({
      'package.json': json({ name: 'ws', workspaces: ['p'] }),
      'p/package.json': json({ name: 'p' }),
      'p/a.spec.ts': '',
      'p/vite.config.ts': 'export default {}',
    });
    expect(projects[0].targets).toEqual({});
  });

  it('lints with the root flat config and hashes it as a workspace file', () => {
    const util = byRoot(infer({ ...lib, 'eslint.config.mjs': 'export default []' }).projects, 'libs/util')!;
    expect(util.targets.lint).toMatchObject({
      command: 'eslint .',
      inputs: expect.arrayContaining(['{workspaceRoot}/eslint.config.mjs']),
    });
  });

  it('hashes tool versions through externalDependencies when the lockfile lists them', () => {
    const lock = json({ packages: { 'node_modules/typescript': {}, 'node_modules/vitest': {} } });
    const util = byRoot(infer({ ...lib, 'package-lock.json': lock }).projects, 'libs/util')!;
    expect(util.targets.typecheck.inputs.at(-1)).toEqual({ externalDependencies: ['typescript'] });
    expect(util.targets.test.inputs.at(-1)).toEqual({ externalDependencies: ['vitest'] });
  });
});

describe('diagnostics', () => {
  it('reports a malformed tsconfig.json with its line and still infers the project and the others', () => {
    const { projects, diagnostics } = infer({
      'libs/bad/tsconfig.json': '{\n  "compilerOptions": {\n    "strict": true,,\n  }\n}',
      'libs/bad/a.ts': 'export {}',
      'libs/good/tsconfig.json': '{}',
      'libs/good/a.ts': 'export {}',
    });
    expect(diagnostics).toEqual([
      {
        file: 'libs/bad/tsconfig.json',
        line: 3,
        code: 'TSCONFIG_INVALID',
        message: expect.stringMatching(/^libs\/bad\/tsconfig\.json:3:20: /),
      },
    ]);
    expect(projects.map((p) => p.name)).toEqual(['bad', 'good']);
    expect(byRoot(projects, 'libs/bad')!.targets.typecheck).toBeDefined(); // tsc will name the error when run
  });

  it('reports a malformed workspace package.json once, drops only that project, and marks it as Nx core’s to report', () => {
    const r = infer({
      'packages/bad/package.json': '{ "name": "bad", oops }',
      'packages/ok/package.json': json({ name: 'ok' }),
    });
    expect(r.diagnostics).toEqual([
      {
        file: 'packages/bad/package.json',
        line: 1,
        code: 'PACKAGE_JSON_INVALID',
        message: expect.stringContaining('packages/bad/package.json:1:18'),
      },
    ]);
    expect(r.projects.map((p) => p.name)).toEqual(['ok']);
    expect(r.nxCoreFiles).toContain('packages/bad/package.json');
  });

  it('reports one diagnostic for a malformed base tsconfig shared by many projects', () => {
    const { diagnostics } = infer({
      'tsconfig.base.json': '{ "compilerOptions": { } ',
      'libs/a/tsconfig.json': json({ extends: '../../tsconfig.base.json' }),
      'libs/a/a.ts': '',
      'libs/b/tsconfig.json': json({ extends: '../../tsconfig.base.json' }),
      'libs/b/b.ts': '',
    });
    expect(diagnostics.map((d) => [d.file, d.code])).toEqual([['tsconfig.base.json', 'TSCONFIG_INVALID']]);
  });

  it('reports an extends that points nowhere, and a malformed pnpm-workspace.yaml', () => {
    const { diagnostics } = infer({
      'libs/a/tsconfig.json': json({ extends: '../missing.json' }),
      'libs/a/a.ts': '',
      'pnpm-workspace.yaml': 'packages: [\n',
    });
    expect(diagnostics.map((d) => [d.file, d.code])).toEqual([
      ['libs/a/tsconfig.json', 'TSCONFIG_EXTENDS_NOT_FOUND'],
      ['pnpm-workspace.yaml', 'PNPM_WORKSPACE_INVALID'],
    ]);
  });
});
