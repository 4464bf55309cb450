#!/usr/bin/env node
// Prints the plain closing line `N passed, N failed` from vitest's JSON report, for .ci/run.
//
// Usage: test-summary.mjs [report.json] [--exit-code N] [--failed-steps N]
//
// The line must never read `0 failed` on a failed run. Vitest's own counters do not ensure
// that: a `beforeAll` that throws marks its file failed but its tests *skipped*
// (numFailedTests stays 0), and an unhandled error only sets `success: false`. So, besides
// failed tests, this counts each failed file without a failed test, one failure for a run that
// vitest calls unsuccessful with nothing else to show for it, one for a non-zero exit code of
// the test command with nothing else counted, and every failed CI step (--failed-steps: the
// demo, lint, format). Skips go on a line of their own before the closing line.
import { readFileSync } from 'node:fs';

function parseArgs(argv) {
  const args = { report: '.vitest-report.json', exitCode: 0, failedSteps: 0 };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--exit-code') args.exitCode = Number(argv[++i]);
    else if (a === '--failed-steps') args.failedSteps = Number(argv[++i]);
    else args.report = a;
  }
  if (!Number.isInteger(args.exitCode)) args.exitCode = 1;
  if (!Number.isInteger(args.failedSteps) || args.failedSteps < 0) args.failedSteps = 1;
  return args;
}

/** Counts from a parsed vitest JSON report. */
function summarize(report, { exitCode = 0, failedSteps = 0 } = {}) {
  const passed = report?.numPassedTests ?? 0;
  const failedTests = report?.numFailedTests ?? 0;
  const files = report?.testResults ?? [];
  const failedFiles = files.filter(
    (f) => f.status === 'failed' && !(f.assertionResults ?? []).some((a) => a.status === 'failed'),
  ).length;
  let failed = failedTests + failedFiles;
  const notes = [];
  if (failedFiles) notes.push(`${failedFiles} test file(s) failed outside any test (a hook, an import or a crash)`);
  if (report && report.success === false && failed === 0) {
    failed += 1;
    notes.push('vitest reported the run unsuccessful (an unhandled error)');
  }
  if (exitCode !== 0 && failed === 0) {
    failed += 1;
    notes.push(`the test command exited ${exitCode}`);
  }
  if (failedSteps > 0) {
    failed += failedSteps;
    notes.push(`${failedSteps} CI step(s) failed`);
  }
  const skipped = (report?.numPendingTests ?? 0) + (report?.numTodoTests ?? 0);
  return { passed, failed, skipped, notes };
}

function main() {
  const args = parseArgs(process.argv.slice(2));
  let report = null;
  try {
    report = JSON.parse(readFileSync(args.report, 'utf8'));
  } catch (e) {
    console.error(`test-summary: no vitest report (${e.message})`);
  }
  const s = report
    ? summarize(report, args)
    : { passed: 0, failed: 1 + args.failedSteps, skipped: 0, notes: ['no vitest report'] };
  for (const n of s.notes) console.log(`test-summary: ${n}`);
  if (s.skipped) console.log(`${s.skipped} skipped`);
  console.log(`${s.passed} passed, ${s.failed} failed`);
  process.exitCode = s.failed > 0 ? 1 : 0;
}

main();
