#!/usr/bin/env node
// bench/ci: the CI time cut on a realistic pull request (issue 23). A generated polyglot workspace
// (workspace.mjs: ~100 TS, Python and Docker projects), pushed to a bare origin; the generated
// `.gitlab-ci.yml` (`nx g nx-fleet:ci --provider gitlab`) runs a main-branch pipeline first, which
// warms the remote cache (`fleet cache serve`, namespace main); then two scripted merge requests
// (`leaf-mid`: a few leaf and mid-level files; `hub`: one hub file), each through three pipelines
// in gitlab-ci-local 4.55.0 (`--shell-executor-no-image --shell-isolation`), in this order, per run:
//
//   baseline  every target of every project, no cache (`nx run-many -t ... --skip-nx-cache`)
//   peer      plain `nx affected` with the same self-hosted remote cache (read main, write its own
//             namespace), one job, no agents
//   nx-fleet  the generated pipeline: `fleet run affected` in the main job, agents as parallel jobs
//   nx-fleet, 1 CPU per agent  the same with each agent pinned to one CPU (`taskset -c`)
//
// Usage: npm run build && node bench/ci/run.mjs
// Env: BENCH_PROJECTS (100), BENCH_RUNS (3), BENCH_AGENTS (2), BENCH_PRS ("leaf-mid,hub"),
//   BENCH_PINNED=0 (skip the pinned repeat), BENCH_PINNED_RUNS (how many runs include it; BENCH_RUNS), BENCH_IDLE_EXIT (agents' --idle-exit, 20 s),
//   BENCH_DOCKER_RUN_MB (fake docker's work per RUN, 12), BENCH_SEED (23), BENCH_KEEP=1 (keep the
//   temp dir and print it), BENCH_JSON=FILE (the results as JSON), BENCH_PIPELINE_TIMEOUT_S (900).
import { spawnSync } from 'node:child_process';
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { killAllSync, start, startCache, startRedis, stopAll, waitExit, waitFor } from '../dte/processes.mjs';
import { applyPullRequest, generate } from './workspace.mjs';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..', '..');
const gitlabCiLocal = path.join(repo, 'node_modules', 'gitlab-ci-local', 'src', 'index.js');

const PROJECTS = Number(process.env.BENCH_PROJECTS ?? 100);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const AGENTS = Number(process.env.BENCH_AGENTS ?? 2);
const PRS = (process.env.BENCH_PRS ?? 'leaf-mid,hub').split(',').filter(Boolean);
const PINNED_RUNS = process.env.BENCH_PINNED === '0' ? 0 : Number(process.env.BENCH_PINNED_RUNS ?? RUNS);
const IDLE_EXIT = Number(process.env.BENCH_IDLE_EXIT ?? 20);
const SEED = Number(process.env.BENCH_SEED ?? 23);
const KEEP = /^(1|true|yes)$/i.test(process.env.BENCH_KEEP ?? '');
const PIPELINE_TIMEOUT_MS = Number(process.env.BENCH_PIPELINE_TIMEOUT_S ?? 900) * 1000;
const TARGETS = ['typecheck', 'test', 'build', 'docker-build'];
const GOALS = { belowBaselinePct: 80, hitPct: 90 };
const ZERO = '0'.repeat(40);

const t00 = Date.now();
const log = (line) => process.stderr.write(`bench [${((Date.now() - t00) / 1000).toFixed(0)} s]: ${line}\n`);
const load = () =>
  os
    .loadavg()
    .map((x) => x.toFixed(2))
    .join(' ');
const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};
const fmtS = (ms) => (Number.isFinite(ms) ? (ms / 1000).toFixed(1) : 'n/a');
const pct = (a, b) => (b > 0 ? `${((100 * a) / b).toFixed(1)} %` : 'n/a');

function sh(cmd, args, opts = {}) {
  const r = spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, timeout: 300_000, ...opts });
  if (r.status !== 0)
    throw new Error(
      `${cmd} ${args.join(' ')} exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout || '').slice(-3000)}`,
    );
  return r.stdout;
}
const git = (cwd, ...args) => sh('git', args, { cwd }).trim();

/**
 * The environment of gitlab-ci-local and so of every job: no daemon, TUI, cloud or colours; the
 * job checkout's own Nx cache (Nx 24 shares one per user otherwise, which separate CI machines do
 * not); the fake docker first on PATH; nothing of the caller's fleet or Nx settings.
 */
function jobEnv(ctx, extra = {}) {
  const env = {
    ...process.env,
    NX_DAEMON: 'false',
    NX_TUI: 'false',
    NX_NO_CLOUD: 'true',
    NX_INTERACTIVE: 'false',
    FORCE_COLOR: '0',
    NO_COLOR: '1',
    NX_CACHE_DIRECTORY: '.nx/cache',
    PATH: `${ctx.fakeBin}:${process.env.PATH}`,
    TMPDIR: ctx.jobTmp,
    FLEET_AGENT_WAIT: '120',
    ...extra,
  };
  for (const k of Object.keys(env))
    if (
      (/^(NX_|FLEET_)/.test(k) &&
        !(k in extra) &&
        !['NX_DAEMON', 'NX_TUI', 'NX_NO_CLOUD', 'NX_INTERACTIVE', 'NX_CACHE_DIRECTORY', 'FLEET_AGENT_WAIT'].includes(
          k,
        )) ||
      k.startsWith('VITEST') ||
      k.startsWith('CI_') ||
      env[k] === undefined
    )
      delete env[k];
  return env;
}

/**
 * Copies the built CLI into the temp dir (other people may rebuild dist/ during a run) and makes the
 * node_modules every job links: the repository's packages, nx-fleet as the frozen copy, and a
 * `fleet` bin that, with BENCH_PIN_AGENTS=1, pins `fleet agent` of parallel job N to CPU N-1.
 */
function prepareModules(tmp) {
  const fleet = path.join(tmp, 'fleet');
  fs.mkdirSync(fleet);
  fs.cpSync(path.join(repo, 'dist'), path.join(fleet, 'dist'), { recursive: true });
  for (const f of ['package.json', 'executors.json', 'generators.json'])
    fs.copyFileSync(path.join(repo, f), path.join(fleet, f));
  for (const d of ['config', 'executors', 'generators'])
    fs.cpSync(path.join(repo, d), path.join(fleet, d), {
      recursive: true,
      filter: (src) => !src.endsWith('.ts') || src.endsWith('.d.ts'),
    });
  fs.symlinkSync(path.join(repo, 'node_modules'), path.join(fleet, 'node_modules'));
  const nm = path.join(tmp, 'modules', 'node_modules');
  const src = path.join(repo, 'node_modules');
  fs.mkdirSync(path.join(nm, '.bin'), { recursive: true });
  for (const name of fs.readdirSync(src))
    if (!name.startsWith('.')) fs.symlinkSync(path.join(src, name), path.join(nm, name));
  fs.symlinkSync(fleet, path.join(nm, 'nx-fleet'));
  for (const bin of fs.readdirSync(path.join(src, '.bin')))
    fs.symlinkSync(path.join(src, '.bin', bin), path.join(nm, '.bin', bin));
  const main = path.join(fleet, 'dist', 'cli', 'main.js');
  fs.writeFileSync(
    path.join(nm, '.bin', 'fleet'),
    [
      '#!/bin/sh',
      'if [ "$1" = agent ] && [ "$BENCH_PIN_AGENTS" = 1 ]; then',
      '  cpu=$(( (${CI_NODE_INDEX:-1} - 1) % $(nproc --all) ))',
      `  exec taskset -c "$cpu" "${process.execPath}" "${main}" "$@"`,
      'fi',
      `exec "${process.execPath}" "${main}" "$@"`,
      '',
    ].join('\n'),
    { mode: 0o755 },
  );
  const commit = git(repo, 'log', '-1', '--format=%h %s');
  return { nodeModules: nm, fleetMain: main, commit };
}

/** The two hand-written pipelines the comparison starts from (the generated one is `.gitlab-ci.yml`). */
function writeComparisonPipelines(ws, installCommand) {
  const t = TARGETS.join(',');
  const common = { NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_DAEMON: 'false' };
  fs.mkdirSync(path.join(ws, 'ci'), { recursive: true });
  fs.writeFileSync(
    path.join(ws, 'ci', 'baseline.gitlab-ci.yml'),
    `# What the seeds start from: every target of every project, no cache.\n${stringify({
      stages: ['test'],
      variables: common,
      baseline: { stage: 'test', script: [installCommand, `npx nx run-many -t ${t} --skip-nx-cache`] },
    })}`,
  );
  fs.writeFileSync(
    path.join(ws, 'ci', 'peer.gitlab-ci.yml'),
    `# What a team with plain Nx runs: nx affected with the self-hosted remote cache, one job.\n${stringify({
      stages: ['test'],
      variables: common,
      peer: {
        stage: 'test',
        variables: { GIT_DEPTH: '0' },
        script: [
          installCommand,
          'export NX_SELF_HOSTED_REMOTE_CACHE_SERVER="$FLEET_CACHE_URL" NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN="$PEER_CACHE_TOKEN"',
          `npx nx affected --base="$CI_MERGE_REQUEST_DIFF_BASE_SHA" --head="$CI_COMMIT_SHA" -t ${t}`,
        ],
      },
    })}`,
  );
}

/** `fleet cache token create`: the token's secret. */
function token(ctx, name, args) {
  return sh(process.execPath, [
    ctx.fleetMain,
    'cache',
    'token',
    'create',
    '--tokens',
    ctx.tokensFile,
    '--name',
    name,
    ...args,
  ]).trim();
}

function levelKeys() {
  const { privateKey, publicKey } = crypto.generateKeyPairSync('ed25519', {
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    publicKeyEncoding: { type: 'spki', format: 'pem' },
  });
  return { privatePem: privateKey, publicPem: publicKey };
}

/** Parses gitlab-ci-local's `<job> finished in <duration>` lines: job -> seconds. */
function jobTimes(output) {
  const unit = { ms: 0.001, s: 1, min: 60, h: 3600 };
  const out = {};
  for (const m of output.matchAll(/^(\S.*?)\s+finished in ([\d.]+) (ms|s|min|h)\s*$/gm))
    if (m[1] !== 'pipeline') out[m[1]] = { s: Number(m[2]) * unit[m[3]] };
  return out;
}

/** Runs one pipeline with gitlab-ci-local; returns wall, per-job times and the job folders (moved to `keepDir`). */
async function runPipeline(ctx, label, { file, variables, env }) {
  const { ws } = ctx;
  fs.writeFileSync(path.join(ws, '.gitlab-ci-local-variables.yml'), stringify(variables));
  fs.rmSync(path.join(ws, '.gitlab-ci-local'), { recursive: true, force: true });
  fs.rmSync(path.join(ws, '.nx'), { recursive: true, force: true });
  const logFile = path.join(ctx.tmp, 'logs', `${label}.log`);
  const args = [gitlabCiLocal, '--shell-executor-no-image', '--shell-isolation', '--color', 'false'];
  if (file) args.push('--file', file);
  const t0 = performance.now();
  const p = start(`gitlab-ci-local ${label}`, process.execPath, args, { cwd: ws, env, logFile });
  const code = await waitExit(p, PIPELINE_TIMEOUT_MS);
  const wall = performance.now() - t0;
  const output = p.output();
  fs.rmSync(path.join(ws, '.gitlab-ci-local-variables.yml'), { force: true });
  const dir = path.join(ctx.tmp, 'pipelines', label);
  fs.mkdirSync(path.dirname(dir), { recursive: true });
  fs.renameSync(path.join(ws, '.gitlab-ci-local', 'builds'), dir);
  const jobs = jobTimes(output);
  if (code !== 0)
    throw new Error(
      `${label}: gitlab-ci-local exited ${code ?? 'on timeout'} (log ${logFile}):\n${output.slice(-6000)}`,
    );
  return {
    label,
    wall,
    jobs,
    dir,
    output,
    builds: fs
      .readdirSync(dir)
      .filter((b) => !b.startsWith('.'))
      .map((b) => path.join(dir, b)),
  };
}

/** Task records of an Nx command's run from the history store the job wrote (the hook's records). */
function historyTasks(ctx, db) {
  const env = { ...process.env, FLEET_HISTORY_DB: db };
  const runs = JSON.parse(
    sh(process.execPath, [ctx.fleetMain, 'runs', '--json', '--limit', '20'], { env, cwd: ctx.ws }),
  ).runs;
  const tasks = [];
  for (const r of runs.filter((x) => x.kind === 'nx'))
    tasks.push(
      ...JSON.parse(sh(process.execPath, [ctx.fleetMain, 'runs', r.runId, '--json'], { env, cwd: ctx.ws })).tasks,
    );
  return tasks.map((t) => ({
    taskId: t.taskId,
    hash: t.hash,
    status: t.status,
    cached: t.cache === 'remote' || t.cache === 'local',
  }));
}

/** Tasks of a `fleet run` from its --summary-json: the agent's attempt says whether Nx took it from a cache. */
function fleetTasks(summary) {
  return summary.tasks.map((t) => {
    const last = t.history?.[t.history.length - 1];
    return {
      taskId: t.taskId,
      hash: t.hash,
      status: t.status,
      agent: t.agent,
      cached: /cache/.test(last?.nxStatus ?? ''),
      ms: t.endedAt - t.startedAt,
    };
  });
}

function findFile(builds, rel) {
  return builds.find((b) => fs.existsSync(path.join(b, rel)));
}

/** Every file under a task's outputs in a job's checkout: workspace path -> SHA-256. */
function artifactDigests(dir, plan) {
  const out = {};
  const walk = (rel) => {
    const abs = path.join(dir, rel);
    if (!fs.existsSync(abs)) return;
    if (fs.statSync(abs).isDirectory()) for (const n of fs.readdirSync(abs).sort()) walk(path.join(rel, n));
    else out[rel] = crypto.createHash('sha256').update(fs.readFileSync(abs)).digest('hex');
  };
  for (const p of plan.projects) {
    if (p.kind === 'ts-app' || p.kind === 'python') walk(path.join(p.root, 'dist'));
    if (p.kind === 'docker') walk(path.join('dist', 'docker', p.name));
  }
  return out;
}

/**
 * Test results from a job's checkout: for every test task, the counts vitest (`Tests  N passed`) or
 * pytest (`N passed`) printed, read from the terminal output Nx keeps per task hash
 * (`.nx/cache/terminalOutputs/<hash>`, or `<hash>/terminalOutput` when restored from a cache).
 */
function testResults(dir, tasks) {
  const res = {};
  for (const t of tasks) {
    if (!t.taskId.endsWith(':test') || !t.hash) continue;
    const file = [
      path.join(dir, '.nx', 'cache', 'terminalOutputs', t.hash),
      path.join(dir, '.nx', 'cache', t.hash, 'terminalOutput'),
    ].find((f) => fs.existsSync(f));
    if (!file) {
      res[t.taskId] = 'no terminal output';
      continue;
    }
    // eslint-disable-next-line no-control-regex
    const text = fs.readFileSync(file, 'utf8').replace(/\x1b\[[0-9;]*m/g, '');
    const v = /Tests\s+(?:(\d+) failed \| )?(\d+) passed/.exec(text);
    const py = /=+ (?:(\d+) failed, )?(\d+) passed/.exec(text);
    const hit = v ?? py;
    res[t.taskId] = hit ? `${hit[2]} passed${hit[1] ? `, ${hit[1]} failed` : ''}` : 'no summary';
  }
  return res;
}

/** The task whose outputs hold a file: the app's build, the Python build, the image's docker-build. */
function ownerTask(file) {
  const parts = file.split('/');
  if (parts[0] === 'dist' && parts[1] === 'docker') return `${parts[2]}:docker-build`;
  return `${parts[1]}:build`;
}

/** Compares a pipeline's artifacts and test results with the baseline's, over the tasks it ran or restored. */
function compareOutputs(baseline, result, tasks) {
  const taskIds = new Set(tasks.map((t) => t.taskId));
  let files = 0;
  const diffs = [];
  for (const [f, digest] of Object.entries(baseline.artifacts)) {
    if (!taskIds.has(ownerTask(f))) continue;
    files++;
    if (result.artifacts[f] !== digest) diffs.push(`${f}: ${result.artifacts[f] ? 'differs' : 'missing'}`);
  }
  for (const f of Object.keys(result.artifacts))
    if (taskIds.has(ownerTask(f)) && !(f in baseline.artifacts)) diffs.push(`${f}: not in the baseline`);
  let tests = 0;
  for (const id of taskIds) {
    if (!id.endsWith(':test')) continue;
    tests++;
    if (!/^\d+ passed$/.test(baseline.tests[id] ?? ''))
      diffs.push(`${id}: the baseline has no passing summary (${baseline.tests[id]})`);
    else if (result.tests[id] !== baseline.tests[id])
      diffs.push(`${id}: ${result.tests[id]} vs baseline ${baseline.tests[id]}`);
  }
  return { files, tests, diffs };
}

/**
 * A pipeline's figures. `unchangedAll` is the denominator of the hit rate: the tasks of every project
 * (the baseline computes every hash) whose hash equals the main pipeline's. A pipeline reuses such a
 * task when it does not execute it again: `nx affected` leaves it out (main's result stands) or it
 * comes from the cache. `unchanged`/`unchangedHits` are the same count within the pipeline's own task
 * set (cache hits only).
 */
function summarise(label, p, tasks, resultDir, ctx, mainHashes, unchangedAll) {
  const unchanged = tasks.filter((t) => mainHashes.has(t.hash));
  const reExecuted = unchanged.filter((t) => !t.cached).length;
  const r = {
    label,
    wallMs: p.wall,
    jobs: p.jobs,
    tasks: tasks.length,
    ran: tasks.filter((t) => !t.cached).length,
    fromCache: tasks.filter((t) => t.cached).length,
    unchanged: unchanged.length,
    unchangedHits: unchanged.filter((t) => t.cached).length,
    unchangedAll,
    reExecuted,
    reused: unchangedAll - reExecuted,
    failed: tasks.filter(
      (t) => !['success', 'local-cache', 'remote-cache', 'local-cache-kept-existing'].includes(t.status),
    ).length,
    artifacts: artifactDigests(resultDir, ctx.plan),
    tests: testResults(resultDir, tasks),
    taskList: tasks,
  };
  return r;
}

async function main() {
  const tmp = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-bench-ci-'));
  let cleaned = false;
  const cleanup = async () => {
    await stopAll();
    if (KEEP) log(`kept ${tmp}`);
    else fs.rmSync(tmp, { recursive: true, force: true });
    cleaned = true;
  };
  const onSignal = () => {
    log('interrupted: stopping every process');
    cleanup().finally(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  process.once('exit', () => {
    killAllSync();
    if (!cleaned && !KEEP) fs.rmSync(tmp, { recursive: true, force: true });
  });
  try {
    await bench(tmp);
  } finally {
    await cleanup();
  }
}

async function bench(tmp) {
  const loadStart = load();
  for (const d of ['logs', 'jobtmp', 'bin', 'services']) fs.mkdirSync(path.join(tmp, d));
  const { nodeModules, fleetMain, commit } = prepareModules(tmp);
  const fakeBin = path.join(tmp, 'bin');
  // A frozen copy, like the CLI's.
  fs.copyFileSync(path.join(repo, 'bench', 'ci', 'fake-docker.mjs'), path.join(tmp, 'fake-docker.mjs'));
  fs.writeFileSync(
    path.join(fakeBin, 'docker'),
    `#!/bin/sh\nexec "${process.execPath}" "${path.join(tmp, 'fake-docker.mjs')}" "$@"\n`,
    {
      mode: 0o755,
    },
  );
  const python = sh('python3', ['-c', 'import sys; print(sys.executable)']).trim();
  const ws = path.join(tmp, 'ws');
  const bare = path.join(tmp, 'origin.git');
  fs.mkdirSync(ws);
  const plan = generate(ws, { projects: PROJECTS, seed: SEED, python });
  const installCommand = `rm -rf node_modules && ln -s ${nodeModules} node_modules`;
  const ctx = {
    tmp,
    ws,
    plan,
    fakeBin,
    jobTmp: path.join(tmp, 'jobtmp'),
    fleetMain,
    tokensFile: path.join(tmp, 'services', 'tokens.yaml'),
  };
  log(
    `workspace: ${plan.projects.length} projects (${plan.sizes.libs} TS libs, ${plan.sizes.apps} apps, ${plan.sizes.python} Python, ${plan.sizes.docker} Dockerfiles); build ${commit}; load ${loadStart}`,
  );
  // Tokens: the trusted CI's writer, the untrusted levels' mint tokens, one peer token per run and PR.
  const tokens = {
    trusted: token(ctx, 'ci-trusted', ['--write', 'main', '--read', 'main']),
    agentMint: token(ctx, 'pr-agents', ['--mint', 'write', '--read', 'main']),
    runMint: token(ctx, 'pr-ci', ['--mint', 'read', '--read', 'main']),
  };
  const peerTokens = {};
  for (let run = 1; run <= RUNS; run++)
    for (const pr of PRS)
      peerTokens[`${run}-${pr}`] = token(ctx, `peer-${run}-${pr}`, ['--write', `peer-${run}-${pr}`, '--read', 'main']);
  const store = path.join(tmp, 'services', 'store');
  const { url: cacheUrl } = await startCache(fleetMain, path.join(tmp, 'services'), store, [
    '--tokens',
    ctx.tokensFile,
  ]);
  const redis = { trusted: await startRedis(path.join(tmp, 'services')), untrusted: undefined };
  fs.mkdirSync(path.join(tmp, 'services', 'u'));
  redis.untrusted = await startRedis(path.join(tmp, 'services', 'u'));
  const keys = { trusted: levelKeys(), untrusted: levelKeys() };

  // The repository: generated workspace, the generated pipeline, the two comparison pipelines.
  fs.symlinkSync(nodeModules, path.join(ws, 'node_modules'));
  git(tmp, 'init', '-q', '--bare', '-b', 'main', bare);
  git(ws, 'init', '-q', '-b', 'main');
  for (const [k, v] of [
    ['user.email', 'bench@example.com'],
    ['user.name', 'bench'],
    ['commit.gpgsign', 'false'],
  ])
    git(ws, 'config', k, v);
  git(ws, 'remote', 'add', 'origin', bare);
  writeComparisonPipelines(ws, installCommand);
  git(ws, 'add', '-A');
  git(ws, 'commit', '-qm', 'generated workspace');
  const gen = spawnSync(
    process.execPath,
    [
      path.join(nodeModules, 'nx', 'dist', 'bin', 'nx.js'),
      'g',
      'nx-fleet:ci',
      '--provider',
      'gitlab',
      '--agents',
      String(AGENTS),
      '--targets',
      TARGETS.join(','),
      '--idle-exit',
      String(IDLE_EXIT),
      '--cache-url',
      cacheUrl,
      `--install-command=${installCommand}`,
    ],
    { cwd: ws, env: jobEnv(ctx), encoding: 'utf8' },
  );
  if (gen.status !== 0) throw new Error(`nx g nx-fleet:ci: ${gen.stderr}${gen.stdout}`);
  fs.rmSync(path.join(ws, '.nx'), { recursive: true, force: true });
  git(ws, 'add', '-A');
  git(ws, 'commit', '-qm', 'ci: nx g nx-fleet:ci --provider gitlab');
  git(ws, 'push', '-q', 'origin', 'main');
  const mainSha = git(ws, 'rev-parse', 'HEAD');
  const prSha = {};
  for (const pr of PRS) {
    git(ws, 'checkout', '-q', '-b', `pr-${pr}`, 'main');
    const files = applyPullRequest(ws, plan, pr);
    git(ws, 'commit', '-qam', `pr ${pr}: ${files.join(', ')}`);
    git(ws, 'push', '-q', 'origin', `pr-${pr}`);
    prSha[pr] = git(ws, 'rev-parse', 'HEAD');
    log(`pull request ${pr}: ${files.join(', ')}`);
  }
  git(ws, 'checkout', '-q', 'main');

  const trustedVars = {
    CI_PROJECT_ID: '7',
    FLEET_REDIS_URL: redis.trusted.url,
    FLEET_SIGNING_KEY: keys.trusted.privatePem,
    FLEET_PUBLIC_KEY: keys.trusted.publicPem,
    FLEET_CACHE_TOKEN: tokens.trusted,
    FLEET_UNTRUSTED_REDIS_URL: redis.untrusted.url,
    FLEET_UNTRUSTED_SIGNING_KEY: keys.untrusted.privatePem,
    FLEET_UNTRUSTED_PUBLIC_KEY: keys.untrusted.publicPem,
    FLEET_RUN_MINT_TOKEN: tokens.runMint,
    FLEET_AGENT_MINT_TOKEN: tokens.agentMint,
  };
  const mrVars = (pr) => ({
    CI_PROJECT_ID: '7',
    CI_PIPELINE_SOURCE: 'merge_request_event',
    CI_COMMIT_REF_PROTECTED: 'false',
    CI_MERGE_REQUEST_DIFF_BASE_SHA: mainSha,
    CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '7',
    CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: `pr-${pr}`,
    FLEET_UNTRUSTED_REDIS_URL: redis.untrusted.url,
    FLEET_UNTRUSTED_SIGNING_KEY: keys.untrusted.privatePem,
    FLEET_UNTRUSTED_PUBLIC_KEY: keys.untrusted.publicPem,
    FLEET_RUN_MINT_TOKEN: tokens.runMint,
    FLEET_AGENT_MINT_TOKEN: tokens.agentMint,
  });

  // 1. The main-branch pipeline (trusted, a first push: run-many), which warms namespace main.
  log(`main pipeline (nx-fleet, ${AGENTS} agents), load ${load()}`);
  const mainP = await runPipeline(ctx, 'main', {
    variables: {
      ...trustedVars,
      CI_PIPELINE_SOURCE: 'push',
      CI_COMMIT_BRANCH: 'main',
      CI_COMMIT_REF_PROTECTED: 'true',
      CI_COMMIT_BEFORE_SHA: ZERO,
    },
    env: jobEnv(ctx, { FLEET_HISTORY_DB: path.join(tmp, 'logs', 'main.db') }),
  });
  const mainDir = findFile(mainP.builds, 'fleet-run.json');
  const mainSummary = JSON.parse(fs.readFileSync(path.join(mainDir, 'fleet-run.json'), 'utf8'));
  const mainHashes = new Set(mainSummary.tasks.map((t) => t.hash).filter(Boolean));
  log(
    `main: ${fmtS(mainP.wall)} s, ${mainSummary.tasks.length} tasks (${mainSummary.status}), ${mainHashes.size} hashes`,
  );

  // 2. Per run and pull request: baseline, peer, nx-fleet (and nx-fleet with pinned agents).
  const results = [];
  const kinds = ['baseline', 'peer', 'nx-fleet', ...(PINNED_RUNS > 0 ? ['nx-fleet-1cpu'] : [])];
  const info = {
    kinds,
    main: { wallMs: mainP.wall, jobs: mainP.jobs, tasks: mainSummary.tasks.length },
    loadStart,
    commit,
    sizes: plan.sizes,
    projects: plan.projects.length,
  };
  for (let run = 1; run <= RUNS; run++) {
    for (const pr of PRS) {
      git(ws, 'checkout', '-q', `pr-${pr}`);
      const byKind = {};
      let unchangedAll = 0;
      for (const kind of kinds) {
        if (kind === 'nx-fleet-1cpu' && run > PINNED_RUNS) continue;
        const label = `${kind}-${pr}-${run}`;
        const db = path.join(tmp, 'logs', `${label}.db`);
        const loadBefore = load();
        let p;
        if (kind === 'baseline')
          p = await runPipeline(ctx, label, {
            file: 'ci/baseline.gitlab-ci.yml',
            variables: mrVars(pr),
            env: jobEnv(ctx, { FLEET_HISTORY_DB: db }),
          });
        else if (kind === 'peer')
          p = await runPipeline(ctx, label, {
            file: 'ci/peer.gitlab-ci.yml',
            variables: { ...mrVars(pr), FLEET_CACHE_URL: cacheUrl, PEER_CACHE_TOKEN: peerTokens[`${run}-${pr}`] },
            env: jobEnv(ctx, { FLEET_HISTORY_DB: db }),
          });
        else
          p = await runPipeline(ctx, label, {
            variables: mrVars(pr),
            env: jobEnv(ctx, { FLEET_HISTORY_DB: db, ...(kind === 'nx-fleet-1cpu' ? { BENCH_PIN_AGENTS: '1' } : {}) }),
          });
        let tasks;
        let resultDir;
        if (kind.startsWith('nx-fleet')) {
          resultDir = findFile(p.builds, 'fleet-run.json');
          if (!resultDir) throw new Error(`${label}: no fleet-run.json`);
          tasks = fleetTasks(JSON.parse(fs.readFileSync(path.join(resultDir, 'fleet-run.json'), 'utf8')));
        } else {
          resultDir = p.builds[0];
          tasks = historyTasks(ctx, db);
        }
        if (kind === 'baseline') unchangedAll = tasks.filter((t) => mainHashes.has(t.hash)).length;
        const r = summarise(kind, p, tasks, resultDir, ctx, mainHashes, unchangedAll);
        r.run = run;
        r.pr = pr;
        r.loadBefore = loadBefore;
        r.loadAfter = load();
        byKind[kind] = r;
        if (kind !== 'baseline') r.outputs = compareOutputs(byKind.baseline, r, tasks);
        log(
          `${label}: wall ${fmtS(r.wallMs)} s; jobs ${Object.entries(r.jobs)
            .map(([j, v]) => `${j} ${v.s.toFixed(1)} s`)
            .join(
              ', ',
            )}; ${r.tasks} tasks, ${r.ran} ran, ${r.fromCache} from cache; of ${r.unchangedAll} tasks unchanged from main ${r.reExecuted} ran again (in its set ${r.unchanged}, cache hits ${r.unchangedHits})${
            r.outputs
              ? `; outputs ${r.outputs.diffs.length ? `DIFFER (${r.outputs.diffs.slice(0, 5).join('; ')})` : `equal (${r.outputs.files} files, ${r.outputs.tests} test tasks)`}`
              : ''
          }; load ${loadBefore} -> ${r.loadAfter}`,
        );
        if (!KEEP) fs.rmSync(p.dir, { recursive: true, force: true });
      }
      for (const r of Object.values(byKind)) (delete r.taskList, delete r.artifacts);
      results.push(...Object.values(byKind));
      if (process.env.BENCH_JSON)
        fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ partial: true, results, ...info }, null, 2));
    }
    git(ws, 'checkout', '-q', 'main');
  }
  report({ results, ...info });
}

/** "N % below" the baseline's wall, or "N % above" (x.x times) when slower. */
const vsBaseline = (w, base) =>
  w <= base
    ? `${(100 * (1 - w / base)).toFixed(0)} % below`
    : `${(100 * (w / base - 1)).toFixed(0)} % above (${(w / base).toFixed(2)}x)`;

/** The table and verdicts from the results (also from a BENCH_JSON file: `node bench/ci/run.mjs --report FILE`). */
function report({ results, kinds, main, loadStart, commit, sizes, projects }) {
  const runs = Math.max(...results.map((r) => r.run));
  const prs = [...new Set(results.map((r) => r.pr))];
  const lines = [];
  const out = (l = '') => lines.push(l);
  out(`# bench/ci: ${new Date().toISOString()}, build ${commit}`);
  out(
    `machine: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), shared with other jobs; load at start ${loadStart}, at end ${load()}; ${runs} run(s), ${AGENTS} agents`,
  );
  out(`workspace: ${projects} projects (${JSON.stringify(sizes)}); targets ${TARGETS.join(',')}`);
  out(
    `main pipeline (warms the cache): ${fmtS(main.wallMs)} s, ${main.tasks} tasks; jobs ${Object.entries(main.jobs)
      .map(([j, v]) => `${j} ${v.s.toFixed(1)} s`)
      .join(', ')}`,
  );
  out('');
  out(
    '| PR | pipeline | wall s (median; runs) | vs baseline | tasks | ran | from cache | unchanged-from-main tasks not run again (all runs) | cache hits / unchanged in its own set | outputs = baseline |',
  );
  out('|---|---|---|---|---|---|---|---|---|---|');
  const verdicts = [];
  for (const pr of prs) {
    const base = median(results.filter((r) => r.pr === pr && r.label === 'baseline').map((r) => r.wallMs));
    const med = {};
    for (const kind of kinds) {
      const rs = results.filter((r) => r.pr === pr && r.label === kind);
      if (rs.length === 0) continue;
      const w = median(rs.map((r) => r.wallMs));
      med[kind] = w;
      const m = rs.find((r) => r.wallMs === w) ?? rs[0];
      const hits = rs.reduce((a, r) => a + r.reused, 0);
      const den = rs.reduce((a, r) => a + r.unchangedAll, 0);
      const inHits = rs.reduce((a, r) => a + r.unchangedHits, 0);
      const inDen = rs.reduce((a, r) => a + r.unchanged, 0);
      const eq =
        kind === 'baseline'
          ? '(reference)'
          : rs.every((r) => r.outputs.diffs.length === 0)
            ? `yes (${m.outputs.files} files, ${m.outputs.tests} test tasks)`
            : 'NO';
      out(
        `| ${pr} | ${kind} | ${fmtS(w)} (${rs.map((r) => fmtS(r.wallMs)).join(', ')}) | ${kind === 'baseline' ? '' : vsBaseline(w, base)} | ${m.tasks} | ${m.ran} | ${m.fromCache} | ${kind === 'baseline' ? `0/${den} (none reused)` : `${hits}/${den} = ${pct(hits, den)}`} | ${inHits}/${inDen} | ${eq} |`,
      );
      if (kind === 'nx-fleet') {
        const cut = 100 * (1 - w / base);
        verdicts.push(
          `${pr}: nx-fleet ${vsBaseline(w, base)} the baseline (target >= ${GOALS.belowBaselinePct} %): ${cut >= GOALS.belowBaselinePct ? 'met' : 'NOT met'}`,
        );
        verdicts.push(
          `${pr}: nx-fleet ${fmtS(w)} s vs peer ${fmtS(med.peer)} s (target: below the peer): ${w < med.peer ? 'met' : 'NOT met'}`,
        );
        verdicts.push(
          `${pr}: nx-fleet reuses ${pct(hits, den)} of the ${den} tasks (all runs) whose hash is unchanged from main (target >= ${GOALS.hitPct} %): ${den > 0 && hits / den >= GOALS.hitPct / 100 ? 'met' : 'NOT met'}`,
        );
        verdicts.push(
          `${pr}: outputs equal the baseline's: ${rs.every((r) => r.outputs.diffs.length === 0) ? 'met' : 'NOT met'}`,
        );
      }
    }
  }
  out('');
  out('Per-job times (s, median over runs):');
  for (const pr of prs)
    for (const kind of kinds) {
      const rs = results.filter((r) => r.pr === pr && r.label === kind);
      if (rs.length === 0) continue;
      const names = [...new Set(rs.flatMap((r) => Object.keys(r.jobs)))];
      out(
        `  ${pr} ${kind}: ${names.map((n) => `${n} ${median(rs.map((r) => r.jobs[n]?.s ?? NaN)).toFixed(1)}`).join(', ')}`,
      );
    }
  out('');
  for (const v of verdicts) out(v);
  process.stdout.write(`${lines.join('\n')}\n`);
  if (process.env.BENCH_JSON)
    fs.writeFileSync(process.env.BENCH_JSON, JSON.stringify({ results, text: lines }, null, 2));
}

if (process.argv[2] === '--report') report(JSON.parse(fs.readFileSync(process.argv[3], 'utf8')));
else
  main().catch((e) => {
    log(`failed: ${e.stack ?? e}`);
    process.exitCode = 1;
  });
