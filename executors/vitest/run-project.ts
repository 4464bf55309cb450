import { Writable } from 'node:stream';
import type { TestModule } from 'vitest/node';
import type { VitestNodeApi } from './load-vitest';

/** What a project's run gives back: Vitest's own output and the counts `vitest run` reports. */
export interface ProjectResult {
  success: boolean;
  /** What `vitest run` prints (stdout and stderr, in order) without a TTY. */
  output: string;
  counts: TestCounts;
  /** Why the run failed when no test did (a setup error, unhandled errors, no test files). */
  reason?: 'tests-failed' | 'unhandled-errors' | 'no-tests' | 'not-run';
}

/** Test counts as Vitest's JSON reporter has them (numPassedTests, numFailedTests, ...). */
export interface TestCounts {
  files: number;
  passed: number;
  failed: number;
  skipped: number;
  todo: number;
}

export interface ProjectRequest {
  /** Absolute project folder: Vitest's root, where `vitest run` would run. */
  root: string;
  config?: string;
  passWithNoTests?: boolean;
  /** Globs relative to root, added to the config's exclude (`--exclude`). */
  exclude?: string[];
}

/**
 * Captures what Vitest writes. `end` and `destroy` are ignored on purpose: Vitest pipes each
 * forks-pool child's stdout into the stream it was given (`child.stdout.pipe(stream)`), and a
 * pipe ends its destination when the child exits, which lost the summary of 5 runs in 12.
 */
class Capture extends Writable {
  text = '';
  override _write(chunk: Buffer | string, _enc: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
  override end(): this {
    return this;
  }
  override destroy(): this {
    return this;
  }
}

/**
 * Runs one project as `vitest run` in `root` does (startVitest, the CLI's own entry, with the
 * project's config: its pool, isolation, environment and setup files are Vitest's to apply).
 * Success is decided from this run's own report, not from `process.exitCode`, which Vitest
 * sets for the whole process.
 */
export async function runProject(api: VitestNodeApi, req: ProjectRequest): Promise<ProjectResult> {
  const sink = new Capture();
  let end: { modules: readonly TestModule[]; errors: readonly unknown[]; reason: string } | undefined;
  const spy = {
    onTestRunEnd(modules: readonly TestModule[], errors: readonly unknown[], reason: string) {
      end = { modules, errors, reason };
    },
  };
  const counts: TestCounts = { files: 0, passed: 0, failed: 0, skipped: 0, todo: 0 };
  // What startVitest (the CLI) does, with a reporter of ours added before the run starts.
  process.env.TEST = 'true';
  process.env.VITEST = 'true';
  process.env.NODE_ENV ??= 'test';
  let vitest: Awaited<ReturnType<VitestNodeApi['createVitest']>> | undefined;
  let crashed: unknown;
  let noFiles = false;
  try {
    vitest = await api.createVitest(
      'test',
      {
        root: req.root,
        config: req.config,
        run: true,
        watch: false,
        passWithNoTests: req.passWithNoTests,
        // `vitest run --exclude <glob>`: added to the config's list, as the CLI does.
        ...(req.exclude?.length ? { cliExclude: req.exclude } : {}),
      },
      {},
      { stdout: sink, stderr: sink },
    );
    // Reporters exist once createVitest returns; ours joins the configured ones (none is replaced).
    (vitest as unknown as { reporters: unknown[] }).reporters.push(spy);
    await vitest.start([]);
  } catch (error) {
    // No test files: Vitest has printed its message and reported the (empty) run already.
    if (error instanceof api.TestsNotFoundError) noFiles = true;
    else crashed = error;
  } finally {
    await vitest?.close().catch(() => undefined);
  }
  if (crashed) {
    sink.text += `nx-fleet: vitest failed in ${req.root}: ${(crashed as Error).stack ?? String(crashed)}\n`;
    return { success: false, output: sink.text, counts, reason: 'not-run' };
  }
  if (noFiles) return { success: !!req.passWithNoTests, output: sink.text, counts, reason: 'no-tests' };
  return { ...decide(end, req, counts, vitest?.config.dangerouslyIgnoreUnhandledErrors), output: sink.text, counts };
}

function decide(
  end: { modules: readonly TestModule[]; errors: readonly unknown[]; reason: string } | undefined,
  req: ProjectRequest,
  counts: TestCounts,
  ignoreUnhandled = false,
): Pick<ProjectResult, 'success' | 'reason'> {
  if (!end) return { success: false, reason: 'not-run' };
  for (const m of end.modules) {
    counts.files++;
    for (const t of m.children.allTests()) {
      const state = t.result().state;
      if (t.options.mode === 'todo') counts.todo++;
      else if (state === 'passed') counts.passed++;
      else if (state === 'failed') counts.failed++;
      else counts.skipped++;
    }
  }
  if (!end.modules.length && !req.passWithNoTests) return { success: false, reason: 'no-tests' };
  if (end.reason !== 'passed') return { success: false, reason: 'tests-failed' };
  if (end.errors.length && !ignoreUnhandled) return { success: false, reason: 'unhandled-errors' };
  return { success: true };
}
