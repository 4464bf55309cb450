/**
 * `npm run demo`: nx-fleet on examples/polyglot, end to end, offline. Copies the example to a
 * scratch folder (the test rig links node_modules), shows what nx-fleet infers, writes the
 * project graph, changes a leaf library and runs `nx affected` twice: the second run must be
 * served entirely from the cache. Exits non-zero when any step or check fails.
 */
import { createWorkspace, realPython, usePython, type TestWorkspace } from '../test/rig';

interface GraphFile {
  graph: {
    nodes: Record<
      string,
      { data: { root: string; targets: Record<string, { options?: { command?: string; script?: string } }> } }
    >;
    dependencies: Record<string, Array<{ target: string; type: string }>>;
  };
}

const LEAF_FILE = 'libs/util/src/strings.ts';
// api-image copies the app's build output (docker/api-image/Dockerfile), so it is a dependent too.
const EXPECTED_AFFECTED = [
  '@polyglot/api',
  'api-image',
  'core',
  'polyglot-textkit',
  'polyglot-trainer',
  'polyglot-wordservice',
  'python-service',
  'util',
];
/** A module of the Python core library: its dependents' pytest suites run too. */
const PYTHON_FILE = 'python/core/src/textkit/slug.py';
/** TS/JS projects and the Dockerfile projects of examples/polyglot/docker (never built here: no docker call). */
const EXPECTED_PROJECTS = [
  '@polyglot/api',
  '@polyglot/format',
  'core',
  'util',
  'api-image',
  'base-node',
  'report-image',
  'python-service',
  'polyglot-textkit',
  'polyglot-wordservice',
  'polyglot-trainer',
];

function step(title: string): void {
  console.log(`\n== ${title}`);
}

function fail(message: string): never {
  throw new Error(message);
}

function table(rows: string[][]): string {
  const widths = rows[0].map((_, i) => Math.max(...rows.map((r) => r[i].length)));
  return rows
    .map(
      (r) =>
        '  ' +
        r
          .map((c, i) => c.padEnd(widths[i]))
          .join('  ')
          .trimEnd(),
    )
    .join('\n');
}

function showInference(ws: TestWorkspace): GraphFile {
  step('Projects and targets nx-fleet infers (nx graph --file=graph.json)');
  ws.nxOk(['graph', '--file=graph.json']);
  const graph = JSON.parse(ws.read('graph.json')) as GraphFile;
  const rows = [['project', 'root', 'targets (command)']];
  for (const [name, node] of Object.entries(graph.graph.nodes).sort(([a], [b]) => a.localeCompare(b))) {
    const targets = Object.entries(node.data.targets)
      .filter(([t]) => t !== 'nx-release-publish')
      .map(([t, c]) => `${t} (${c.options?.command ?? `npm run ${c.options?.script}`})`);
    rows.push([name, node.data.root, targets.join(', ')]);
  }
  console.log(table(rows));
  step('Project dependencies in graph.json');
  for (const [source, deps] of Object.entries(graph.graph.dependencies).sort(([a], [b]) => a.localeCompare(b))) {
    const internal = deps.filter((d) => graph.graph.nodes[d.target]);
    if (internal.length) console.log(`  ${source} -> ${internal.map((d) => `${d.target} (${d.type})`).join(', ')}`);
  }
  return graph;
}

/** Runs `nx affected` and returns [tasks run, tasks read from cache] from Nx's own summary. */
function runAffected(ws: TestWorkspace, label: string): { total: number; cached: number } {
  const started = process.hrtime.bigint();
  const out = ws.nxOk(['affected', '-t', 'typecheck', 'test', '--base=HEAD', '--output-style=static']);
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const tasks = [...out.matchAll(/^> nx run (\S+)(.*)$/gm)].map((m) => ({ id: m[1], cached: /cache/.test(m[2]) }));
  for (const t of tasks) console.log(`  ${t.cached ? 'cache ' : 'ran   '} ${t.id}`);
  const cached = tasks.filter((t) => t.cached).length;
  console.log(`  ${label}: ${tasks.length} tasks, ${cached} from cache, ${seconds.toFixed(1)} s`);
  if (!tasks.length) fail('nx affected ran no task');
  return { total: tasks.length, cached };
}

function main(): void {
  const started = Date.now();
  step('Scratch copy of examples/polyglot');
  const ws = createWorkspace({ fixture: 'examples/polyglot', commit: false });
  // Nx puts node's folder first on PATH for tasks; name the python3 that has pytest (docs/python.md).
  usePython(ws, realPython());
  ws.commit('initial');
  console.log(`  ${ws.root} (python.interpreter: ${realPython()})`);
  try {
    const graph = showInference(ws);
    const missing = EXPECTED_PROJECTS.filter((p) => !graph.graph.nodes[p]);
    if (missing.length) fail(`missing projects in the graph: ${missing.join(', ')}`);

    step(
      `Change a leaf library file (${LEAF_FILE}) and a Python core module (${PYTHON_FILE}) on top of the committed state`,
    );
    ws.write(LEAF_FILE, `${ws.read(LEAF_FILE)}\n/** Added by the demo. */\nexport const demoMarker = 'changed';\n`);
    ws.write(PYTHON_FILE, `${ws.read(PYTHON_FILE)}\n\nDEMO_MARKER = 'changed'\n`);
    const affected = (
      JSON.parse(ws.nxOk(['show', 'projects', '--affected', '--base=HEAD', '--json'])) as string[]
    ).sort();
    console.log(`  nx show projects --affected --base=HEAD: ${affected.join(', ')}`);
    if (affected.join() !== EXPECTED_AFFECTED.join()) fail(`expected affected ${EXPECTED_AFFECTED.join(', ')}`);

    step('nx affected -t typecheck test --base=HEAD (first run)');
    const first = runAffected(ws, 'first run');
    step('nx affected -t typecheck test --base=HEAD (second run, nothing changed)');
    const second = runAffected(ws, 'second run');
    if (second.total !== first.total || second.cached !== second.total)
      fail('the second run was not served entirely from the cache');

    step(`Done in ${((Date.now() - started) / 1000).toFixed(1)} s: the second run was all cache hits.`);
  } finally {
    ws.dispose();
  }
}

try {
  main();
} catch (e) {
  console.error(`\ndemo failed: ${(e as Error).message}`);
  process.exitCode = 1;
}
