import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';

interface GraphJson {
  graph: { dependencies: Record<string, { source: string; target: string; type: string }[]> };
}

const json = (v: unknown) => JSON.stringify(v, null, 2);

/** Project-to-project edges of `nx graph --file` (npm: nodes left out). */
function edges(ws: TestWorkspace): string[] {
  ws.nxOk(['graph', '--file=g.json']);
  const g = JSON.parse(ws.read('g.json')) as GraphJson;
  return Object.values(g.graph.dependencies)
    .flat()
    .filter((d) => !d.target.startsWith('npm:'))
    .map((d) => `${d.source}->${d.target}:${d.type}`)
    .sort();
}

describe('createDependencies through real nx', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      files: {
        'package.json': json({ name: 'ws', private: true, workspaces: ['packages/*'] }),
        'nx.json': json({ plugins: [{ plugin: 'nx-fleet', options: {} }] }),
        'tsconfig.base.json': json({
          compilerOptions: { baseUrl: '.', paths: { '@ws/util': ['packages/util/src/index.ts'] } },
        }),
        'packages/util/package.json': json({ name: '@ws/util', version: '1.0.0' }),
        'packages/util/tsconfig.json': json({ extends: '../../tsconfig.base.json' }),
        'packages/util/src/index.ts': 'export const util = 1;\n',
        'packages/core/package.json': json({ name: '@ws/core', version: '1.0.0', exports: { '.': './src/index.ts' } }),
        'packages/core/tsconfig.json': json({ extends: '../../tsconfig.base.json' }),
        'packages/core/src/index.ts': "import { util } from '@ws/util';\nexport const core = util;\n",
        'packages/app/package.json': json({ name: '@ws/app', version: '1.0.0' }),
        'packages/app/tsconfig.json': json({ extends: '../../tsconfig.base.json' }),
        'packages/app/src/main.ts':
          "import { core } from '@ws/core';\nimport { local } from './local';\nexport const lazy = () => import('../../util/src/index');\n",
        'packages/app/src/local.ts': 'export const local = 1;\n',
      },
    });
  });
  afterAll(() => ws?.dispose());

  it('adds the edges found through workspace package names, tsconfig paths and relative paths', () => {
    // '../../util/src/index' from packages/app/src is packages/util/src/index.ts: a relative, dynamic edge.
    expect(edges(ws)).toEqual(['@ws/app->@ws/core:static', '@ws/app->@ws/util:dynamic', '@ws/core->@ws/util:static']);
  });

  it('keeps edges right after file-level changes (incremental filesToProcess)', () => {
    ws.write('packages/app/src/main.ts', "import { local } from './local';\nexport const x = local;\n");
    expect(edges(ws)).toEqual(['@ws/core->@ws/util:static']);
    ws.write('packages/app/src/extra.ts', "import { util } from '@ws/util';\nexport const y = util;\n");
    expect(edges(ws)).toEqual(['@ws/app->@ws/util:static', '@ws/core->@ws/util:static']);
  });

  it('prints a diagnostic for an unparseable file and a malformed tsconfig without crashing nx', () => {
    ws.write('packages/core/src/broken.ts', "import { util } from '@ws/util';\nconst s = 'unterminated\n");
    ws.write('packages/util/tsconfig.json', '{ "extends": "../../tsconfig.base.json",, }');
    const r = ws.nx(['graph', '--file=g.json']);
    expect(r.code).toBe(0);
    const output = r.stdout + r.stderr;
    expect(output).toContain('packages/core/src/broken.ts:2: unterminated string literal [TS_PARSE_ERROR]');
    expect(output).toContain('packages/util/tsconfig.json:1');
    expect(output).toContain('[TSCONFIG_INVALID]');
    expect(fs.existsSync(ws.path('g.json'))).toBe(true);
    expect(edges(ws)).toContain('@ws/core->@ws/util:static');
  });
});
