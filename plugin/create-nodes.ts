import { fleetTargetGroups } from './target-groups';
import { pluginLog } from './plugin-log';
import { NODES_GLOB } from './nodes-glob';
import * as posix from 'node:path/posix';
import type { CreateNodes, CreateNodesResult, ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import { normalizeOptions, type FleetPluginOptions } from '../config';
import {
  createFsReader,
  excludeNestedTests,
  inferProjects,
  nestedProjectDirs,
  knownProjects,
  type Diagnostic,
  type InferredProject,
  buildFileGraph,
  discoverFiles,
  perFileTestTargets,
} from '../graph';
import { isDockerfileName } from '../graph/docker';
import { createDockerNodes } from './docker-nodes';
import { isPythonConfigFile } from '../graph/python';
import { createPythonNodes } from './python-nodes';

type ProjectNode = Omit<ProjectConfiguration, 'root'> & { root?: string };

/**
 * Infers TS/JS projects and targets (graph/projects does the work; this only adapts it).
 * Where Nx core already creates the project (workspace package.json, project.json) the
 * result carries targets only, no name, so Nx merges them into its project instead of
 * creating a duplicate. Bad options throw (Nx fails naming the option); a bad file is a
 * warning on stderr (stdout may be JSON, e.g. `nx show project --json`) and the rest of
 * the graph still builds.
 */
export const createNodes: CreateNodes<FleetPluginOptions> = [
  NODES_GLOB,
  async (files, rawOptions, context) => {
    const options = normalizeOptions(rawOptions);
    // No result cache: inference reads a few small JSON files and folder listings per
    // project, about what hashing them for a cache key would cost.
    const result = inferProjects(
      files.filter((f) => !isDockerfileName(f) && !isPythonConfigFile(f)),
      createFsReader(context.workspaceRoot),
      options,
    );
    reportDiagnostics(result.diagnostics.filter((d) => !result.nxCoreFiles.includes(d.file)));
    const tsNodes = result.projects
      .filter((p) => Object.keys(p.targets).length > 0 || !p.createdByNxCore)
      .map((p) => [p.configFile, { projects: { [p.root]: toProjectNode(p) } } satisfies CreateNodesResult] as const);
    // Python folders and Dockerfiles add targets to these projects or make their own
    // (plugin/python-nodes.ts, plugin/docker-nodes.ts). Docker goes last: a Dockerfile inside a
    // Python project belongs to it, and COPY of a Python project depends on its build.
    const python = createPythonNodes(files, result.projects, options, context.workspaceRoot);
    const known = knownProjects(result.projects, python.projects);
    const nodes = [...tsNodes, ...python.nodes, ...createDockerNodes(files, known, options, context.workspaceRoot)];
    const withNested = withNestedTestsExcluded(nodes, files, options.testTargetName);
    const withPerFile = options.perFileTestTargets
      ? await withPerFileTestTargets(withNested, context.workspaceRoot, options)
      : withNested;
    return options.changedTestTargets ? withChangedTestTargets(withPerFile, options.testTargetName) : withPerFile;
  },
];

/**
 * `perFileTestTargets`: the inferred test target of each project gets its per-file targets and
 * `<test>-ci` (graph/projects/per-file-test-targets.ts), from the workspace's file graph (cached
 * on disk by content hash, the same graph createDependencies reads).
 */
async function withPerFileTestTargets(
  nodes: Array<readonly [string, CreateNodesResult]>,
  workspaceRoot: string,
  options: ReturnType<typeof normalizeOptions>,
): Promise<Array<readonly [string, CreateNodesResult]>> {
  const listed = discoverFiles(workspaceRoot);
  const graph = await buildFileGraph({
    workspaceRoot,
    files: listed,
    exclude: options.exclude,
    parallelThreshold: options.parallelParseThreshold,
  });
  const imports = (f: string): string[] | undefined =>
    graph.files[f]?.imports.flatMap((i) => (i.target === undefined ? [] : [i.target]));
  const unresolved = (f: string): boolean =>
    graph.files[f]?.imports.some((i) => i.target === undefined && i.external === undefined) ?? false;
  const all = listed.map((f) => f.file);
  return nodes.map(([file, r]) => {
    const projects = Object.fromEntries(
      Object.entries(r.projects ?? {}).map(([root, node]) => {
        const test = node.targets?.[options.testTargetName] as TargetConfiguration | undefined;
        if (!test || typeof test.command !== 'string') return [root, node];
        const prefix = root === '.' ? '' : `${root}/`;
        const { targets } = perFileTestTargets({
          root,
          testTargetName: options.testTargetName,
          testTarget: test as Parameters<typeof perFileTestTargets>[0]['testTarget'],
          projectFiles: all.filter((f) => f.startsWith(prefix) && ownedBy(f, root, nodes)),
          imports,
          unresolved,
        });
        return [root, { ...node, targets: { ...node.targets, ...(targets as Record<string, TargetConfiguration>) } }];
      }),
    );
    return [file, { ...r, projects }] as const;
  });
}

/**
 * `changedTestTargets`: beside each inferred test target, `<test>-changed` runs the same command
 * on the test files a change can break (`fleet test-changed`, cli/commands/test-changed.ts).
 * From the workspace root, not cached (the selection depends on a git ref); the test target's
 * environment options come along.
 */
function withChangedTestTargets(
  nodes: Array<readonly [string, CreateNodesResult]>,
  testTargetName: string,
): Array<readonly [string, CreateNodesResult]> {
  const quote = (s: string): string => `'${s.replace(/'/g, `'\\''`)}'`;
  return nodes.map(([file, r]) => {
    const projects = Object.fromEntries(
      Object.entries(r.projects ?? {}).map(([root, node]) => {
        const test = node.targets?.[testTargetName] as TargetConfiguration | undefined;
        if (!test || typeof test.command !== 'string') return [root, node];
        const env = (test.options as { env?: Record<string, string> } | undefined)?.env;
        const changed: TargetConfiguration = {
          command: `fleet test-changed --project-root ${quote(root)} --runner ${quote(test.command)}`,
          ...(env ? { options: { env } } : {}),
          cache: false,
          metadata: {
            technologies: (test.metadata as { technologies?: string[] } | undefined)?.technologies,
            description: `Run only the test files of ${testTargetName} that the changes since --changed-since <ref> can break (all when the graph cannot see a change)`,
            help: { command: 'npx fleet test-changed --help', example: { args: ['--changed-since=origin/main'] } },
          },
        };
        return [root, { ...node, targets: { ...node.targets, [`${testTargetName}-changed`]: changed } }];
      }),
    );
    return [file, { ...r, projects }] as const;
  });
}

/** A file belongs to the project with the longest root containing it (not to a project nested in it). */
function ownedBy(file: string, root: string, nodes: Array<readonly [string, CreateNodesResult]>): boolean {
  for (const [, r] of nodes)
    for (const other of Object.keys(r.projects ?? {}))
      if (other.length > root.length && (root === '.' || other.startsWith(`${root}/`)) && file.startsWith(`${other}/`))
        return false;
  return true;
}

/**
 * Every test target leaves the tests of projects nested in its folder to those projects
 * (graph/projects/exclude-nested-tests.ts). Project roots: every result's, and every
 * project.json's folder (Nx core makes a project of each).
 */
function withNestedTestsExcluded(
  nodes: Array<readonly [string, CreateNodesResult]>,
  files: readonly string[],
  testTarget: string,
): Array<readonly [string, CreateNodesResult]> {
  const roots = new Set<string>();
  for (const [, r] of nodes) for (const root of Object.keys(r.projects ?? {})) roots.add(root);
  for (const f of files) if (f === 'project.json' || f.endsWith('/project.json')) roots.add(posix.dirname(f));
  return nodes.map(([file, r]) => {
    const projects = Object.fromEntries(
      Object.entries(r.projects ?? {}).map(([root, node]) => {
        const target = node.targets?.[testTarget];
        const nested = target ? nestedProjectDirs(root, roots) : [];
        if (!target || nested.length === 0) return [root, node];
        return [root, { ...node, targets: { ...node.targets, [testTarget]: excludeNestedTests(target, nested) } }];
      }),
    );
    return [file, { ...r, projects }] as const;
  });
}

/** Deprecated alias kept for Nx versions that still look for it. */
export const createNodesV2 = createNodes;

function toProjectNode(project: InferredProject): ProjectNode {
  const targets = project.targets as Record<string, TargetConfiguration>;
  if (project.createdByNxCore)
    return { targets, metadata: { ...fleetTargetGroups(targets), technologies: project.languages } };
  return {
    name: project.name,
    root: project.root,
    targets,
    metadata: {
      ...fleetTargetGroups(targets),
      technologies: project.languages,
      description: `${project.languages.join(', ')} project inferred by nx-fleet from ${project.configFile}`,
    },
  };
}

/**
 * Syntax errors in package.json/project.json files that Nx core parses are left to Nx,
 * which already names the file, line and column: one diagnostic per bad file, not two.
 */
function reportDiagnostics(diagnostics: Diagnostic[]): void {
  for (const d of diagnostics) pluginLog(`nx-fleet [${d.code}] ${d.message}`);
}
