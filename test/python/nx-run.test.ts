import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkspace } from '../rig';
import { installTaskRecorder, runTasks } from '../inference/task-recorder';
import { createPolyglotWorkspace } from './python-workspace';

const PYTHON_TESTS = ['-t', 'test', '-p', 'polyglot-*', '--output-style=static'];

describe('running the Python tests of examples/polyglot with real nx and pytest', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createPolyglotWorkspace();
    installTaskRecorder(ws);
    ws.commit('recorder');
  });
  afterAll(() => ws?.dispose());

  it('runs the real pytest suites, then serves a second run entirely from the cache', () => {
    const first = ws.nxOk(['run-many', ...PYTHON_TESTS]);
    expect(first).toMatch(/4 passed/); // textkit's four tests, through its conftest fixture
    expect(runTasks(ws, ['run-many', ...PYTHON_TESTS])).toEqual({
      'polyglot-textkit:test': 'hit',
      'polyglot-trainer:test': 'hit',
      'polyglot-wordservice:test': 'hit',
    });
    expect(ws.git(['status', '--porcelain'])).toBe(''); // no bytecode or caches left as new inputs
  });

  it('re-runs only the library after a test-only change, and every dependent after a source change', () => {
    ws.write(
      'python/core/tests/test_slug.py',
      `${ws.read('python/core/tests/test_slug.py')}\n\ndef test_added():\n    assert True\n`,
    );
    expect(runTasks(ws, ['run-many', ...PYTHON_TESTS])).toEqual({
      'polyglot-textkit:test': 'run',
      'polyglot-trainer:test': 'hit',
      'polyglot-wordservice:test': 'hit',
    });
    ws.write('python/core/src/textkit/slug.py', `${ws.read('python/core/src/textkit/slug.py')}\n\nDEMO = 1\n`);
    expect(runTasks(ws, ['run-many', ...PYTHON_TESTS])).toEqual({
      'polyglot-textkit:test': 'run',
      'polyglot-trainer:test': 'run',
      'polyglot-wordservice:test': 'run',
    });
  });

  it('fails the task when a test fails (the cache never hides it)', () => {
    ws.write(
      'python/service/tests/test_api.py',
      `${ws.read('python/service/tests/test_api.py')}\n\ndef test_broken():\n    assert 1 == 2\n`,
    );
    const r = ws.nx(['run', 'polyglot-wordservice:test', '--output-style=static']);
    expect(r.code).not.toBe(0);
    expect(r.stdout + r.stderr).toMatch(/1 failed/);
  });
});
