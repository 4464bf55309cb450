import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';
import { hookWanted } from '../../plugin/post-tasks-execution';

// Nx sends every task's result to a plugin worker for a postTasksExecution hook, whatever the
// hook does (bench/analytics/hook.mjs measures it): nx-fleet registers its hook only when the
// run history or a fleet run reads it.

describe('hookWanted', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-hook-reg-'));
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const nxJson = (history: unknown): void =>
    fs.writeFileSync(
      path.join(root, 'nx.json'),
      JSON.stringify({
        plugins: history === undefined ? ['nx-fleet'] : [{ plugin: 'nx-fleet', options: { history } }],
      }),
    );

  // Every combination of the variable, nx.json's history.enabled and a fleet run's results folder.
  const envValues = [undefined, '', '0', 'false', 'off', 'NO', '1', 'true', 'yes', 'bogus'];
  const fileValues = [undefined, {}, { enabled: false }, { enabled: true }, { enabled: 'off' }, { enabled: 7 }];
  const falseWord = (v: string): boolean => ['0', 'false', 'off', 'no'].includes(v.toLowerCase());
  it('is off only when history is explicitly off and no fleet run reads task results', () => {
    let cases = 0;
    for (const fileValue of fileValues) {
      nxJson(fileValue);
      for (const envValue of envValues)
        for (const resultsDir of [undefined, '/tmp/results']) {
          const env: NodeJS.ProcessEnv = {};
          if (envValue !== undefined) env.FLEET_HISTORY = envValue;
          if (resultsDir) env.FLEET_TASK_RESULTS_DIR = resultsDir;
          const enabled = fileValue && 'enabled' in fileValue ? fileValue.enabled : undefined;
          const offByFile = enabled === false || enabled === 'off';
          const off = envValue !== undefined && envValue !== '' ? falseWord(envValue) : offByFile;
          expect(hookWanted(env, root), JSON.stringify({ envValue, fileValue, resultsDir })).toBe(!off || !!resultsDir);
          cases++;
        }
    }
    console.log(`hookWanted: ${cases} combinations checked`);
    expect(cases).toBe(fileValues.length * envValues.length * 2);
  });

  it('an nx.json that is not JSON keeps the hook (it reports the problem itself)', () => {
    fs.writeFileSync(path.join(root, 'nx.json'), '{ not json');
    expect(hookWanted({}, root)).toBe(true);
  });
});

describe('with real Nx', () => {
  let ws: TestWorkspace;
  beforeAll(() => {
    ws = createWorkspace({
      files: {
        'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }),
        'package.json': JSON.stringify({ name: 'hook-reg', private: true }),
        'libs/a/project.json': JSON.stringify({
          name: 'a',
          targets: { build: { executor: 'nx:run-commands', cache: true, options: { command: 'echo a' } } },
        }),
      },
    });
  }, 120_000);
  afterAll(() => ws?.dispose());

  const trace = (): Array<{ code: string }> => {
    const f = ws.path('trace.jsonl');
    if (!fs.existsSync(f)) return [];
    return fs
      .readFileSync(f, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
  };

  it('FLEET_HISTORY=0: Nx calls no hook; =1: the hook records; =0 in a fleet run: the hook reports results', () => {
    const env = { FLEET_HISTORY_TRACE: ws.path('trace.jsonl'), FLEET_HISTORY_DEFER: '0' };
    ws.nxOk(['run', 'a:build', '--skip-nx-cache'], { env: { ...env, FLEET_HISTORY: '0' } });
    // Before, a registered hook wrote a HISTORY_OFF line here: now Nx did not call it at all.
    expect(trace()).toEqual([]);
    ws.nxOk(['run', 'a:build', '--skip-nx-cache'], { env: { ...env, FLEET_HISTORY: '1' } });
    expect(trace().map((l) => l.code)).toEqual(['RECORDED']);
    const results = ws.path('results');
    fs.mkdirSync(results);
    ws.nxOk(['run', 'a:build', '--skip-nx-cache'], {
      env: { ...env, FLEET_HISTORY: '0', FLEET_TASK_RESULTS_DIR: results },
    });
    expect(trace().map((l) => l.code)).toEqual(['RECORDED', 'HISTORY_OFF']);
    expect(fs.readdirSync(results).length).toBe(1);
  }, 180_000);
});
