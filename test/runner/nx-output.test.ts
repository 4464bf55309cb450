import { describe, expect, it } from 'vitest';
import { OwnOutputFilter, taskOwnOutput } from '../../runner/nx-output';

const task = { taskId: 'p199:work', project: 'p199', target: 'work' };

// What an agent's `nx run p199:work` prints (Nx 24.0.6, captured), with the task's own output in the middle.
const ran = [
  '',
  ' NX   Running target work for project p199 and 2 tasks it depends on:',
  '',
  '',
  '✔  nx run p003:work  [remote cache]',
  '✔  nx run p004:work  [local cache]',
  '',
  '> nx run p199:work',
  '',
  '> node tools/sleep.js 32 libs/p199/out/result.json\r',
  '\r',
  'slept 32 ms',
  '',
  '',
  '',
  ' NX   Successfully ran target work for project p199 and 2 tasks it depends on',
  '',
  'Nx read the output from the cache instead of running the command for 2 out of 3 tasks.',
  '',
  '  Run duration:      460ms',
  '  Cache:             2/3 hit (66%)',
  '  Critical path:     129ms (3 tasks)',
  '  Recoverable time:  <1ms',
];

describe('the task’s own output of an agent’s nx run', () => {
  it('keeps the command’s lines and drops Nx’s banner, dependency lines and summary', () => {
    expect(taskOwnOutput(ran, task)).toEqual(['> node tools/sleep.js 32 libs/p199/out/result.json', '', 'slept 32 ms']);
  });

  it('a cache hit of the task itself, a failure, colours and a task running nx itself', () => {
    const hit = [
      '\u001b[1m> nx run p199:work  [remote cache]\u001b[22m',
      '',
      'slept 32 ms',
      '',
      ' NX   Successfully ran target work for project p199',
    ];
    expect(taskOwnOutput(hit, task)).toEqual(['slept 32 ms']);
    const failed = [
      '> nx run p199:work',
      'Error: boom',
      '',
      ' NX   Running target work for project p199 failed',
      '',
      'Failed tasks:',
      '- p199:work',
    ];
    expect(taskOwnOutput(failed, task)).toEqual(['Error: boom']);
    // An inner nx (another project) keeps its banners: only the outer closing block goes.
    const nested = [
      '> nx run p199:work',
      ' NX   Successfully ran target build for project inner',
      'done',
      ' NX   Successfully ran target work for project p199',
    ];
    expect(taskOwnOutput(nested, task)).toEqual([' NX   Successfully ran target build for project inner', 'done']);
  });

  it('without the task’s header (nx failed before the task ran) everything is kept', () => {
    const graphError = ['', ' NX   Failed to process project graph.', 'bad project.json', ''];
    expect(taskOwnOutput(graphError, task)).toEqual([' NX   Failed to process project graph.', 'bad project.json']);
  });

  it('the streaming filter gives the same lines as the whole-output cut', () => {
    let checked = 0;
    for (const lines of [ran, ['> nx run p199:work', 'a', ' NX   Ran target work for project p199 (1s)', 'x']]) {
      const f = new OwnOutputFilter(task);
      const shown = lines.map((l) => f.push(l)).filter((l): l is string => l !== undefined);
      shown.push(...f.flush());
      // Streaming keeps inner blank lines at the ends; the cut trims them.
      expect(shown.join('\n').trim()).toBe(taskOwnOutput(lines, task).join('\n').trim());
      checked++;
    }
    const f = new OwnOutputFilter(task);
    expect([' NX   Failed to process project graph.', 'oops'].map((l) => f.push(l))).toEqual([undefined, undefined]);
    expect(f.flush()).toEqual([' NX   Failed to process project graph.', 'oops']);
    expect(checked).toBe(2);
  });
});
