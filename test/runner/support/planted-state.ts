/**
 * The fixture files of the planted-state test (trust-isolation.test.ts): for each pool of agents
 * (`u`: tasks as a task user; `s`: as the agent's own user) a project `plant-<pool>` whose targets
 * only that pool's agent runs (label `pool-<pool>`):
 * - `plant` leaves state behind (untracked and ignored files, git hooks and config, node_modules,
 *   an install stamp, local Nx cache and workspace data, HOME and TMPDIR files, /tmp and /dev/shm
 *   files, a detached resident process) and prints `PLANTED {json}`;
 * - `look` says, for each, whether it is still there and prints `LOOKED {json}`;
 * - `stamp` (cached) prints a fresh nonce each time it really runs: a local cache entry that
 *   survived into the next run would replay the old one.
 * Every target is cacheable, so the coordinator's replay restores them and runs none of them.
 */
const ITEMS_JS = `const path = require('path');
// What plant.js leaves and look.js looks for: [name, file] (absolute or workspace-relative).
module.exports = (pool) => [
  ['untracked file', 'libs/plant-' + pool + '/planted-untracked.txt'],
  ['ignored file', 'libs/plant-' + pool + '/out/planted-ignored.txt'],
  ['git hook post-checkout', '.git/hooks/post-checkout'],
  ['git hook reference-transaction', '.git/hooks/reference-transaction'],
  ['fsmonitor script', '.git/planted-fsmonitor.sh'],
  ['node_modules package', 'node_modules/planted-pkg/index.js'],
  ['node_modules marker', 'node_modules/.planted'],
  ['install stamp (.nx)', '.nx/fleet-install-stamp'],
  ['install stamp (HOME)', path.join(process.env.HOME, '.install-stamp-planted')],
  ['local Nx cache entry', '.nx/cache/planted-entry/terminalOutput'],
  ['Nx workspace data', '.nx/workspace-data/planted.json'],
  ['HOME file', path.join(process.env.HOME, '.planted')],
  ['HOME git config', path.join(process.env.HOME, '.gitconfig')],
  ['TMPDIR file', path.join(process.env.TMPDIR || '/tmp', 'planted')],
  ['/tmp file', '/tmp/fleet-planted-' + pool + '-' + process.env.AGENT_NAME],
  ['/dev/shm file', '/dev/shm/fleet-planted-' + pool + '-' + process.env.AGENT_NAME],
];
`;

const PLANT_JS = `const fs = require('fs'), path = require('path'), cp = require('child_process');
const pool = process.argv[2], shared = process.env.TRUST_TEST_SHARED;
const items = require('./planted-items.js')(pool);
for (const [name, file] of items) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, name === 'HOME git config' ? '[core]\\n\\tfsmonitor = ' + path.resolve('.git/planted-fsmonitor.sh') + '\\n' : 'planted ' + name + '\\n');
}
// Hooks and an fsmonitor command: each leaves a marker in the shared folder if git ever runs it.
for (const f of ['.git/hooks/post-checkout', '.git/hooks/reference-transaction', '.git/planted-fsmonitor.sh'])
  fs.writeFileSync(f, '#!/bin/sh\\ntouch ' + shared + '/ran-' + pool + '-' + path.basename(f) + '\\n', { mode: 0o755 });
const git = (...a) => cp.execFileSync('git', a, { encoding: 'utf8' }).trim();
git('config', 'fleet.planted', 'yes');
git('config', 'core.fsmonitor', path.resolve('.git/planted-fsmonitor.sh'));
git('config', 'remote.origin.url', '/nonexistent/evil-origin.git');
fs.writeFileSync('node_modules/planted-pkg/package.json', '{"name":"planted-pkg","main":"index.js"}');
// A resident process in a session of its own (nx's process group does not hold it).
const child = cp.spawn(process.execPath, ['-e', 'setInterval(() => {}, 1000)'], { detached: true, stdio: 'ignore' });
child.unref();
fs.mkdirSync('libs/plant-' + pool + '/out', { recursive: true });
fs.writeFileSync('libs/plant-' + pool + '/out/plant.txt', 'planted');
console.log('PLANTED ' + JSON.stringify({ pool, pid: child.pid, items: items.length, origin: '/nonexistent/evil-origin.git' }));
`;

const LOOK_JS = `const fs = require('fs'), path = require('path'), cp = require('child_process');
const pool = process.argv[2], shared = process.env.TRUST_TEST_SHARED;
const seen = {};
for (const [name, file] of require('./planted-items.js')(pool)) seen[name] = fs.existsSync(file);
const git = (...a) => { const r = cp.spawnSync('git', a, { encoding: 'utf8' }); return r.status === 0 ? r.stdout.trim() : ''; };
seen['git config fleet.planted'] = git('config', '--get', 'fleet.planted') !== '';
seen['git config core.fsmonitor'] = git('config', '--get', 'core.fsmonitor') !== '';
seen['git origin changed'] = git('remote', 'get-url', 'origin').includes('evil-origin');
try { require.resolve('planted-pkg', { paths: [process.cwd()] }); seen['require planted-pkg'] = true; } catch { seen['require planted-pkg'] = false; }
const pid = Number(fs.readFileSync(path.join(shared, 'resident-' + pool + '.pid'), 'utf8'));
// Alive: in /proc and not a zombie (killed, waiting to be reaped).
try { seen['resident process'] = !/^\\d+ \\(.*\\) [ZX]/s.test(fs.readFileSync('/proc/' + pid + '/stat', 'utf8')); } catch { seen['resident process'] = false; }
fs.mkdirSync('libs/plant-' + pool + '/out', { recursive: true });
fs.writeFileSync('libs/plant-' + pool + '/out/look.json', JSON.stringify(seen));
console.log('LOOKED ' + JSON.stringify({ pool, seen }));
`;

const STAMP_JS = `const fs = require('fs');
const pool = process.argv[2], nonce = require('crypto').randomBytes(8).toString('hex');
fs.mkdirSync('libs/plant-' + pool + '/out', { recursive: true });
fs.writeFileSync('libs/plant-' + pool + '/out/stamp.txt', nonce);
console.log('STAMP-NONCE ' + nonce);
`;

function plantProject(pool: string): string {
  const target = (script: string, out: string): Record<string, unknown> => ({
    executor: 'nx:run-commands',
    cache: true,
    inputs: ['{projectRoot}/**/*'],
    outputs: [`{projectRoot}/out/${out}`],
    options: { command: `node tools/${script} ${pool}` },
    metadata: { fleet: { requires: { labels: [`pool-${pool}`] } } },
  });
  return JSON.stringify({
    name: `plant-${pool}`,
    root: `libs/plant-${pool}`,
    targets: {
      plant: target('plant.js', 'plant.txt'),
      look: target('look.js', 'look.json'),
      stamp: target('stamp.js', 'stamp.txt'),
    },
  });
}

export function plantedStateFiles(pools: string[]): Record<string, string> {
  const files: Record<string, string> = {
    'tools/planted-items.js': ITEMS_JS,
    'tools/plant.js': PLANT_JS,
    'tools/look.js': LOOK_JS,
    'tools/stamp.js': STAMP_JS,
  };
  for (const pool of pools) {
    files[`libs/plant-${pool}/project.json`] = plantProject(pool);
    files[`libs/plant-${pool}/src.txt`] = pool;
  }
  return files;
}

/**
 * The lines `taskId` printed in `fleet run`'s output: those under its header line
 * (`✔ <task> · <agent> · ...`, each indented by two spaces; docs/distributed.md, "What you see"),
 * and the `<task> | <line>` lines of `--output-style stream`.
 */
export function taskLines(output: string, taskId: string): string[] {
  const lines = output.split('\n');
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (lines[i].startsWith(`${taskId} | `)) out.push(lines[i].slice(taskId.length + 3));
    else if (/^[✔✖↻] /.test(lines[i]) && lines[i].slice(2).split(' · ')[0] === taskId)
      for (let j = i + 1; j < lines.length && (lines[j].startsWith('  ') || lines[j] === ''); j++)
        out.push(lines[j].slice(2));
  }
  return out;
}

/** The JSON after `marker` on the first output line of `taskId` that has it (`MARKER {json}`). */
export function taskJson<T>(output: string, taskId: string, marker: string): T | undefined {
  const line = taskLines(output, taskId).find((l) => l.startsWith(`${marker} `));
  return line ? (JSON.parse(line.slice(`${marker} `.length)) as T) : undefined;
}

/** The `STAMP-NONCE x` line `taskId` printed in a run. */
export function stampNonce(output: string, taskId: string): string | undefined {
  for (const l of taskLines(output, taskId)) {
    const m = /^STAMP-NONCE ([0-9a-f]{16})$/.exec(l);
    if (m) return m[1];
  }
  return undefined;
}
