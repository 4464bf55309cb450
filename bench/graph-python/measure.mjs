// One measured run of our side, in a fresh process so that "cold" means cold.
//   node measure.mjs <dist/graph/python/index.js> <workspace> cold
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';

const [distPath, workspace] = process.argv.slice(2);
const py = await import(distPath);

function walk(dir, prefix, out) {
  for (const e of readdirSync(join(dir, prefix), { withFileTypes: true })) {
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) walk(dir, rel, out);
    else out.push(rel);
  }
  return out;
}

function analyzeAll() {
  const files = walk(workspace, '', []);
  const fs = py.nodePythonFs(workspace);
  const roots = files.filter((f) => f.endsWith('/pyproject.toml')).map((f) => f.slice(0, f.lastIndexOf('/')));
  const projects = roots.map((root) => py.readPythonProject({ fs, root }).project);
  const pyFiles = files.filter((f) => f.endsWith('.py'));
  const ownership = py.buildModuleOwnership(pyFiles, projects);
  let imports = 0;
  let edges = 0;
  for (const file of pyFiles) {
    const { imports: found } = py.extractImports(readFileSync(join(workspace, file), 'utf8'), file);
    imports += found.length;
    edges += py.resolveFileImports(ownership, file, found).projectEdges.length;
  }
  return { ownership, pyFiles, imports, edges };
}

const c0 = performance.now();
const first = analyzeAll();
const coldMs = performance.now() - c0;
// performance.now() counts from process start: this includes Node start-up and module loading.
const processMs = performance.now();
const w0 = performance.now();
analyzeAll();
const warmMs = performance.now() - w0;

// One-file change: append an import to a module, then bring its graph entry up to date.
const times = [];
for (let i = 0; i < 20; i++) {
  const file = first.pyFiles[(i * 7919) % first.pyFiles.length];
  const full = join(workspace, file);
  const before = readFileSync(full, 'utf8');
  writeFileSync(full, `${before}\nimport acme_pkg_0.sub_0.mod_0  # change ${i}\n`);
  const s = performance.now();
  const { imports } = py.extractImports(readFileSync(full, 'utf8'), file);
  py.resolveFileImports(first.ownership, file, imports);
  times.push(performance.now() - s);
  writeFileSync(full, before);
}
times.sort((a, b) => a - b);
process.stdout.write(
  JSON.stringify({
    files: first.pyFiles.length,
    imports: first.imports,
    edges: first.edges,
    coldMs,
    processMs,
    warmMs,
    oneFileMs: times[10],
    oneFileMaxMs: times[times.length - 1],
  }),
);
