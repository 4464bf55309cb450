import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parse } from 'yaml';
import { condition, interpolate, type ExprContext } from './github-expressions';

/**
 * Runs a GitHub Actions workflow on this machine, the way the generated one needs: jobs in the
 * order of `needs` (jobs whose needs are done start together, as on GitHub), each matrix entry
 * as its own job in its own folder, each job's steps in order in one `bash -eo pipefail` per
 * step with the workflow's, job's and step's `env` (expressions evaluated), `if:` conditions,
 * `$GITHUB_OUTPUT`/`$GITHUB_ENV` files, step and job outputs, and environments (their secrets
 * and variables, and their deployment-branch rule). Secrets of no environment are not given to
 * pull requests from forks, as GitHub does.
 *
 * `uses:` runs a local equivalent, one per action the generator emits, and nothing else:
 * - `actions/checkout@v4`: `git init`, fetch `with.ref` from the origin (the bare repository
 *   standing in for GitHub) with `--depth=<fetch-depth>`, or, with `fetch-depth: 0`, every
 *   branch into `refs/remotes/origin/*` and the full history, then a detached checkout;
 * - `actions/setup-node@v4`: checks that `with.node-version` is this Node's major version and
 *   puts this Node first on PATH;
 * - `nrwl/nx-set-shas@v4`: `NX_BASE` = the last commit of `main-branch-name` whose run of this
 *   workflow passed (the runner's record of earlier runs, as the action asks GitHub's API), else
 *   `HEAD~1` (the action's fallback); `NX_HEAD` = HEAD; both into `$GITHUB_ENV`;
 * - `actions/upload-artifact@v4`: copies each path of `with.path` (lines; `*` in a file name)
 *   to `<artifacts>/<with.name>/`, honouring `if-no-files-found`.
 * Any other action, a job or step key it does not know (`services:`, `container:`,
 * `shell:`, `working-directory:` ...), or an expression it cannot evaluate fails the run.
 */
export interface Environment {
  secrets: Record<string, string>;
  vars: Record<string, string>;
  /** Deployment branches (refs/heads/<name>); undefined: any ref. */
  branches?: string[];
}

export interface WorkflowRun {
  workflowFile: string;
  /** A bare repository: what `actions/checkout` fetches from. */
  origin: string;
  root: string;
  event: { name: 'push' | 'pull_request'; payload: Record<string, unknown> };
  github: { repository: string; sha: string; ref: string; run_id: string };
  secrets: Record<string, string>;
  vars: Record<string, string>;
  environments: Record<string, Environment>;
  /** The last commit of the main branch whose run passed (for nx-set-shas). */
  lastSuccessfulSha?: string;
  env: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

export interface JobResult {
  id: string;
  status: 'success' | 'failure' | 'skipped';
  dir: string;
  outputs: Record<string, string>;
  log: string;
  startedAt: number;
  endedAt: number;
  steps: Array<{ name: string; status: 'success' | 'failure' | 'skipped' }>;
}

export interface RunResult {
  ok: boolean;
  jobs: JobResult[];
  artifacts: string;
}

type Step = Record<string, unknown>;
type Job = Record<string, unknown> & { steps: Step[]; needs?: string | string[] };

const JOB_KEYS = new Set(['needs', 'if', 'runs-on', 'environment', 'strategy', 'env', 'steps', 'outputs', 'name']);
const STEP_KEYS = new Set(['name', 'id', 'if', 'env', 'run', 'uses', 'with']);
const TOP_KEYS = new Set(['name', 'on', 'permissions', 'env', 'jobs', 'concurrency']);

class Unsupported extends Error {}

function readKeyFile(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  if (!fs.existsSync(file)) return out;
  const lines = fs.readFileSync(file, 'utf8').split('\n');
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i];
    if (!l) continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(l);
    if (heredoc) {
      const end = lines.indexOf(heredoc[2], i + 1);
      out[heredoc[1]] = lines.slice(i + 1, end).join('\n');
      i = end;
    } else {
      const eq = l.indexOf('=');
      if (eq < 0) throw new Unsupported(`${file}: line "${l}" is not NAME=value`);
      out[l.slice(0, eq)] = l.slice(eq + 1);
    }
  }
  return out;
}

function git(cwd: string, args: string[]): string {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`git ${args.join(' ')}: ${r.stderr}`);
  return r.stdout.trim();
}

async function sh(script: string, cwd: string, env: NodeJS.ProcessEnv, log: (s: string) => void): Promise<number> {
  const child = spawn('bash', ['--noprofile', '--norc', '-eo', 'pipefail', '-c', script], {
    cwd,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (c: Buffer) => log(c.toString()));
  child.stderr!.on('data', (c: Buffer) => log(c.toString()));
  return new Promise((r) => child.once('exit', (code) => r(code ?? 1)));
}

export async function runWorkflow(run: WorkflowRun): Promise<RunResult> {
  const wf = parse(fs.readFileSync(run.workflowFile, 'utf8')) as Record<string, unknown>;
  for (const k of Object.keys(wf)) if (!TOP_KEYS.has(k)) throw new Unsupported(`workflow key "${k}" is not supported`);
  const on = wf.on as Record<string, unknown>;
  if (!(run.event.name in on)) throw new Error(`the workflow does not run on ${run.event.name}`);
  const artifacts = path.join(run.root, 'artifacts');
  fs.mkdirSync(artifacts, { recursive: true });
  const jobs = wf.jobs as Record<string, Job>;
  const fork =
    run.event.name === 'pull_request' &&
    (run.event.payload.pull_request as { head: { repo: { full_name: string } } }).head.repo.full_name !==
      run.github.repository;
  const github = { ...run.github, event_name: run.event.name, event: run.event.payload };
  const done = new Map<string, Promise<JobResult[]>>();

  const startJob = (id: string): Promise<JobResult[]> => {
    const existing = done.get(id);
    if (existing) return existing;
    const job = jobs[id];
    const p = (async () => {
      for (const k of Object.keys(job))
        if (!JOB_KEYS.has(k)) throw new Unsupported(`job ${id}: key "${k}" is not supported`);
      const needIds = job.needs === undefined ? [] : Array.isArray(job.needs) ? job.needs : [job.needs];
      const needResults = await Promise.all(needIds.map((n) => startJob(n)));
      const needs: Record<string, unknown> = {};
      needIds.forEach((n, i) => {
        const rs = needResults[i];
        needs[n] = {
          result: rs.every((r) => r.status === 'success')
            ? 'success'
            : rs.some((r) => r.status === 'failure')
              ? 'failure'
              : 'skipped',
          outputs: Object.assign({}, ...rs.map((r) => r.outputs)),
        };
      });
      const needsFailed = needIds.some((n) => (needs[n] as { result: string }).result !== 'success');
      const matrix = (job.strategy as { matrix?: Record<string, unknown[]> } | undefined)?.matrix;
      const entries: Array<Record<string, unknown>> = [{}];
      if (matrix) {
        const keys = Object.keys(matrix);
        if (keys.length !== 1 || !Array.isArray(matrix[keys[0]]))
          throw new Unsupported(`job ${id}: only a one-key list matrix is supported`);
        entries.splice(0, 1, ...matrix[keys[0]].map((v) => ({ [keys[0]]: v })));
      }
      return Promise.all(
        entries.map((m, i) => runJob(id, entries.length > 1 ? `${id}-${i + 1}` : id, job, m, needs, needsFailed)),
      );
    })();
    done.set(id, p);
    return p;
  };

  const runJob = async (
    id: string,
    name: string,
    job: Job,
    matrix: Record<string, unknown>,
    needs: Record<string, unknown>,
    needsFailed: boolean,
  ): Promise<JobResult> => {
    const dir = path.join(run.root, 'jobs', name);
    const tmp = path.join(run.root, 'tmp', name);
    fs.mkdirSync(dir, { recursive: true });
    fs.mkdirSync(tmp, { recursive: true });
    let log = '';
    const write = (s: string) => (log += s);
    const result: JobResult = {
      id: name,
      status: 'skipped',
      dir,
      outputs: {},
      log: '',
      startedAt: Date.now(),
      endedAt: 0,
      steps: [],
    };
    const base: Record<string, unknown> = {
      github,
      matrix,
      needs,
      vars: run.vars,
      secrets: fork ? {} : run.secrets,
      env: {},
      steps: {},
    };
    const pre: ExprContext = { contexts: base, failed: needsFailed };
    if (!condition(job.if, pre)) {
      result.endedAt = Date.now();
      result.log = `job ${name}: skipped (if: ${job.if ?? 'success()'})`;
      return result;
    }
    if (job.environment !== undefined) {
      const envName = String(interpolate(job.environment, pre));
      const e = run.environments[envName];
      if (!e) throw new Unsupported(`job ${name}: environment "${envName}" is not configured in this run`);
      if (e.branches && !e.branches.includes(run.github.ref)) {
        result.status = 'failure';
        result.log = `job ${name}: environment ${envName} does not allow ${run.github.ref} (deployment branches)`;
        result.endedAt = Date.now();
        return result;
      }
      base.secrets = fork ? {} : { ...run.secrets, ...e.secrets };
      base.vars = { ...run.vars, ...e.vars };
    }
    const envOf = (o: unknown, ctx: ExprContext): Record<string, string> =>
      Object.fromEntries(
        Object.entries((o as Record<string, unknown>) ?? {}).map(([k, v]) => [k, String(interpolate(v, ctx) ?? '')]),
      );
    const ctx: ExprContext = { contexts: base, failed: false };
    let jobEnv: Record<string, string> = { ...envOf(wf.env, ctx) };
    base.env = jobEnv;
    jobEnv = { ...jobEnv, ...envOf(job.env, ctx) };
    base.env = jobEnv;
    const stepsCtx: Record<string, { outputs: Record<string, string>; outcome: string }> = {};
    base.steps = stepsCtx;
    const addedEnv: Record<string, string> = {};
    const runnerEnv = {
      ...run.env,
      GITHUB_ACTIONS: 'true',
      CI: 'true',
      GITHUB_WORKSPACE: dir,
      GITHUB_RUN_ID: run.github.run_id,
      GITHUB_SHA: run.github.sha,
      GITHUB_REF: run.github.ref,
      GITHUB_EVENT_NAME: run.event.name,
      GITHUB_REPOSITORY: run.github.repository,
      RUNNER_TEMP: tmp,
      TMPDIR: tmp,
    };
    for (const [i, step] of job.steps.entries()) {
      for (const k of Object.keys(step))
        if (!STEP_KEYS.has(k)) throw new Unsupported(`job ${name} step ${i + 1}: key "${k}" is not supported`);
      const label = String(step.name ?? step.uses ?? String(step.run).split('\n')[0]);
      if (!condition(step.if, ctx)) {
        result.steps.push({ name: label, status: 'skipped' });
        continue;
      }
      const stepEnv = { ...jobEnv, ...addedEnv, ...envOf(step.env, ctx) };
      const outFile = path.join(tmp, `output-${i}`);
      const envFile = path.join(tmp, `env-${i}`);
      fs.writeFileSync(outFile, '');
      fs.writeFileSync(envFile, '');
      const env = { ...runnerEnv, ...stepEnv, GITHUB_OUTPUT: outFile, GITHUB_ENV: envFile };
      write(`\n## ${name}: ${label}\n`);
      let code: number;
      if (step.run !== undefined) code = await sh(String(interpolate(step.run, ctx)), dir, env, write);
      else
        code = await runAction(String(step.uses), envOf(step.with, ctx), {
          dir,
          env,
          write,
          artifacts,
          outFile,
          envFile,
          run,
        });
      const outputs = readKeyFile(outFile);
      Object.assign(addedEnv, readKeyFile(envFile));
      if (step.id) stepsCtx[String(step.id)] = { outputs, outcome: code === 0 ? 'success' : 'failure' };
      result.steps.push({ name: label, status: code === 0 ? 'success' : 'failure' });
      if (code !== 0) {
        write(`## step failed with exit code ${code}\n`);
        ctx.failed = true;
      }
    }
    result.status = ctx.failed ? 'failure' : 'success';
    result.outputs = envOf(job.outputs, ctx);
    result.endedAt = Date.now();
    result.log = log;
    return result;
  };

  const all = await Promise.race([
    Promise.all(Object.keys(jobs).map((id) => startJob(id))),
    new Promise<never>((_, rej) =>
      setTimeout(() => rej(new Error('workflow timed out')), run.timeoutMs ?? 240_000).unref(),
    ),
  ]);
  const flat = all.flat().filter((j, i, a) => a.findIndex((x) => x.id === j.id) === i);
  return { ok: flat.every((j) => j.status !== 'failure'), jobs: flat, artifacts };
}

interface ActionIo {
  dir: string;
  env: NodeJS.ProcessEnv;
  write: (s: string) => void;
  artifacts: string;
  outFile: string;
  envFile: string;
  run: WorkflowRun;
}

async function runAction(uses: string, w: Record<string, string>, io: ActionIo): Promise<number> {
  switch (uses) {
    case 'actions/checkout@v4': {
      const depth = Number(w['fetch-depth'] ?? '1');
      const ref = w.ref || io.run.github.sha;
      git(io.dir, ['init', '-q']);
      git(io.dir, ['remote', 'add', 'origin', io.run.origin]);
      if (depth === 0) {
        git(io.dir, ['fetch', '-q', '--tags', 'origin', '+refs/heads/*:refs/remotes/origin/*']);
        git(io.dir, ['fetch', '-q', 'origin', ref]);
      } else git(io.dir, ['fetch', '-q', '--no-tags', `--depth=${depth}`, 'origin', ref]);
      git(io.dir, ['checkout', '-q', '--force', '--detach', ref]);
      io.write(`checkout ${ref} (depth ${depth || 'full'})\n`);
      return 0;
    }
    case 'actions/setup-node@v4': {
      const want = String(w['node-version'] ?? '');
      const have = process.versions.node.split('.')[0];
      if (want.split('.')[0] !== have) {
        io.write(`setup-node: node ${want} requested, this machine has ${process.versions.node}\n`);
        return 1;
      }
      fs.appendFileSync(io.envFile, `PATH=${path.dirname(process.execPath)}${path.delimiter}${io.env.PATH}\n`);
      return 0;
    }
    case 'nrwl/nx-set-shas@v4': {
      const head = git(io.dir, ['rev-parse', 'HEAD']);
      let base = io.run.lastSuccessfulSha;
      if (!base) {
        io.write(`nx-set-shas: no successful run on ${w['main-branch-name']}: HEAD~1\n`);
        base = git(io.dir, ['rev-parse', 'HEAD~1']);
      }
      fs.appendFileSync(io.envFile, `NX_BASE=${base}\nNX_HEAD=${head}\n`);
      fs.appendFileSync(io.outFile, `base=${base}\nhead=${head}\n`);
      return 0;
    }
    case 'actions/upload-artifact@v4': {
      const dest = path.join(io.artifacts, w.name ?? 'artifact');
      let found = 0;
      for (const pattern of (w.path ?? '')
        .split('\n')
        .map((s) => s.trim())
        .filter(Boolean)) {
        const dir = path.join(io.dir, path.dirname(pattern));
        const re = new RegExp(
          `^${path
            .basename(pattern)
            .replace(/[.+?^${}()|[\]\\]/g, '\\$&')
            .replace(/\*/g, '.*')}$`,
        );
        for (const f of fs.existsSync(dir) ? fs.readdirSync(dir) : [])
          if (re.test(f)) {
            fs.mkdirSync(dest, { recursive: true });
            fs.copyFileSync(path.join(dir, f), path.join(dest, f));
            found++;
          }
      }
      if (found === 0 && w['if-no-files-found'] === 'error') return 1;
      io.write(`upload-artifact: ${found} file(s) to ${w.name}\n`);
      return 0;
    }
    default:
      throw new Unsupported(`no local equivalent for the action ${uses}`);
  }
}
