import { describe, expect, it } from 'vitest';
import { InvalidOptionsError, normalizeOptions, validateOptions } from '../../config';

describe('plugin options', () => {
  it('fills every default', () => {
    expect(normalizeOptions(undefined)).toEqual({
      typecheckTargetName: 'typecheck',
      testTargetName: 'test',
      lintTargetName: 'lint',
      buildTargetName: 'build',
      disabledTargets: [],
      perFileTestTargets: false,
      changedTestTargets: false,
      testExecutor: 'commands',
      tsconfigProjects: true,
      exclude: [],
      parallelParseThreshold: 3000,
      executors: 'commands',
      docker: {},
      python: { interpreter: 'python3' },
      distributed: {},
      run: {},
      agent: {},
      cacheServe: {},
      history: {},
    });
  });

  it.each([
    [
      { bogus: 1 },
      'bogus',
      /^unknown option; known options are: typecheckTargetName, testTargetName, lintTargetName, buildTargetName, disabledTargets, perFileTestTargets, changedTestTargets, tsconfigProjects, exclude, parallelParseThreshold, executors, testExecutor, docker, python, distributed, run, agent, cacheServe, history$/,
    ],
    [{ executors: 'batch' }, 'executors', /^must be one of "commands", "fleet" \(got "batch"\)$/],
    [{ typecheckTargetName: 5 }, 'typecheckTargetName', /^must be string \(got 5\)$/],
    [{ testTargetName: '' }, 'testTargetName', /^must NOT have fewer than 1 characters \(got ""\)$/],
    [{ lintTargetName: null }, 'lintTargetName', /^must be string \(got null\)$/],
    [{ buildTargetName: ['b'] }, 'buildTargetName', /^must be string \(got \["b"\]\)$/],
    [{ disabledTargets: 'test' }, 'disabledTargets', /^must be array \(got "test"\)$/],
    [
      { disabledTargets: ['deploy'] },
      'disabledTargets.0',
      /^must be one of "typecheck", "test", "lint", "build" \(got "deploy"\)$/,
    ],
    [{ disabledTargets: ['lint', 'lint'] }, 'disabledTargets', /^must NOT have duplicate items/],
    [{ tsconfigProjects: 'yes' }, 'tsconfigProjects', /^must be boolean \(got "yes"\)$/],
    [{ exclude: ['ok', 1] }, 'exclude.1', /^must be string \(got 1\)$/],
    [{ parallelParseThreshold: 1.5 }, 'parallelParseThreshold', /^must be integer \(got 1.5\)$/],
    [{ parallelParseThreshold: 0 }, 'parallelParseThreshold', /^must be >= 1 \(got 0\)$/],
    [5, '(options)', /^must be object \(got 5\)$/],
  ])('rejects %j naming the option', (raw, option, message) => {
    const problems = validateOptions(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0].option).toBe(option);
    expect(problems[0].message).toMatch(message);
  });

  it('throws one error listing every problem, with a stable code', () => {
    let error: unknown;
    try {
      normalizeOptions({ testTargetName: '', nope: true } as never);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidOptionsError);
    expect((error as InvalidOptionsError).code).toBe('FLEET_INVALID_OPTIONS');
    expect((error as Error).message).toContain('"testTargetName": must NOT have fewer than 1 characters');
    expect((error as Error).message).toContain('"nope": unknown option');
  });
});
