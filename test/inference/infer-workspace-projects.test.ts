import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { inferWorkspaceProjects, targetNames } from '../../graph';
import { createWorkspace, repoRoot } from '../rig';

describe('inferWorkspaceProjects (what `fleet graph` calls, without Nx)', () => {
  it('infers the polyglot projects with languages and targets', () => {
    const { projects, diagnostics } = inferWorkspaceProjects(path.join(repoRoot(), 'examples/polyglot'));
    expect(diagnostics).toEqual([]);
    expect(
      projects.map((p) => ({ name: p.name, root: p.root, languages: p.languages, targets: targetNames(p) })),
    ).toEqual([
      { name: '@polyglot/api', root: 'apps/api', languages: ['typescript'], targets: ['build', 'test', 'typecheck'] },
      { name: 'core', root: 'libs/core', languages: ['typescript'], targets: ['test', 'typecheck'] },
      { name: 'util', root: 'libs/util', languages: ['typescript'], targets: ['build', 'test', 'typecheck'] },
      {
        name: '@polyglot/format',
        root: 'packages/format',
        languages: ['typescript'],
        targets: ['build', 'test', 'typecheck'],
      },
      // project.json of the Python trainer (its Python targets come from graph/python)
      { name: 'polyglot-trainer', root: 'python/trainer', languages: [], targets: ['train'] },
    ]);
  });

  it('skips node_modules and .gitignore’d folders, and returns diagnostics for bad files', () => {
    const ws = createWorkspace({
      fixture: 'examples/polyglot',
      commit: false,
      files: {
        'packages/format/package.json': '{ "name": "@polyglot/format", }',
        'generated/lib/tsconfig.json': '{}',
        'generated/lib/a.ts': 'export {};',
        '.gitignore': 'node_modules\ndist\n/generated/\n',
      },
    });
    try {
      const { projects, diagnostics } = inferWorkspaceProjects(ws.root);
      expect(projects.map((p) => p.name)).toEqual(['@polyglot/api', 'core', 'util', 'polyglot-trainer']);
      expect(diagnostics).toEqual([
        {
          file: 'packages/format/package.json',
          line: 1,
          code: 'PACKAGE_JSON_INVALID',
          message: expect.stringContaining(':1:31:'),
        },
      ]);
    } finally {
      ws.dispose();
    }
  });

  it('rejects bad options like the plugin does', () => {
    expect(() => inferWorkspaceProjects(repoRoot(), { testTargetName: '' })).toThrow(
      /"testTargetName": must NOT have fewer than 1 characters/,
    );
  });
});
