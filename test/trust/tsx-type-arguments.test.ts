import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';

// Issue #12 §3 with real Nx: `<List<Todo> data={items} />` once made the lexer report
// TS_PARSE_ERROR and lose every import after it, so the edge to `ui` vanished.
const json = (v: unknown) => JSON.stringify(v, null, 2);
const pkg = (name: string, deps: Record<string, string> = {}) => json({ name, private: true, dependencies: deps });
const tsconfig = json({ extends: '../../tsconfig.base.json', include: ['src'] });

describe('TSX: JSX elements with type arguments, through real Nx', () => {
  let ws: TestWorkspace;
  let stderr = '';
  beforeAll(() => {
    ws = createWorkspace({
      files: {
        'package.json': json({ name: 'tsx', private: true, workspaces: ['packages/*'] }),
        'nx.json': json({ plugins: [{ plugin: 'nx-fleet' }] }),
        'tsconfig.base.json': json({
          compilerOptions: {
            strict: true,
            jsx: 'react-jsx',
            module: 'esnext',
            moduleResolution: 'bundler',
            noEmit: true,
          },
        }),
        'packages/ui/package.json': pkg('ui'),
        'packages/ui/tsconfig.json': tsconfig,
        'packages/ui/src/index.ts': 'export const Item = (p: { v: string }) => p.v;\n',
        'packages/model/package.json': pkg('model'),
        'packages/model/tsconfig.json': tsconfig,
        'packages/model/src/index.ts': 'export type Todo = { id: number };\n',
        // no package.json dependencies: the edges can only come from the file graph
        'packages/app/package.json': pkg('app'),
        'packages/app/tsconfig.json': tsconfig,
        'packages/app/src/list.tsx': [
          "import type { Todo } from '../../model/src/index';",
          'declare const List: any; declare const items: Todo[];',
          'export const view = <List<Todo> data={items} render={(t: Todo) => <span>{t.id}</span>} />;',
          "import { Item } from '../../ui/src/index';",
          'export const item = Item;',
          '',
        ].join('\n'),
      },
    });
    const r = ws.nx(['show', 'projects', '--json']);
    stderr = r.stderr;
    expect(r.code, r.stderr).toBe(0);
  });
  afterAll(() => ws?.dispose());

  it('no TS_PARSE_ERROR, and the import after the element still gives its edge', () => {
    expect(stderr).not.toContain('TS_PARSE_ERROR');
    const graph = JSON.parse(ws.read('.nx/workspace-data/project-graph.json')) as {
      dependencies: Record<string, Array<{ target: string }>>;
    };
    expect(graph.dependencies.app.map((d) => d.target).sort()).toEqual(['model', 'ui']);
  });
});
