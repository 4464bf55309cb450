#!/usr/bin/env node
// Prints the plain closing line `N passed, N failed` from vitest's JSON report.
import { readFileSync } from 'node:fs';
let report;
try {
  report = JSON.parse(readFileSync(process.argv[2] ?? '.vitest-report.json', 'utf8'));
} catch (e) {
  console.log('0 passed, 1 failed');
  console.error(`test-summary: no vitest report (${e.message})`);
  process.exit(0);
}
const passed = report.numPassedTests ?? 0;
const failed = report.numFailedTests ?? 0;
const suitesFailed = (report.testResults ?? []).filter((r) => r.status === 'failed' && (r.assertionResults ?? []).length === 0).length;
const skipped = (report.numPendingTests ?? 0) + (report.numTodoTests ?? 0);
console.log(`${passed} passed, ${failed + suitesFailed} failed${skipped ? `, ${skipped} skipped` : ''}`);
