#!/usr/bin/env node
// Fails when package-lock.json is not what npm itself would write for package.json.
//
// Why: `npm ci` installs exactly the lockfile, and refuses or breaks when the lockfile lacks
// entries npm would record (for example the optional packages of other platforms, which an
// install on one platform adds). This re-resolves the lockfile in a scratch folder with
// `npm install --package-lock-only` (no install, no scripts; the npm cache makes it take about
// a second) and compares it byte for byte with the committed one.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const repo = resolve(process.argv[2] ?? '.');
const dir = mkdtempSync(join(tmpdir(), 'fleet-lockfile-'));
try {
  for (const f of ['package.json', 'package-lock.json']) copyFileSync(join(repo, f), join(dir, f));
  execFileSync(
    'npm',
    ['install', '--package-lock-only', '--ignore-scripts', '--no-audit', '--no-fund', '--prefer-offline'],
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] },
  );
  const committed = readFileSync(join(repo, 'package-lock.json'), 'utf8');
  const resolved = readFileSync(join(dir, 'package-lock.json'), 'utf8');
  if (committed !== resolved) {
    console.error(
      'check-lockfile: package-lock.json is out of sync with package.json; run `npm install` and commit package-lock.json',
    );
    process.exit(1);
  }
  console.log('check-lockfile: package-lock.json is in sync');
} finally {
  rmSync(dir, { recursive: true, force: true });
}
