import { describe, expect, it } from 'vitest';
import { GraphIndex, type GraphData } from '../../graph/query';
import { watchTasks } from '../../graph/watch-tasks';

const node = (imports: string[]) => ({ imports, external: [], unresolved: [] });

/** b imports a before the batch; the batch deletes a's file, so after it b imports nothing. */
const before: GraphData = {
  projects: {
    a: { root: 'libs/a', languages: ['typescript'], targets: ['test', 'typecheck'] },
    b: { root: 'libs/b', languages: ['typescript'], targets: ['test', 'typecheck'] },
    c: { root: 'libs/c', languages: ['typescript'], targets: ['test'] },
  },
  files: { 'libs/a/src/y.ts': node([]), 'libs/b/src/x.ts': node(['libs/a/src/y.ts']), 'libs/c/src/z.ts': node([]) },
  dependencies: [{ source: 'b', target: 'a', type: 'static', sourceFile: 'libs/b/src/x.ts' }],
};
const after: GraphData = {
  ...before,
  files: { 'libs/b/src/x.ts': { imports: [], external: [], unresolved: ['@w/a/y'] }, 'libs/c/src/z.ts': node([]) },
  dependencies: [],
};

describe('watchTasks', () => {
  it('a deleted file affects its old importers (seen only in the graph before the batch)', () => {
    const r = watchTasks(new GraphIndex(before), new GraphIndex(after), ['libs/a/src/y.ts'], { targets: ['test'] });
    expect(r.tasks).toEqual(['a:test', 'b:test']);
    // Without the old graph b is missed: the reason both are asked.
    expect(watchTasks(undefined, new GraphIndex(after), ['libs/a/src/y.ts'], { targets: ['test'] }).tasks).toEqual([
      'a:test',
    ]);
  });

  it('filters by -t and -p, and leaves out targets the project does not have', () => {
    const g = new GraphIndex(before);
    const all = ['libs/a/src/y.ts', 'libs/c/src/z.ts'];
    expect(watchTasks(g, g, all, { targets: ['typecheck'] }).tasks).toEqual(['a:typecheck', 'b:typecheck']);
    expect(watchTasks(g, g, all, { targets: ['test'], projects: ['c'] }).tasks).toEqual(['c:test']);
    expect(watchTasks(g, g, ['README.md'], { targets: ['test'] }).tasks).toEqual([]);
  });
});
