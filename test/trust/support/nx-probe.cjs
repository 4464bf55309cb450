// Run with cwd = an Nx workspace (NX_DAEMON=false). Reads a JSON request {targets, files} from
// argv[2], writes to argv[3]: every task of those targets with its command, cwd, env and the
// files Nx hashes for it (HashPlanInspector, the planner `nx show target inputs` uses), and for
// each file the tasks `nx affected -t <targets> --files=<file>` selects (computeAffectedTasks,
// Nx's task-level selection, one call per file). All in one process: one project graph.
const fs = require('node:fs');
const { createProjectGraphAsync } = require('nx/src/devkit-exports');
const { readNxJson } = require('nx/src/config/nx-json');
const { HashPlanInspector } = require('nx/src/hasher/hash-plan-inspector');
const { computeAffectedTasks } = require('nx/src/project-graph/affected/affected-tasks');
const { calculateFileChanges } = require('nx/src/project-graph/file-utils');

(async () => {
  const request = JSON.parse(fs.readFileSync(process.argv[2], 'utf8'));
  const graph = await createProjectGraphAsync({ exitOnError: true });
  const nxJson = readNxJson();
  const inspector = new HashPlanInspector(graph);
  await inspector.init();
  const tasks = {};
  const projects = {};
  for (const [name, node] of Object.entries(graph.nodes)) {
    projects[name] = node.data.root;
    for (const target of request.targets) {
      const t = node.data.targets?.[target];
      if (!t) continue;
      const id = `${name}:${target}`;
      const inputs = inspector.inspectTaskInputs({ project: name, target }, {}, undefined, true)[id];
      const o = t.options ?? {};
      tasks[id] = {
        project: name,
        target,
        root: node.data.root,
        command: o.command ?? t.command,
        cwd: o.cwd,
        env: o.env ?? {},
        files: inputs?.files ?? [],
      };
    }
  }
  const affected = {};
  for (const file of request.files) {
    const r = await computeAffectedTasks({
      projectGraph: graph,
      nxJson,
      targets: request.targets,
      touchedFiles: calculateFileChanges([file]),
    });
    affected[file] = [...r.affectedTaskIds];
  }
  fs.writeFileSync(process.argv[3], JSON.stringify({ projects, tasks, affected }));
})().catch((e) => {
  console.error(e && e.stack ? e.stack : String(e));
  process.exit(1);
});
