import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';

const json = (v: unknown) => JSON.stringify(v, null, 2);
type Shown = {
  root: string;
  targets: Record<string, { executor: string; options: Record<string, unknown>; inputs?: unknown[] }>;
};

describe('coexistence with Nx core on real nx', () => {
  let ws: TestWorkspace;
  const show = (name: string) => JSON.parse(ws.nxOk(['show', 'project', name, '--json'])) as Shown;
  beforeAll(() => {
    ws = createWorkspace({
      files: {
        'package.json': json({
          name: 'ws',
          private: true,
          workspaces: ['packages/*'],
          devDependencies: { vitest: '*' },
        }),
        'nx.json': json({
          plugins: [{ plugin: 'nx-fleet', options: { lintTargetName: 'eslint', disabledTargets: ['build'] } }],
        }),
        'tsconfig.json': json({ compilerOptions: { strict: true, noEmit: true }, include: ['tools/**/*.ts'] }),
        'tools/gen.ts': 'export {};\n',
        'eslint.config.mjs': 'export default [];\n',
        // project.json project with a user-written typecheck
        'apps/web/project.json': json({ name: 'web', targets: { typecheck: { command: 'echo mine' } } }),
        'apps/web/tsconfig.json': json({ compilerOptions: { outDir: 'dist' } }),
        'apps/web/src/main.ts': 'export {};\n',
        'apps/web/src/main.spec.ts': 'export {};\n',
        // workspace package with scripts and nx.targets
        'packages/p/package.json': json({
          name: 'p',
          scripts: { test: 'node check.js' },
          nx: { targets: { eslint: { command: 'echo own-lint' } } },
        }),
        'packages/p/tsconfig.json': '{}',
        'packages/p/vitest.config.ts': 'export default {};\n',
        'packages/p/index.ts': 'export {};\n',
        // nested tsconfig inside a project is not a project
        'packages/p/fixtures/tsconfig.json': '{}',
        'packages/p/fixtures/f.ts': 'export {};\n',
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('creates no root project and no project for nested tsconfig folders', () => {
    expect((JSON.parse(ws.nxOk(['show', 'projects', '--json'])) as string[]).sort()).toEqual(['p', 'web']);
  });

  it('keeps a project.json target and adds the others to that project', () => {
    const web = show('web');
    expect(web.targets.typecheck).toMatchObject({ executor: 'nx:run-commands', options: { command: 'echo mine' } });
    expect(web.targets.typecheck.inputs).toBeUndefined(); // nothing of ours merged into it
    expect(web.targets.test).toMatchObject({ options: { command: 'vitest run', cwd: 'apps/web' } });
    expect(web.targets.eslint).toMatchObject({ options: { command: 'eslint .' } }); // renamed lint target
    expect(web.targets.build).toBeUndefined(); // disabled by option
  });

  it('keeps package.json scripts and nx.targets as the user wrote them', () => {
    const p = show('p');
    expect(p.targets.test).toMatchObject({ executor: 'nx:run-script', options: { script: 'test' } });
    expect(p.targets.test.inputs).toBeUndefined();
    expect(p.targets.eslint).toMatchObject({ options: { command: 'echo own-lint' } });
    expect(p.targets.typecheck).toMatchObject({
      options: { command: 'tsc --noEmit -p tsconfig.json', cwd: 'packages/p' },
    });
  });

  it('fails with an error naming a bad option', () => {
    ws.write(
      'nx.json',
      json({ plugins: [{ plugin: 'nx-fleet', options: { disabledTargets: ['deploy'], typecheckTargetName: '' } }] }),
    );
    const r = ws.nx(['show', 'projects']);
    ws.git(['checkout', 'nx.json']);
    expect(r.code).not.toBe(0);
    const out = r.stdout + r.stderr;
    expect(out).toContain('"disabledTargets.0": must be one of "typecheck", "test", "lint", "build" (got "deploy")');
    expect(out).toContain('"typecheckTargetName": must NOT have fewer than 1 characters');
  });
});

describe('malformed files on real nx', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      fixture: 'examples/polyglot',
      files: {
        'libs/core/tsconfig.json': '{\n  "extends": "../../tsconfig.base.json",\n  "include": ["src/**/*.ts"],,\n}\n',
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('a malformed tsconfig.json is one warning naming file and line; the graph still builds', () => {
    const r = ws.nx(['show', 'projects', '--json']);
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as string[]).sort()).toEqual(
      expect.arrayContaining(['@polyglot/api', '@polyglot/format', 'core', 'util', 'polyglot-textkit']),
    );
    const warnings = r.stderr.split('\n').filter((l) => l.includes('nx-fleet ['));
    expect(warnings).toEqual([
      'nx-fleet [TSCONFIG_INVALID] libs/core/tsconfig.json:3:30: expected a property name in double quotes, found character ","',
    ]);
  });

  it('a malformed workspace package.json is reported once (by Nx core, with its line), not again by nx-fleet', () => {
    ws.write('packages/format/package.json', '{\n  "name": "@polyglot/format",\n  oops\n}\n');
    const r = ws.nx(['show', 'projects']);
    const out = r.stdout + r.stderr;
    expect(out).toMatch(/packages\/format\/package\.json at 3:3/);
    expect(out).not.toContain('nx-fleet [PACKAGE_JSON_INVALID]');
  });
});
