// A spare `nx` process (see runner/nx-warm.ts): started ahead of time, it loads the heavy part
// of Nx's code, then waits for SIGUSR2 and runs `nx <args>` from a job file as if it had been
// started with them. Runs as its own script: `node nx-warm-child.js <nx bin> <job file>`.
import * as fs from 'node:fs';
import * as path from 'node:path';

const [nxBin, jobFile] = process.argv.slice(2);
let started = false;
let loaded = false;

function start(): void {
  if (started || !loaded) return;
  started = true;
  clearTimeout(idle);
  let job: { args: string[]; env: Record<string, string> };
  try {
    job = JSON.parse(fs.readFileSync(jobFile, 'utf8')) as typeof job;
    fs.rmSync(jobFile, { force: true });
  } catch (e) {
    process.stderr.write(`[fleet] warm nx: no job: ${(e as Error).message}\n`);
    process.exit(70);
  }
  for (const k of Object.keys(process.env)) if (!(k in job.env)) delete process.env[k];
  Object.assign(process.env, job.env);
  process.argv = [process.execPath, nxBin, ...job.args];
  require(nxBin);
}

// First, before anything slow: a signal that comes while the code loads is kept, not fatal.
let wanted = false;
process.on('SIGUSR2', () => ((wanted = true), start()));
// Tell the agent the handler is in place (fd 3), then close it so nothing nx starts inherits it.
try {
  fs.writeSync(3, 'R');
  fs.closeSync(3);
} catch {
  /* started by hand, without the pipe */
}
const idle = setTimeout(() => process.exit(0), 10 * 60_000);
// A spare whose agent died (kill -9) has no one to give it a task: it leaves within a second.
const parent = process.ppid;
setInterval(() => !started && process.ppid !== parent && process.exit(0), 1000).unref();

// Modules that read nothing of the command line at load time (the yargs singleton does, so the
// command-line layer is left to load with the real arguments). A module that moved in another
// Nx version is skipped: preloading only saves time, it changes nothing.
const src = path.join(path.dirname(nxBin), '..', 'src');
for (const m of ['command-line/run/run-one', 'tasks-runner/run-command', 'tasks-runner/task-orchestrator', 'project-graph/project-graph', 'daemon/client/client', 'utils/workspace-context']) {
  try {
    require(path.join(src, m));
  } catch {
    /* not in this Nx */
  }
}
loaded = true;
if (wanted) start();
