// The closing line of .ci/run comes from scripts/test-summary.mjs. These tests run real vitest
// on small suites (a throwing beforeAll, an unhandled error, a plain failure) and check that the
// line can never read `0 failed` when the run failed.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '../..');
const script = join(repo, 'scripts/test-summary.mjs');
const dirs: string[] = [];

afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** Runs real vitest on the given test files in a scratch folder; returns the report path and exit code. */
function runVitest(files: Record<string, string>): { report: string; code: number } {
  const dir = mkdtempSync(join(tmpdir(), 'fleet-summary-'));
  dirs.push(dir);
  symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
  writeFileSync(
    join(dir, 'vitest.config.mjs'),
    "export default { test: { reporters: ['json'], outputFile: { json: 'report.json' } } };\n",
  );
  for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
  const r = spawnSync(process.execPath, [join(repo, 'node_modules/vitest/vitest.mjs'), 'run'], {
    cwd: dir,
    encoding: 'utf8',
    env: { ...process.env, CI: 'true', VITEST: undefined, VITEST_WORKER_ID: undefined, VITEST_POOL_ID: undefined },
  });
  return { report: join(dir, 'report.json'), code: r.status ?? 1 };
}

function summary(args: string[]): { lines: string[]; code: number } {
  const r = spawnSync(process.execPath, [script, ...args], { encoding: 'utf8' });
  return { lines: r.stdout.trim().split('\n'), code: r.status ?? 1 };
}

const passing = "import { it, expect } from 'vitest';\nit('fine', () => expect(2).toBe(2));\n";

describe('scripts/test-summary.mjs', () => {
  it('counts a file whose beforeAll throws as failed, though vitest marks its tests skipped', () => {
    const run = runVitest({
      'hook.test.ts':
        "import { beforeAll, it, expect } from 'vitest';\nbeforeAll(() => { throw new Error('boom'); });\nit('a', () => expect(1).toBe(1));\nit('b', () => expect(1).toBe(1));\n",
      'ok.test.ts': passing,
    });
    expect(run.code).not.toBe(0);
    const s = summary([run.report, '--exit-code', String(run.code)]);
    expect(s.lines.at(-1)).toBe('1 passed, 1 failed');
    expect(s.lines).toContain('2 skipped');
    expect(s.code).not.toBe(0);
  });

  it('counts an unhandled error when every test passed (the JSON report does not show it; the exit code does)', () => {
    const run = runVitest({
      'late.test.ts':
        "import { it } from 'vitest';\nit('ok', async () => { setTimeout(() => { throw new Error('late'); }, 1); await new Promise((r) => setTimeout(r, 50)); });\n",
    });
    expect(run.code).not.toBe(0);
    const s = summary([run.report, '--exit-code', String(run.code)]);
    expect(s.lines.at(-1)).toBe('1 passed, 1 failed');
    expect(s.code).not.toBe(0);
  });

  it('counts failed tests and reads 0 failed only on a green run', () => {
    const failing = runVitest({
      'bad.test.ts':
        "import { it, expect } from 'vitest';\nit('x', () => expect(1).toBe(2));\nit('y', () => expect(1).toBe(2));\n",
      'ok.test.ts': passing,
    });
    expect(summary([failing.report]).lines.at(-1)).toBe('1 passed, 2 failed');
    const green = runVitest({ 'ok.test.ts': passing });
    expect(green.code).toBe(0);
    const s = summary([green.report, '--exit-code', '0']);
    expect(s.lines.at(-1)).toBe('1 passed, 0 failed');
    expect(s.code).toBe(0);
  });

  it('counts a non-zero exit, failed CI steps and a missing report', () => {
    const green = runVitest({ 'ok.test.ts': passing });
    expect(summary([green.report, '--exit-code', '1']).lines.at(-1)).toBe('1 passed, 1 failed');
    expect(summary([green.report, '--failed-steps', '2']).lines.at(-1)).toBe('1 passed, 2 failed');
    const missing = summary([join(tmpdir(), 'no-such-report.json')]);
    expect(missing.lines.at(-1)).toBe('0 passed, 1 failed');
    expect(missing.code).not.toBe(0);
  });
});
