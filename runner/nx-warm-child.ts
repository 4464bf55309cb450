// A resident nx process (see runner/nx-warm.ts): started ahead of time, it loads the heavy part
// of Nx's code, then waits for SIGUSR2 and runs `nx <args>` from a job file as if it had been
// started with them. When the task succeeds it stays, and runs the agent's next task on the same
// checkout without loading Nx again. Runs as its own script:
// `node nx-warm-child.js <nx bin> <job file>`.
//
// Nx's command line ends with `process.exit(status)`. Here an exit with status 0 during a task
// ends the task instead of the process: the process prints an end marker (with the job's token)
// on stdout and stderr, after all of the task's output, and waits for the next job. Any other
// status ends the process for real, as a fresh `nx` would, so a failed task never leaves state
// behind. Each task re-runs Nx's entry script, which reads the workspace's files again (a new
// workspace context), so a task sees the files as a fresh `nx` started at that moment would.
//
// Nx keeps some state in module variables for the length of one command (for example the
// environment of each task id, in tasks-runner/task-env.js), and caches derived from files. So a
// process is reused only while nothing those depend on changed: the agent gives it only jobs with
// the same environment as its first (runner/nx-warm.ts), and before each task after the first the
// process compares `git status` with what it was at its first task; if the checkout's files
// changed (a task wrote files git does not ignore), it runs nothing, prints WARM_STALE_MARK and
// exits, and the agent runs the task in a fresh nx.
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { WARM_DONE_MARK, WARM_STALE_MARK } from './nx-warm-protocol';

const [nxBin, jobFile] = process.argv.slice(2);
/** A process runs at most this many tasks, then leaves (its replacement loads Nx afresh). */
const MAX_TASKS = Number(process.env.FLEET_WARM_MAX_TASKS) || 100;
const IDLE_MS = 10 * 60_000;
const WATCHED_EVENTS = [
  'exit',
  'beforeExit',
  'SIGINT',
  'SIGTERM',
  'SIGHUP',
  'uncaughtException',
  'unhandledRejection',
] as const;

const realExit = process.exit.bind(process);
let loaded = false;
let wanted = false;
let busy = false;
let ran = 0;
/**
 * The project graph (and source maps) this process computed for its first task. Each later task
 * gets a copy instead of Nx building it again (plugins, file map, cache write: ~25 ms of CPU per
 * task on 200 projects, profiled in bench/dte): it runs only when `git status` is what it was at
 * the first task (see start()), in the same environment, so a fresh nx would build the same
 * graph. Set FLEET_WARM_REUSE_GRAPH=false to build it for every task.
 */
let graphMemo: { projectGraph: unknown; sourceMaps: unknown } | undefined;
/** `git status` of the checkout when the first task started. */
let baseline: string | null | undefined;
/** The task now running: its token, and the listeners the process had before it. */
let current: { token: string; listeners: Map<string, Function[]> } | null = null;
let idle: NodeJS.Timeout | undefined;

function armIdle(): void {
  clearTimeout(idle);
  idle = setTimeout(() => realExit(0), IDLE_MS);
}

process.exit = ((code?: number | string | null): never => {
  const status = Number(code ?? process.exitCode ?? 0) || 0;
  if (status !== 0) return realExit(status);
  // Nx's handler exits again after the command's own exit: the task already ended.
  if (!current) return undefined as never;
  const task = current;
  current = null;
  setTimeout(() => void endTask(task), 0);
  return undefined as never;
}) as typeof process.exit;

/** Child processes still alive (a task's command that outlived it): such a process is not reused. */
function hasChildren(): boolean {
  try {
    for (const tid of fs.readdirSync('/proc/self/task')) {
      if (fs.readFileSync(`/proc/self/task/${tid}/children`, 'utf8').trim()) return true;
    }
    return false;
  } catch {
    return true; // no /proc: never reuse
  }
}

async function endTask(task: { token: string; listeners: Map<string, Function[]> }): Promise<void> {
  // Listeners the task's Nx added to the process (signal and exit handlers) go with it.
  for (const ev of WATCHED_EVENTS) {
    const before = task.listeners.get(ev) ?? [];
    for (const l of process.listeners(ev as 'exit'))
      if (!before.includes(l)) process.removeListener(ev, l as () => void);
  }
  process.exitCode = undefined;
  ran++;
  // Give Node a moment to reap a command that has just ended.
  for (let i = 0; i < 5 && hasChildren(); i++) await new Promise((r) => setTimeout(r, 20));
  if (ran >= MAX_TASKS || hasChildren()) return realExit(0);
  const mark = `${WARM_DONE_MARK}${task.token}\n`;
  await Promise.all([
    new Promise((r) => process.stdout.write(mark, r)),
    new Promise((r) => process.stderr.write(mark, r)),
  ]);
  busy = false;
  armIdle();
}

/** The checkout's changes as git sees them (untracked files too); null when git fails. */
function treeState(): string | null {
  const r = spawnSync('git', ['status', '--porcelain=v1', '-z', '--untracked-files=all'], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  return r.status === 0 ? r.stdout : null;
}

/**
 * Wraps project-graph.js's two entry points (run-one and run-many call them through the module's
 * exports, which stay loaded between tasks) so that tasks after the first reuse the first's graph.
 * A copy each time: nothing a task's Nx does to its graph reaches the next task.
 */
function reuseProjectGraph(modulePath: string): void {
  if (process.env.FLEET_WARM_REUSE_GRAPH === 'false') return;
  type Both = { projectGraph: unknown; sourceMaps: unknown };
  let pg: {
    createProjectGraphAsync?: (opts?: unknown) => Promise<unknown>;
    createProjectGraphAndSourceMapsAsync?: (opts?: unknown) => Promise<Both>;
  };
  try {
    pg = require(modulePath) as typeof pg;
  } catch {
    return; // another Nx layout: nothing is reused
  }
  const both = pg.createProjectGraphAndSourceMapsAsync;
  const graphOnly = pg.createProjectGraphAsync;
  if (typeof both !== 'function' || typeof graphOnly !== 'function') return;
  const reusable = (): boolean =>
    ran > 0 && graphMemo !== undefined && process.env.NX_FORCE_REUSE_CACHED_GRAPH !== 'true';
  pg.createProjectGraphAndSourceMapsAsync = async (opts?: unknown): Promise<Both> => {
    if (reusable()) return structuredClone(graphMemo!);
    const r = await both(opts);
    // Only the first task's graph: the one built from the files git status was compared with.
    if (ran === 0 && r && typeof r === 'object') graphMemo = structuredClone(r);
    return r;
  };
  pg.createProjectGraphAsync = async (opts?: unknown): Promise<unknown> => {
    if (process.env.NX_FORCE_REUSE_CACHED_GRAPH === 'true') return graphOnly(opts);
    return (await pg.createProjectGraphAndSourceMapsAsync!(opts)).projectGraph;
  };
}

function start(): void {
  if (busy || !loaded) return;
  busy = true;
  clearTimeout(idle);
  let job: { args: string[]; env: Record<string, string>; token: string };
  try {
    job = JSON.parse(fs.readFileSync(jobFile, 'utf8')) as typeof job;
    fs.rmSync(jobFile, { force: true });
  } catch (e) {
    process.stderr.write(`[fleet] warm nx: no job: ${(e as Error).message}\n`);
    return realExit(70);
  }
  const tree = treeState();
  if (baseline === undefined) baseline = tree;
  else if (tree === null || tree !== baseline) {
    process.stdout.write(`${WARM_STALE_MARK}${job.token}\n`, () => realExit(75));
    return;
  }
  for (const k of Object.keys(process.env)) if (!(k in job.env)) delete process.env[k];
  Object.assign(process.env, job.env);
  process.exitCode = undefined;
  current = {
    token: job.token,
    listeners: new Map(WATCHED_EVENTS.map((ev) => [ev, process.listeners(ev as 'exit').slice()])),
  };
  process.argv = [process.execPath, nxBin, ...job.args];
  // Nx's entry script runs its command when it is loaded: load it anew for each task.
  delete require.cache[require.resolve(nxBin)];
  require(nxBin);
}

// First, before anything slow: a signal that comes while the code loads is kept, not fatal.
process.on('SIGUSR2', () => {
  wanted = true;
  start();
});
// Tell the agent the handler is in place (fd 3), then close it so nothing nx starts inherits it.
try {
  fs.writeSync(3, 'R');
  fs.closeSync(3);
} catch {
  /* started by hand, without the pipe */
}
armIdle();
// A process whose agent died (kill -9) has no one to give it a task: it leaves within a second.
const parent = process.ppid;
setInterval(() => !busy && process.ppid !== parent && realExit(0), 1000).unref();

// Modules that read nothing of the command line at load time (the yargs singleton does, so the
// command-line layer is left to load with the real arguments). A module that moved in another
// Nx version is skipped: preloading only saves time, it changes nothing.
const src = path.join(path.dirname(nxBin), '..', 'src');
for (const m of [
  'command-line/run/run-one',
  'tasks-runner/run-command',
  'tasks-runner/task-orchestrator',
  'project-graph/project-graph',
  'daemon/client/client',
  'utils/workspace-context',
]) {
  try {
    require(path.join(src, m));
  } catch {
    /* not in this Nx */
  }
}
reuseProjectGraph(path.join(src, 'project-graph', 'project-graph'));
loaded = true;
if (wanted) start();
