#!/usr/bin/env node
// Makes sure what the test suite needs from the machine is there. As root it installs missing
// Debian packages with apt (after apt-get update); otherwise it stops and names what to install.
import { spawnSync } from 'node:child_process';

/** [check, Debian package that provides it]: a command on PATH, or a shell test. */
const NEEDED = [
  ['git', 'git'],
  ['python3', 'python3'],
  ['redis-server', 'redis-server'],
  // The Python examples' tests run pytest with the python3 on PATH.
  ['python3 -c "import pytest"', 'python3-pytest'],
  // Page tests drive Debian's Chromium through playwright-core.
  ['chromium', 'chromium'],
  // gitlab-ci-local copies the repository into its build folder with rsync.
  ['rsync', 'rsync'],
  // fleet run's live terminal view is tested in a real terminal: tmux, read with capture-pane.
  ['tmux', 'tmux'],
];

const has = (check) =>
  spawnSync('sh', ['-c', check.includes(' ') ? `${check} >/dev/null 2>&1` : `command -v ${check}`], { stdio: 'ignore' })
    .status === 0;
const missing = NEEDED.filter(([check]) => !has(check));
if (missing.length === 0) process.exit(0);

const pkgs = [...new Set(missing.map(([, pkg]) => pkg))];
const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
if (!isRoot) {
  console.error(
    `The test suite needs: ${pkgs.join(', ')}. Install them, e.g.: sudo apt-get install -y ${pkgs.join(' ')}`,
  );
  process.exit(1);
}
console.log(`pretest: installing ${pkgs.join(', ')} with apt`);
const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
for (const args of [['update'], ['install', '-y', '--no-install-recommends', ...pkgs]]) {
  const r = spawnSync('apt-get', args, { stdio: 'inherit', env });
  if (r.status !== 0) {
    console.error(`pretest: apt-get ${args[0]} failed; install ${pkgs.join(', ')} by hand`);
    process.exit(1);
  }
}
const still = missing.filter(([cmd]) => !has(cmd)).map(([cmd]) => cmd);
if (still.length) {
  console.error(`pretest: still missing after install: ${still.join(', ')}`);
  process.exit(1);
}
