import { fleetTargetGroups } from './target-groups';
import { pluginLog } from './plugin-log';
import * as path from 'node:path';
import type { CreateNodesResult, ProjectConfiguration, TargetConfiguration } from '@nx/devkit';
import type { NormalizedOptions } from '../config';
import type { InferredProject } from '../graph';
import {
  inferPythonProjects,
  isPythonConfigFile,
  nodePythonFs,
  summarizeDependencyFindings,
  type InferredPythonProject,
} from '../graph/python';
import { reportFileDiagnostics } from './report-file-diagnostics';

type ProjectNode = Omit<ProjectConfiguration, 'root'> & { root?: string };

/**
 * The createNodes results for the Python config files Nx matched (pyproject.toml, setup.cfg,
 * setup.py, requirements*.txt): a project per Python folder named after its distribution, or
 * targets and metadata merged into the project the folder already is (Nx core's package.json
 * or project.json, a TS project), plus `pypi:` external nodes. Config problems (a pyproject
 * that is not valid TOML) are one stderr line each; the rest of the graph still builds.
 */
export function createPythonNodes(
  files: readonly string[],
  knownProjects: readonly InferredProject[],
  options: NormalizedOptions,
  workspaceRoot: string,
): { nodes: Array<readonly [string, CreateNodesResult]>; projects: InferredPythonProject[] } {
  const configFiles = files.filter(isPythonConfigFile);
  if (configFiles.length === 0) return { nodes: [], projects: [] };
  const result = inferPythonProjects({
    fs: nodePythonFs(workspaceRoot),
    configFiles,
    existing: knownProjects.map((p) => ({
      root: p.root,
      name: p.name,
      targets: [...Object.keys(p.targets), ...p.userTargets],
    })),
    interpreter: options.python.interpreter ?? 'python3',
    targetNames: {
      test: options.testTargetName,
      lint: options.lintTargetName,
      typecheck: options.typecheckTargetName,
      build: options.buildTargetName,
    },
    disabledTargets: options.disabledTargets,
    exclude: options.exclude,
    workspaceName: path.basename(workspaceRoot),
  });
  const { problems, summary } = summarizeDependencyFindings(result.diagnostics);
  reportFileDiagnostics(problems);
  if (summary) pluginLog(`nx-fleet: ${summary}`);
  const out: Array<readonly [string, CreateNodesResult]> = result.projects.map(
    (p) => [p.configFile, { projects: { [p.root]: toProjectNode(p) } }] as const,
  );
  // External nodes are workspace-wide: one result carries them all (Nx merges every result's).
  if (out.length > 0 && Object.keys(result.externalNodes).length > 0)
    out[0] = [out[0][0], { ...out[0][1], externalNodes: result.externalNodes }];
  return { nodes: out, projects: result.projects };
}

function toProjectNode(p: InferredPythonProject): ProjectNode {
  const node: ProjectNode = {
    targets: p.targets as unknown as Record<string, TargetConfiguration>,
    metadata: { ...p.metadata, ...fleetTargetGroups(p.targets) },
  };
  if (p.name === undefined) return node;
  return { name: p.name, root: p.root, ...node };
}
