import type { ExecutorContext } from '@nx/devkit';
import { describe, expect, it } from 'vitest';
import { affinities } from '../../executors/typecheck/executor';
import { laneChooser } from '../../executors/typecheck/server';

const context = (deps: Record<string, string[]>) =>
  ({
    projectGraph: {
      nodes: {},
      dependencies: Object.fromEntries(
        Object.entries(deps).map(([p, ds]) => [p, ds.map((target) => ({ source: p, target, type: 'static' }))]),
      ),
    },
  }) as unknown as ExecutorContext;

describe('typecheck thread affinity', () => {
  it('a project joins the group of its dependency with the most transitive dependencies', () => {
    // a <- b <- c, d (no deps), e depends on d and c: c's closure (b, a) is larger than d's.
    const deps = { a: [], b: ['a'], c: ['b'], d: [], e: ['d', 'c'], f: ['d'], outside: [] };
    const groups = affinities(['a', 'b', 'c', 'd', 'e', 'f'], context(deps));
    expect(Object.fromEntries(groups)).toEqual({ a: 'a', b: 'a', c: 'a', d: 'd', e: 'a', f: 'd' });
  });

  it('dependencies outside the batch do not count', () => {
    const groups = affinities(['b', 'c'], context({ a: [], b: ['a'], c: ['b'] }));
    expect(Object.fromEntries(groups)).toEqual({ b: 'b', c: 'b' });
  });

  it('a group keeps its lane; a new group or no affinity goes to the lane with the fewest tasks', () => {
    const lanes = laneChooser(2);
    expect(lanes.take('a')).toBe(0);
    expect(lanes.take('d')).toBe(1);
    expect(lanes.take('a')).toBe(0);
    expect(lanes.take(undefined)).toBe(1);
    lanes.release(0);
    lanes.release(0);
    expect(lanes.take('x')).toBe(0);
    expect(lanes.take('d')).toBe(1);
  });
});
