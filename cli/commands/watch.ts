import * as path from 'node:path';
import type { Command } from 'commander';
import { GraphIndex } from '../../graph/query';
import { watchTasks, type WatchTasks } from '../../graph/watch-tasks';
import { FileWatcher, WatchError, withoutIgnoredAsync, type ChangeBatch } from '../../runner/file-watcher';
import { runNxTask, withInProcessPlugins } from '../../runner/nx-task';
import { computeGraph } from './graph';

interface WatchOptions {
  targets: string[];
  projects?: string[];
  cwd: string;
  debounce: string;
  nxArgs?: string[];
}

function list(values: string[] | undefined): string[] | undefined {
  return values?.flatMap((v) => v.split(',')).filter((v) => v !== '');
}

function seconds(ms: number): string {
  return ms < 1000 ? `${Math.round(ms)}ms` : `${(ms / 1000).toFixed(2)}s`;
}

function say(line: string): void {
  process.stdout.write(`fleet watch: ${line}\n`);
}

/**
 * `fleet watch -t <targets> [-p projects]`: on every debounced batch of changes, rebuilds the
 * graph (the file graph reuses its on-disk cache, so only the changed files are parsed and
 * resolved again), finds the affected tasks of the watched targets, and runs exactly those
 * through `nx run-many`. One status line per batch. Ctrl-C stops nx's whole process group.
 */
export function registerWatchCommand(program: Command): void {
  program
    .command('watch')
    .description('watch the workspace and run the affected tasks of the given targets through Nx on every change')
    .requiredOption('-t, --targets <targets...>', 'targets to run (comma or space separated)')
    .option('-p, --projects <projects...>', 'only these projects (default: all)')
    .option('--cwd <dir>', 'workspace root', process.cwd())
    .option('--debounce <ms>', 'quiet time that ends a batch of changes', '50')
    .option('--nx-args <args...>', 'extra arguments for nx run-many (e.g. --parallel=1)')
    .action(async (opts: WatchOptions) => {
      process.exitCode = await runWatch(opts);
    });
}

async function runWatch(opts: WatchOptions): Promise<number> {
  const root = path.resolve(opts.cwd);
  const targets = list(opts.targets) ?? [];
  const projects = list(opts.projects);
  const debounceMs = Number(opts.debounce);
  if (!Number.isFinite(debounceMs) || debounceMs < 0) {
    process.stderr.write(`fleet: --debounce ${opts.debounce}: not a number of milliseconds [FLEET_WATCH_BAD_OPTION]\n`);
    return 2;
  }
  let graph = new GraphIndex(await computeGraph(root, true, false));
  const unknown = (projects ?? []).filter((p) => !graph.data.projects[p]);
  if (unknown.length > 0) {
    process.stderr.write(`fleet: -p ${unknown.join(', ')}: no such project in ${root} [FLEET_WATCH_BAD_OPTION]\n`);
    return 2;
  }

  let stopping = false;
  let abort: AbortController | undefined;
  let busy = false;
  let queued: ChangeBatch | undefined;
  let batchNo = 0;
  let fatal: WatchError | undefined;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (wake = resolve));

  const handle = async (batch: ChangeBatch): Promise<void> => {
    const started = performance.now();
    // git check-ignore runs while the graph is rebuilt (an ignored-only batch wastes one rebuild).
    const kept = withoutIgnoredAsync(root, batch.files);
    const built = computeGraph(root, true, false).then(
      (d) => new GraphIndex(d),
      (err: unknown) => err as Error,
    );
    const files = await kept;
    if (files.length === 0) {
      await built;
      return;
    }
    batchNo++;
    let plan: WatchTasks;
    try {
      const next = await built;
      if (next instanceof Error) throw next;
      plan = watchTasks(graph, next, files, { targets, projects });
      graph = next;
    } catch (err) {
      // A file deleted or rewritten mid-change: the next batch (its events) builds again.
      say(
        `batch ${batchNo}: ${files.length} changed, graph failed (${(err as Error).message}); waiting for the next change`,
      );
      return;
    }
    const graphMs = performance.now() - started;
    const head = `batch ${batchNo}: ${files.length} changed file${files.length === 1 ? '' : 's'}`;
    if (plan.tasks.length === 0) {
      say(`${head} -> no affected task (graph ${seconds(graphMs)})`);
      return;
    }
    abort = new AbortController();
    const args = ['run-many', '-t', plan.targets.join(','), '-p', plan.projects.join(','), ...(opts.nxArgs ?? [])];
    const outcome = await runNxTask({
      workdir: root,
      taskId: plan.tasks.join(','),
      args,
      // Without a daemon, plugins loaded in-process: about half of Nx's start-up (runner/nx-task.ts).
      env: withInProcessPlugins(process.env),
      signal: abort.signal,
      killGraceMs: 3000,
      onLine: (stream, line) => (stream === 'stdout' ? process.stdout : process.stderr).write(`${line}\n`),
    });
    abort = undefined;
    const result =
      'error' in outcome
        ? `nx failed to start: ${outcome.error}`
        : outcome.stopped
          ? 'stopped'
          : outcome.exitCode === 0
            ? 'ok'
            : `failed (nx exit ${outcome.exitCode})`;
    say(
      `${head} -> ${plan.tasks.length} task${plan.tasks.length === 1 ? '' : 's'} (${plan.tasks.join(' ')}) ` +
        `-> ${result} (graph ${seconds(graphMs)}, total ${seconds(performance.now() - started)})`,
    );
  };

  const pump = async (batch: ChangeBatch): Promise<void> => {
    if (busy) {
      // Changes during a run are one batch after it.
      queued = queued ? merge(queued, batch) : batch;
      return;
    }
    busy = true;
    try {
      for (let next: ChangeBatch | undefined = batch; next && !stopping; next = queued, queued = undefined)
        await handle(next);
    } finally {
      busy = false;
      if (stopping) wake();
    }
  };

  const watcher = new FileWatcher({
    root,
    debounceMs,
    onBatch: (b) => void pump(b),
    onError: (e) => {
      fatal = e;
      void stop();
    },
  });

  const stop = async (): Promise<void> => {
    if (stopping) return;
    stopping = true;
    abort?.abort('interrupted');
    await watcher.close();
    if (!busy) wake();
  };
  const onSignal = (): void => void stop();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);

  try {
    await watcher.start();
  } catch (err) {
    fatal = err as WatchError;
    await stop();
  }
  if (!fatal) {
    const scope = projects ? `${projects.length} project${projects.length === 1 ? '' : 's'}` : 'all projects';
    say(`watching ${root} for ${targets.join(', ')} on ${scope} (Ctrl-C stops)`);
  }
  await stopped;
  process.off('SIGINT', onSignal);
  process.off('SIGTERM', onSignal);
  if (fatal) {
    process.stderr.write(`fleet: ${fatal.message} [${fatal.code}]\n`);
    return 1;
  }
  say('stopped');
  return 0;
}

function merge(a: ChangeBatch, b: ChangeBatch): ChangeBatch {
  return {
    files: [...new Set([...a.files, ...b.files])].sort(),
    collectedMs: a.collectedMs + b.collectedMs,
    firstEventAt: a.firstEventAt,
  };
}
