import type { GraphIndex } from './graph-index';
import type {
  AffectedFile,
  AffectedProject,
  AffectedResult,
  AffectedTask,
  ChainStep,
  ProjectReason,
  ProjectStep,
} from './types';

/** Test files by name, in the languages nx-fleet infers (Jest/Vitest, pytest). */
const TEST_FILE =
  /(?:\.(?:test|spec)\.[cm]?[jt]sx?$)|(?:(?:^|\/)test_[^/]*\.py$)|(?:_test\.py$)|(?:(?:^|\/)conftest\.py$)/;

export function isTestFile(file: string): boolean {
  return TEST_FILE.test(file);
}

/**
 * What a change affects. Files: every file that imports a changed file, transitively, with the
 * chain of imports. Projects: Nx's rule (a project owning a changed file, and every project
 * that depends on an affected one; nx.json affects all), with the chain of dependencies, and
 * whether the file graph confirms it (`byFiles`). Tasks: every target of an affected project.
 */
export function affectedBy(g: GraphIndex, changed: string[]): AffectedResult {
  const changedSorted = [...new Set(changed)].sort();
  const files = affectedFiles(g, changedSorted);
  const reachedProjects = new Set(files.map((f) => f.project).filter((p): p is string => p !== undefined));
  const reasons = projectReasons(g, changedSorted);
  const projects: AffectedProject[] = [...reasons.entries()]
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([project, reason]) => ({ project, reason, byFiles: reachedProjects.has(project) }));
  const tasks: AffectedTask[] = projects.flatMap(({ project, reason }) =>
    [...g.data.projects[project].targets]
      .sort()
      .map((target) => ({ task: `${project}:${target}`, project, target, reason })),
  );
  return { changed: changedSorted, files, projects, tasks, testFiles: files.filter((f) => isTestFile(f.file)) };
}

function affectedFiles(g: GraphIndex, changed: string[]): AffectedFile[] {
  const parent = new Int32Array(g.files.length).fill(-2);
  const queue: number[] = [];
  for (const f of changed) {
    const i = g.fileId.get(f);
    if (i === undefined || parent[i] !== -2) continue;
    parent[i] = -1;
    queue.push(i);
  }
  for (let head = 0; head < queue.length; head++) {
    for (const j of g.inc[queue[head]]) {
      if (parent[j] !== -2) continue;
      parent[j] = queue[head];
      queue.push(j);
    }
  }
  const out: AffectedFile[] = [];
  for (const i of queue) {
    // From this file down to the changed one, then reversed: changed first.
    const chain: ChainStep[] = [];
    let j = i;
    for (; parent[j] >= 0; j = parent[j]) {
      const line = g.lineOf(j, parent[j]);
      chain.push(
        line === undefined
          ? { from: g.files[j], to: g.files[parent[j]] }
          : { from: g.files[j], to: g.files[parent[j]], line },
      );
    }
    const file: AffectedFile = { file: g.files[i], changed: g.files[j], chain: chain.reverse() };
    if (g.owner[i] !== undefined) file.project = g.owner[i];
    out.push(file);
  }
  // Changed files outside the file graph (a README, a deleted file) are affected too, by themselves.
  for (const f of changed)
    if (!g.fileId.has(f)) out.push({ file: f, project: g.projectOfPath(f), changed: f, chain: [] });
  for (const f of out) if (f.project === undefined) delete f.project;
  return out.sort((a, b) => a.file.localeCompare(b.file));
}

function projectReasons(g: GraphIndex, changed: string[]): Map<string, ProjectReason> {
  const reasons = new Map<string, ProjectReason>();
  const queue: string[] = [];
  const global = changed.find((f) => g.isGlobalFile(f));
  for (const f of changed) {
    const p = g.projectOfPath(f);
    if (p === undefined || reasons.has(p)) continue;
    reasons.set(p, { kind: 'touched', file: f });
    queue.push(p);
  }
  if (global !== undefined)
    for (const p of g.projects) if (!reasons.has(p)) (reasons.set(p, { kind: 'global', file: global }), queue.push(p));
  // BFS over dependents: the first reach is a shortest chain back to a touched project.
  const via = new Map<string, ProjectStep>();
  for (let head = 0; head < queue.length; head++) {
    const p = queue[head];
    for (const e of g.projectIn.get(p) ?? []) {
      if (reasons.has(e.from)) continue;
      via.set(e.from, e);
      const chain: ProjectStep[] = [];
      let q = e.from;
      for (let s = via.get(q); s; s = via.get(q)) (chain.push(s), (q = s.to));
      const root = reasons.get(q) as ProjectReason;
      reasons.set(e.from, { kind: 'depends', touched: q, file: root.file, chain });
      queue.push(e.from);
    }
  }
  return reasons;
}
