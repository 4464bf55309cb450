import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { normalizeOptions, readPluginOptions } from '../../config';
import {
  buildFileGraph,
  createFsReader,
  discoverFiles,
  inferWorkspaceProjects,
  knownProjects,
  projectDependencies,
  targetNames,
  toFileNode,
  type Diagnostic,
  type FileNode,
  type InferredProject,
  type ProjectDependency,
} from '../../graph';
import { dockerWorkspaceGraph, inferWorkspaceDockerProjects, type DockerWorkspaceGraph } from '../../graph/docker';
import { pythonWorkspaceGraph, withPythonProjects } from '../../graph/python';
import { buildViewData, graphPage, serveGraph } from '../../graph/view';

/** `fleet graph --json` (docs/json-output.md): the contract. */
export interface GraphJson {
  projects: Record<string, { root: string; languages: string[]; targets: string[] }>;
  files?: Record<string, FileNode>;
  dependencies: ProjectDependency[];
  diagnostics: Diagnostic[];
}

/** Maps a file to the project with the longest root that contains it. */
export function projectOwner(projects: Pick<InferredProject, 'name' | 'root'>[]): (file: string) => string | undefined {
  const byDepth = [...projects].sort((a, b) => b.root.length - a.root.length);
  return (file) =>
    byDepth.find((p) => p.root === '.' || p.root === '' || file === p.root || file.startsWith(`${p.root}/`))?.name;
}

/** Computes the whole `fleet graph` result for a workspace, without Nx: TS/JS, then Python, then Docker (as the plugin does). */
export async function computeGraph(root: string, withFiles: boolean, withLines = false): Promise<GraphJson> {
  const options = normalizeOptions(readPluginOptions(root).options);
  const listed = discoverFiles(root);
  const fileList = listed.map((f) => f.file);
  const inference = inferWorkspaceProjects(root, options);
  const graph = await buildFileGraph({
    workspaceRoot: root,
    files: listed,
    exclude: options.exclude,
    parallelThreshold: options.parallelParseThreshold,
  });
  const python = pythonWorkspaceGraph({
    workspaceRoot: root,
    files: fileList,
    existing: inference.projects.map((p) => ({ root: p.root, name: p.name, targets: targetNames(p) })),
    interpreter: options.python.interpreter ?? 'python3',
    moduleMapping: options.python.moduleMapping,
    targetNames: {
      test: options.testTargetName,
      lint: options.lintTargetName,
      typecheck: options.typecheckTargetName,
      build: options.buildTargetName,
    },
    disabledTargets: options.disabledTargets,
    exclude: options.exclude,
  });
  const known = knownProjects(inference.projects, python.inferred);
  const reader = createFsReader(root);
  const dockerInference = inferWorkspaceDockerProjects({
    workspaceRoot: root,
    files: fileList,
    known,
    options,
    readFile: (f) => reader.readFile(f),
  });
  const docker = dockerWorkspaceGraph(root, dockerInference.projects, known, fileList, options.buildTargetName);
  const tsProjects: GraphJson['projects'] = {};
  for (const p of inference.projects)
    tsProjects[p.name] = { root: p.root, languages: p.languages, targets: targetNames(p) };
  const owner = projectOwner(inference.projects);
  const result: GraphJson = {
    projects: withDockerProjects(withPythonProjects(tsProjects, python.projects), docker.projects),
    dependencies: [...projectDependencies(graph, owner), ...python.dependencies, ...docker.dependencies].sort(
      compareDeps,
    ),
    diagnostics: uniqueDiagnostics([
      ...inference.diagnostics,
      ...graph.diagnostics,
      ...python.diagnostics,
      ...dockerInference.diagnostics,
    ]),
  };
  if (!withFiles) return result;
  const files: Record<string, FileNode> = { ...python.files, ...docker.files };
  for (const f of Object.keys(graph.files)) files[f] = toFileNode(graph.files[f], withLines);
  // Python and Docker nodes always carry their lines; the contract has them only with --lines.
  if (!withLines) for (const [f, n] of Object.entries(files)) if (n.lines) files[f] = withoutLines(n);
  // Key order of the contract: projects, files, dependencies, diagnostics.
  return {
    projects: result.projects,
    files: Object.fromEntries(
      Object.keys(files)
        .sort()
        .map((f) => [f, files[f]]),
    ),
    dependencies: result.dependencies,
    diagnostics: result.diagnostics,
  };
}

function withoutLines({ imports, external, unresolved }: FileNode): FileNode {
  return { imports, external, unresolved };
}

/** Adds Docker targets to the projects they belong to, and the image projects nx-fleet creates. */
function withDockerProjects(
  projects: GraphJson['projects'],
  docker: DockerWorkspaceGraph['projects'],
): GraphJson['projects'] {
  const merged = { ...projects };
  for (const [name, p] of Object.entries(docker)) {
    const e = merged[name];
    merged[name] = {
      root: p.root,
      languages: [...new Set([...(e?.languages ?? []), 'docker'])],
      targets: [...new Set([...(e?.targets ?? []), ...p.targets])].sort(),
    };
  }
  return Object.fromEntries(Object.entries(merged).sort(([a], [b]) => a.localeCompare(b)));
}

/** Inference and the file graph both read tsconfig/package.json files: one problem, one entry. */
function uniqueDiagnostics(list: Diagnostic[]): Diagnostic[] {
  const seen = new Set<string>();
  return list.filter((d) => {
    const key = `${d.file}\0${d.line ?? ''}\0${d.code}`;
    return !seen.has(key) && Boolean(seen.add(key));
  });
}

function compareDeps(a: ProjectDependency, b: ProjectDependency): number {
  return (
    a.source.localeCompare(b.source) ||
    a.target.localeCompare(b.target) ||
    (a.sourceFile ?? '').localeCompare(b.sourceFile ?? '')
  );
}

function humanReadable(g: GraphJson): string {
  const out: string[] = [`${Object.keys(g.projects).length} projects`];
  for (const [name, p] of Object.entries(g.projects)) {
    out.push(
      `  ${name}  (${p.root}; ${p.languages.join(', ') || 'no sources'})  targets: ${p.targets.join(', ') || '-'}`,
    );
  }
  const edges = new Map<string, number>();
  for (const d of g.dependencies)
    edges.set(`${d.source} -> ${d.target}`, (edges.get(`${d.source} -> ${d.target}`) ?? 0) + 1);
  out.push(`${edges.size} project dependencies`);
  for (const [edge, count] of edges) out.push(`  ${edge}  (${count} file${count === 1 ? '' : 's'})`);
  if (g.files) out.push(`${Object.keys(g.files).length} files in the file graph`);
  out.push(`${g.diagnostics.length} diagnostics`);
  for (const d of g.diagnostics) out.push(`  ${d.file}${d.line ? `:${d.line}` : ''}: ${d.message} [${d.code}]`);
  return `${out.join('\n')}\n`;
}

interface GraphOptions {
  cwd: string;
  json?: boolean;
  files?: boolean;
  lines?: boolean;
  html?: string;
  serve?: boolean;
  port: string;
}

/** `--html FILE` and `--serve`: the page of the graph with its layout (graph/view). */
async function graphPageCommand(opts: GraphOptions): Promise<void> {
  const root = path.resolve(opts.cwd);
  const compute = async () => buildViewData(path.basename(root), await computeGraph(root, true, true));
  if (opts.html !== undefined) {
    const data = await compute();
    const file = path.resolve(opts.html);
    try {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, graphPage(data));
    } catch (err) {
      process.stderr.write(
        `fleet: ${opts.html}: cannot write: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message} [FLEET_GRAPH_WRITE_FAILED]\n`,
      );
      process.exitCode = 1;
      return;
    }
    process.stdout.write(
      `wrote ${file}: ${Object.keys(data.graph.projects).length} projects, ${data.layout.fileX.length} files (layout ${data.layout.stats.ms} ms)\n`,
    );
    return;
  }
  const port = Number(opts.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    process.stderr.write(`fleet: --port ${opts.port}: not a port number [FLEET_GRAPH_BAD_PORT]\n`);
    process.exitCode = 2;
    return;
  }
  let server: Awaited<ReturnType<typeof serveGraph>>;
  try {
    server = await serveGraph({ root, port, compute, log: (l) => process.stderr.write(`fleet graph: ${l}\n`) });
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code !== 'EADDRINUSE' && code !== 'EACCES') throw err;
    process.stderr.write(
      `fleet: --port ${port}: ${code === 'EADDRINUSE' ? 'already in use' : 'not allowed'} [FLEET_GRAPH_PORT_UNAVAILABLE]\n`,
    );
    process.exitCode = 2;
    return;
  }
  process.stdout.write(`fleet graph: serving ${server.url}\n`);
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

/** `fleet graph [--cwd DIR] [--json] [--files]`: the inferred projects and file graph. */
export function registerGraphCommand(program: Command): void {
  program
    .command('graph')
    .description('print the projects nx-fleet infers and, with --files, the file-level dependency graph')
    .option('--cwd <dir>', 'workspace root', process.cwd())
    .option('--json', 'print the documented JSON shape (docs/json-output.md)')
    .option('--files', 'include the file-level graph')
    .option('--lines', "with --files: each file's `lines` (the line of the first import of each target)")
    .option('--html <file>', 'write the interactive graph page to FILE (self-contained, offline; docs/graph.md)')
    .option('--serve', 'serve the interactive graph page on loopback, updated when files change')
    .option('--port <port>', 'with --serve: the port (default 4300; 0 picks a free one)', '4300')
    .action(async (opts: GraphOptions) => {
      if (opts.html !== undefined || opts.serve) return graphPageCommand(opts);
      const graph = await computeGraph(path.resolve(opts.cwd), Boolean(opts.files), Boolean(opts.lines));
      process.stdout.write(opts.json ? `${JSON.stringify(graph, null, 2)}\n` : humanReadable(graph));
    });
}
