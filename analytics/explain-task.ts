import { execSync } from 'node:child_process';
import { diffManifests, isEmptyDiff, type ChangedFile, type ManifestDiff } from './diff-manifests';
import { computeInputManifests } from './input-manifests';
import { addLineCounts } from './line-counts';
import { edgeId, type NxInternals, type NxProjectGraph, type NxTaskGraph } from './nx-internals';
import type { RunStore } from './run-store';
import type { HashDetails, InputManifest, StoredTaskRun } from './types';

/** The run an explanation compares with (or the run that produced a cache hit). */
export interface RunRef {
  runId: string;
  /** The central store's namespace of the run (absent for local runs). */
  namespace?: string;
  hash: string;
  cache: string;
  status: string;
  commit: string | null;
  branch: string | null;
  machine: string;
  agent: string | null;
  startTime: number | null;
}

/** The `fleet explain --json` shape (docs/json-output.md). */
export interface Explanation {
  task: string;
  baseline: RunRef | null;
  /** With `--run`: the recorded run whose inputs are compared (instead of the inputs now). */
  run: RunRef | null;
  /** When the baseline was a cache hit: the run that executed that hash, if recorded. */
  producer: RunRef | null;
  identical: boolean;
  diff: ManifestDiff | null;
  /** Changed files of other projects (dependencies), grouped, with their task when there is one. */
  dependencies: Array<{ project: string; task: string | null; files: string[] }>;
  /** Current inputs, always given (so "nothing recorded" still says what the task reads). */
  inputs: { files: number; environment: string[]; runtime: string[] };
  notes: string[];
}

export type ExplainResult = { ok: true; explanation: Explanation } | { ok: false; code: string; message: string };

export interface ExplainRequest {
  store: RunStore | null;
  internals: NxInternals;
  workspaceRoot: string;
  nxJson: unknown;
  taskId: string;
  since?: string;
  /** Compare this recorded run's inputs with the baseline, instead of the inputs now. */
  run?: string;
  env: NodeJS.ProcessEnv;
  /** The central store's producer lookup, for cache hits whose producer this store lacks. */
  producerLookup?: (hash: string) => Promise<RunRef | null>;
}

/** Compares a task's current inputs with its last recorded run (or the run `since`). */
export async function explainTask(req: ExplainRequest): Promise<ExplainResult> {
  const graph = await req.internals.createProjectGraphAsync();
  const [project, target, configuration] = req.taskId.split(':');
  if (!graph.nodes[project]?.data.targets?.[target])
    return {
      ok: false,
      code: 'EXPLAIN_UNKNOWN_TASK',
      message: `${req.taskId}: no such project and target in this workspace`,
    };
  const taskGraph = req.internals.createTaskGraph(graph, [project], [target], configuration);
  const task = Object.values(taskGraph.tasks).find((t) => t.target.project === project && t.target.target === target);
  if (!task) return { ok: false, code: 'EXPLAIN_UNKNOWN_TASK', message: `${req.taskId}: Nx builds no such task` };
  const ids = [req.taskId, task.id];
  const later = req.run ? findLaterRun(req, ids) : null;
  if (later && 'code' in later) return later;
  const current = later
    ? (req.store!.manifest(later.run.manifestId!) as InputManifest)
    : (await computeInputManifests({ ...req, graph, tasks: [task] })).get(task.id);
  if (!current)
    return { ok: false, code: 'EXPLAIN_NO_INPUTS', message: `${req.taskId}: Nx's hash plan has no inputs for it` };
  const inputs = { files: current.files.length, environment: current.environment, runtime: current.runtime };
  const base = findBaseline(req, ids, later?.run);
  if ('code' in base) return base;
  if (!base.run) {
    const notes = [req.store ? `no recorded run of ${req.taskId} with file inputs` : 'no run history store here'];
    return {
      ok: true,
      explanation: {
        task: req.taskId,
        baseline: null,
        run: later ? runRefOf(req.store!, later.run) : null,
        producer: null,
        identical: false,
        diff: null,
        dependencies: [],
        inputs,
        notes,
      },
    };
  }
  const old = req.store!.manifest(base.run.manifestId!) as InputManifest;
  const details = req.store!.hashDetails(base.run.runId, base.run.taskId);
  const laterDetails = later ? req.store!.hashDetails(later.run.runId, later.run.taskId) : null;
  const now = later ? recordedValueHashes(current, laterDetails, details) : currentValueHashes(req, current);
  const diff = diffManifests(old, current, { before: details, now });
  const ref = runRefOf(req.store!, base.run);
  const laterRef = later ? runRefOf(req.store!, later.run) : null;
  const oldHashes = new Map(old.files);
  const newHashes = new Map(current.files);
  addLineCounts(
    req.workspaceRoot,
    ref.commit,
    diff.changed,
    (f) => oldHashes.get(f),
    req.internals.hashFile,
    laterRef ? { commit: laterRef.commit, recordedHash: (f) => newHashes.get(f) } : undefined,
  );
  const producerRun = base.run.cache === 'miss' ? null : req.store!.producerOf(base.run.hash);
  const notes: string[] = [];
  let producer = producerRun ? runRefOf(req.store!, producerRun) : null;
  if (!producer && base.run.cache !== 'miss' && req.producerLookup) {
    try {
      producer = await req.producerLookup(base.run.hash);
    } catch (err) {
      notes.push(`central store: ${(err as Error).message}`);
    }
  }
  if (!details) notes.push('the recorded run has no hashDetails: environment and runtime values not compared');
  if (later && !laterDetails)
    notes.push(`run ${later.run.runId} has no hashDetails: environment and runtime values not compared`);
  if (old.command === undefined) notes.push('the recorded run has no command: not compared');
  return {
    ok: true,
    explanation: {
      task: req.taskId,
      baseline: ref,
      run: laterRef,
      producer,
      identical: isEmptyDiff(diff),
      diff,
      dependencies: dependencyChanges(graph, taskGraph, task.id, project, diff),
      inputs,
      notes,
    },
  };
}

/** `--run`: the task's recorded run there (with its manifest). */
function findLaterRun(
  req: ExplainRequest,
  ids: string[],
): { run: StoredTaskRun } | { ok: false; code: string; message: string } {
  for (const id of new Set(ids)) {
    const [run] = req.store?.taskHistory(id, { withManifest: true, runId: req.run, limit: 1 }) ?? [];
    if (run) return { run };
  }
  const known = req.store?.run(req.run!);
  return {
    ok: false,
    code: 'EXPLAIN_RUN_NOT_FOUND',
    message: known
      ? `--run ${req.run}: ${req.taskId} has no recorded file inputs in that run`
      : `--run ${req.run}: no such run in the store`,
  };
}

/**
 * The run to compare with: `--since`, or the task's last recorded run (before the `--run` one,
 * when given: the run before it, so `--run B` alone says what changed into B).
 */
function findBaseline(
  req: ExplainRequest,
  ids: string[],
  later?: StoredTaskRun,
): { run: StoredTaskRun | null } | { ok: false; code: string; message: string } {
  if (!req.store) return { run: null };
  for (const id of new Set(ids)) {
    if (later && !req.since) {
      const runs = req.store.taskHistory(id, { withManifest: true, limit: 1000 });
      const at = runs.findIndex((r) => r.runId === later.runId);
      const before = at < 0 ? undefined : runs.slice(at + 1).find((r) => r.runId !== later.runId);
      if (before) return { run: before };
      continue;
    }
    const [run] = req.store.taskHistory(id, { withManifest: true, runId: req.since, limit: 1 });
    if (run) return { run };
  }
  if (req.since && !req.store.run(req.since))
    return { ok: false, code: 'EXPLAIN_RUN_NOT_FOUND', message: `--since ${req.since}: no such run in the store` };
  return { run: null };
}

/** A recorded task run as the run an explanation names (also the dashboard's explain sides). */
export function runRefOf(store: RunStore, t: StoredTaskRun): RunRef {
  const run = store.run(t.runId);
  return {
    runId: t.runId,
    hash: t.hash,
    cache: t.cache,
    status: t.status,
    commit: run?.commit ?? null,
    branch: run?.branch ?? null,
    machine: run?.machine ?? '',
    agent: t.agent ?? null,
    startTime: t.startTime,
  };
}

/**
 * A recorded run's environment and runtime hashes (its hashDetails), in the shape of the current
 * ones; a value it lacks counts as unchanged (the baseline's own).
 */
function recordedValueHashes(
  m: InputManifest,
  details: HashDetails | null,
  baseline: HashDetails | null,
): { env: Record<string, string>; runtime: Record<string, string> } {
  const pick = (key: string): string => details?.nodes[key] ?? baseline?.nodes[key] ?? '';
  return {
    env: Object.fromEntries(m.environment.map((n) => [n, pick(`env:${n}`)])),
    runtime: Object.fromEntries(m.runtime.map((c) => [c, pick(`runtime:${c}`)])),
  };
}

/** Nx's hashes of the current environment values and runtime outputs (as Nx computes them). */
function currentValueHashes(
  req: ExplainRequest,
  m: InputManifest,
): { env: Record<string, string>; runtime: Record<string, string> } {
  const env: Record<string, string> = {};
  for (const name of m.environment) env[name] = req.internals.hashArray([req.env[name] ?? '']);
  const runtime: Record<string, string> = {};
  for (const cmd of m.runtime) {
    try {
      const out = execSync(cmd, {
        cwd: req.workspaceRoot,
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore'],
        timeout: 30_000,
      });
      runtime[cmd] = req.internals.hashArray([out.trim()]);
    } catch {
      runtime[cmd] = '';
    }
  }
  return { env, runtime };
}

/** Changed files outside the task's project, by owning project, with that project's task. */
function dependencyChanges(
  graph: NxProjectGraph,
  taskGraph: NxTaskGraph,
  taskId: string,
  project: string,
  diff: ManifestDiff,
): Explanation['dependencies'] {
  const roots = Object.values(graph.nodes)
    .map((n) => ({ name: n.name, root: n.data.root }))
    .filter((r) => r.root && r.root !== '.')
    .sort((a, b) => b.root.length - a.root.length);
  const owner = (file: string) => roots.find((r) => file.startsWith(`${r.root}/`))?.name ?? null;
  const depTasks = new Map<string, string>();
  const seen = new Set<string>();
  const walk = (id: string): void => {
    for (const edge of taskGraph.dependencies[id] ?? []) {
      const d = edgeId(edge);
      if (seen.has(d)) continue;
      seen.add(d);
      const p = taskGraph.tasks[d]?.target.project;
      if (p && !depTasks.has(p)) depTasks.set(p, d);
      walk(d);
    }
  };
  walk(taskId);
  const groups = new Map<string, string[]>();
  const all = [...diff.added, ...diff.removed, ...diff.changed.map((c: ChangedFile) => c.file)];
  for (const f of all) {
    const p = owner(f);
    if (!p || p === project) continue;
    groups.set(p, [...(groups.get(p) ?? []), f]);
  }
  return [...groups.entries()]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([p, files]) => ({ project: p, task: depTasks.get(p) ?? null, files: files.sort() }));
}
