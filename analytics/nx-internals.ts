import * as path from 'node:path';

/** A file and its Nx content hash, as Nx's workspace context gives them. */
export interface NxFileData {
  file: string;
  hash: string;
}

/** The part of a project graph the history code reads. */
export interface NxProjectGraph {
  nodes: Record<string, { name: string; data: { root: string; targets?: Record<string, { dependsOn?: unknown }> } }>;
  dependencies: Record<string, Array<{ source: string; target: string; type: string }>>;
}

export interface NxTaskLike {
  id: string;
  target: { project: string; target: string; configuration?: string };
}

export type TaskEdge = string | { id: string };

export function edgeId(e: TaskEdge): string {
  return typeof e === 'string' ? e : e.id;
}

export interface NxTaskGraph {
  roots: string[];
  tasks: Record<string, NxTaskLike>;
  /** Nx 24: edges `{id}`; older: ids. */
  dependencies: Record<string, Array<TaskEdge>>;
  continuousDependencies: Record<string, Array<TaskEdge>>;
}

export interface NxHashInputs {
  files: string[];
  runtime: string[];
  environment: string[];
  depOutputs: string[];
  external: string[];
}

/**
 * The Nx internals that expand a task's inputs into files, loaded from the workspace's own `nx`
 * (the one that hashed the tasks). These are the calls `nx show target inputs` makes
 * (nx/src/hasher/hash-plan-inspector.js in Nx 24.0.6), so the recorded file lists equal its
 * output; they are not public API, so every use is guarded and a failure is data.
 */
export interface NxInternals {
  readNxJson(root: string): unknown;
  readCachedProjectGraph(): NxProjectGraph;
  createProjectGraphAsync(): Promise<NxProjectGraph>;
  workspaceFiles(
    root: string,
    graph: NxProjectGraph,
  ): Promise<{ fileHashes: Map<string, string>; allFiles: unknown; projectFiles: unknown }>;
  createTaskGraph(graph: NxProjectGraph, projects: string[], targets: string[], configuration?: string): NxTaskGraph;
  inspectInputs(
    nxJson: unknown,
    graph: NxProjectGraph,
    files: { allFiles: unknown; projectFiles: unknown },
    root: string,
    taskGraph: NxTaskGraph,
    taskIds: string[],
  ): Record<string, NxHashInputs>;
  /**
   * Rescans the workspace in this process's Nx workspace context (a long-lived process, the
   * completer, must not read the file hashes of its first look).
   */
  refreshWorkspace(root: string): void;
  /** Nx's content hash of a file on disk (to check git's copy of an old file against a record). */
  hashFile(file: string): string | null;
  /** Nx's hash of strings (environment values and runtime outputs are hashed this way). */
  hashArray(items: string[]): string;
}

/** Loads the internals from the `nx` that `workspaceRoot` resolves. Throws when they are not there. */
export function loadNxInternals(workspaceRoot: string): NxInternals {
  const nxDir = path.dirname(require.resolve('nx/package.json', { paths: [workspaceRoot] }));
  const req = (rel: string): Record<string, unknown> => require(path.join(nxDir, 'dist', 'src', rel));
  const devkit = req('devkit-exports.js') as {
    readCachedProjectGraph(): NxProjectGraph;
    createProjectGraphAsync(o?: unknown): Promise<NxProjectGraph>;
  };
  const nxJsonMod = req('config/nx-json.js') as { readNxJson(root: string): unknown };
  const ctx = req('utils/workspace-context.js') as {
    refreshWorkspaceContext?(root: string): void;
    resetWorkspaceContext?(): void;
    getNxWorkspaceFilesFromContext(
      root: string,
      map: Record<string, string>,
      daemon: boolean,
    ): Promise<{
      projectFileMap: Record<string, NxFileData[]>;
      globalFiles: NxFileData[];
      externalReferences: { allWorkspaceFiles: unknown; projectFiles: unknown };
    }>;
  };
  const roots = req('project-graph/utils/find-project-for-path.js') as {
    createProjectRootMappings(nodes: unknown): Map<string, string>;
  };
  const native = req('native/index.js') as {
    HashPlanner: new (
      nxJson: unknown,
      graphRef: unknown,
    ) => {
      getPlansReference(ids: string[], tg: NxTaskGraph): unknown;
    };
    HashPlanInspector: new (
      all: unknown,
      projectFiles: unknown,
      root: string,
    ) => {
      inspectInputs(plans: unknown): Record<string, NxHashInputs>;
    };
    hashFile(file: string): string | null;
    hashArray(items: string[]): string;
  };
  const transform = req('native/transform-objects.js') as { transformProjectGraphForRust(g: unknown): unknown };
  const taskGraphMod = req('tasks-runner/create-task-graph.js') as {
    createTaskGraph(
      g: unknown,
      extra: unknown,
      p: string[],
      t: string[],
      c: string | undefined,
      o: unknown,
    ): NxTaskGraph;
  };
  for (const [name, fn] of [
    ['readCachedProjectGraph', devkit.readCachedProjectGraph],
    ['getNxWorkspaceFilesFromContext', ctx.getNxWorkspaceFilesFromContext],
    ['HashPlanInspector', native.HashPlanInspector],
    ['createTaskGraph', taskGraphMod.createTaskGraph],
  ] as const)
    if (typeof fn !== 'function') throw new Error(`this nx has no ${name} (nx-fleet reads inputs through it)`);
  return {
    readNxJson: (root) => nxJsonMod.readNxJson(root),
    readCachedProjectGraph: () => devkit.readCachedProjectGraph(),
    createProjectGraphAsync: () => devkit.createProjectGraphAsync({ exitOnError: false }),
    async workspaceFiles(root, graph) {
      const map = Object.fromEntries(roots.createProjectRootMappings(graph.nodes).entries());
      const wf = await ctx.getNxWorkspaceFilesFromContext(root, map, false);
      const fileHashes = new Map<string, string>();
      for (const list of Object.values(wf.projectFileMap)) for (const f of list) fileHashes.set(f.file, f.hash);
      for (const f of wf.globalFiles) fileHashes.set(f.file, f.hash);
      return {
        fileHashes,
        allFiles: wf.externalReferences.allWorkspaceFiles,
        projectFiles: wf.externalReferences.projectFiles,
      };
    },
    refreshWorkspace(root) {
      if (ctx.refreshWorkspaceContext) ctx.refreshWorkspaceContext(root);
      else if (ctx.resetWorkspaceContext) ctx.resetWorkspaceContext();
      else throw new Error('this nx has no refreshWorkspaceContext (the completer rescans through it)');
    },
    createTaskGraph: (graph, projects, targets, configuration) =>
      taskGraphMod.createTaskGraph(graph, {}, projects, targets, configuration, {}),
    inspectInputs(nxJson, graph, files, root, taskGraph, taskIds) {
      const planner = new native.HashPlanner(nxJson, transform.transformProjectGraphForRust(graph));
      const inspector = new native.HashPlanInspector(files.allFiles, files.projectFiles, root);
      return inspector.inspectInputs(planner.getPlansReference(taskIds, taskGraph));
    },
    hashFile: (file) => native.hashFile(file),
    hashArray: (items) => native.hashArray(items),
  };
}
