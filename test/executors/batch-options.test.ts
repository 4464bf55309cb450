import { describe, expect, it } from 'vitest';
import { batchParallelism, parallelFromArgv } from '../../executors/batch-parallelism';
import { offloadTrust } from '../../executors/run/offload';
import { excludeNestedTests } from '../../graph/projects/exclude-nested-tests';
import { buildTestTarget } from '../../graph/projects/build-test-target';

const tools = () => [];

describe('batch executors: options read from Nx and the environment', () => {
  it("the batch's parallelism: the variable, then the nx command's --parallel, nx.json, 3; never more than the tasks", () => {
    const cases: Array<[string[], Record<string, string>, number | undefined, number, number]> = [
      [['nx', 'run-many', '-t', 'test', '--parallel=2'], {}, undefined, 10, 2],
      [['nx', 'run-many', '--parallel', '4', '-t', 'test'], {}, undefined, 10, 4],
      [['nx', 'run-many', '--parallel', '-t', 'test'], { NX_PARALLEL: '5' }, undefined, 10, 5],
      [['nx', 'run-many', '--parallel=false'], {}, 6, 10, 1],
      [['nx', 'run-many', '--maxParallel=7'], {}, undefined, 10, 7],
      [['nx', 'affected', '-t', 'test'], {}, 6, 10, 6],
      [['nx', 'affected', '-t', 'test'], {}, undefined, 10, 3],
      [['nx', 'run-many', '--parallel=8'], {}, undefined, 2, 2],
      [['nx', 'run-many', '--parallel=8'], { FLEET_VITEST_WORKERS: '1' }, undefined, 10, 1],
    ];
    for (const [argv, env, nxJson, tasks, want] of cases)
      expect(batchParallelism(tasks, env, nxJson, 'FLEET_VITEST_WORKERS', argv).workers, argv.join(' ')).toBe(want);
    expect(batchParallelism(3, { FLEET_RUN_WORKERS: 'two' }, undefined, 'FLEET_RUN_WORKERS', []).problem).toBe(
      'FLEET_RUN_WORKERS: expected a positive integer, got "two"',
    );
    expect(parallelFromArgv(['nx', 'run', 'a:b'], {})).toBeUndefined();
  });

  it('inferred nx-fleet:vitest targets exclude nested projects through the executor option, as --exclude does', () => {
    const input = {
      root: 'libs/a',
      runner: 'vitest' as const,
      detectedFrom: 'vitest.config.ts',
      workspaceFiles: [],
      tools,
    };
    const command = excludeNestedTests(buildTestTarget(input), ['inner']);
    expect(command.command).toBe("vitest run --exclude 'inner/**'");
    const fleet = excludeNestedTests(buildTestTarget({ ...input, testExecutor: 'fleet' }), ['inner', 'x/y']);
    expect(fleet.executor).toBe('nx-fleet:vitest');
    expect(fleet.options).toEqual({ cwd: 'libs/a', exclude: ['inner/**', 'x/y/**'] });
    // jest targets keep their command whatever testExecutor says
    expect(buildTestTarget({ ...input, runner: 'jest', testExecutor: 'fleet' }).command).toBe('jest');
  });

  it('offload trust: untrusted outside CI whatever is asked, refused when trusted is asked; CI keeps FLEET_TRUST', () => {
    expect(offloadTrust({})).toEqual({ trust: 'untrusted' });
    expect(offloadTrust({ CI: 'false', FLEET_TRUST: 'untrusted' })).toEqual({ trust: 'untrusted' });
    expect(offloadTrust({ FLEET_TRUST: 'trusted' })).toHaveProperty('problem');
    expect(offloadTrust({ CI: '0', FLEET_TRUST: 'trusted' })).toHaveProperty('problem');
    expect(offloadTrust({ CI: 'true' })).toEqual({ trust: 'trusted' });
    expect(offloadTrust({ CI: '1', FLEET_TRUST: 'untrusted' })).toEqual({ trust: 'untrusted' });
  });
});
