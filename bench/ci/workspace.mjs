// bench/ci: the generated polyglot workspace. About `projects` projects shaped like a real
// monorepo: a few hub libraries most code depends on, a layer of mid-level libraries, many leaves;
// TS libraries and apps (real `tsc` type-checks, real vitest tests, `tsc` builds for the apps),
// Python packages (real pytest suites, a deterministic tar build), and one Dockerfile per app that
// copies the app's build (built by the fake `docker` of fake-docker.mjs). Every test asserts values
// the generator computed with the same formula the code uses, so a wrong dependency fails a test.
//
// Also the two scripted pull requests: `leaf-mid` (a few leaf and mid-level files) and `hub` (one
// hub file). A change adds an exported function, so every existing value (and test) still holds.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { rng } from '../dte/workspace.mjs';

const MOD = 1_000_003;

/** How many of each kind for about `projects` projects (at least one of each). */
export function sizes(projects) {
  const apps = Math.max(1, Math.round(projects * 0.08));
  const python = Math.max(3, Math.round(projects * 0.28));
  const libs = Math.max(4, projects - 2 * apps - python);
  return { libs, apps, python, docker: apps };
}

const pad = (i) => String(i).padStart(2, '0');

/**
 * The DAG of one language: `hubs` hubs (no dependencies), then mid-level nodes (one or two hubs,
 * sometimes an earlier mid), then leaves (one or two mids, sometimes a hub). Returns index lists.
 */
function layeredDag(n, rand) {
  const hubs = Math.max(1, Math.min(3, Math.round(n / 20)));
  const mids = Math.max(1, Math.round((n - hubs) * 0.3));
  const nodes = [];
  const pick = (from, to) => from + Math.floor(rand() * (to - from));
  for (let i = 0; i < n; i++) {
    const deps = new Set();
    let role;
    if (i < hubs) role = 'hub';
    else if (i < hubs + mids) {
      role = 'mid';
      deps.add(pick(0, hubs));
      if (rand() < 0.4) deps.add(pick(0, hubs));
      if (i > hubs && rand() < 0.5) deps.add(pick(hubs, i));
    } else {
      role = 'leaf';
      deps.add(pick(hubs, hubs + mids));
      if (rand() < 0.5) deps.add(pick(hubs, hubs + mids));
      if (rand() < 0.3) deps.add(pick(0, hubs));
    }
    nodes.push({ role, deps: [...deps].sort((a, b) => a - b) });
  }
  return nodes;
}

/** value_i(x) = (x * a_i + b_i + Σ deps value_j(x)) mod MOD: what the code computes and the tests check. */
function evaluate(nodes) {
  const memo = new Map();
  const value = (i, x) => {
    const key = `${i}:${x}`;
    if (!memo.has(key)) {
      const n = nodes[i];
      let v = x * n.a + n.b;
      for (const d of n.deps) v += value(d, x);
      memo.set(key, v % MOD);
    }
    return memo.get(key);
  };
  return value;
}

/**
 * The workspace's shape, without writing anything: every project with its kind, role, root and
 * direct dependencies (project names), and the files each pull request touches.
 */
export function plan({ projects = 100, seed = 23 } = {}) {
  const rand = rng(seed);
  const n = sizes(projects);
  const libs = layeredDag(n.libs, rand).map((x, i) => ({ ...x, a: 3 + i * 7, b: 11 + i, name: `lib-${pad(i)}` }));
  const py = layeredDag(n.python, rand).map((x, i) => ({ ...x, a: 5 + i * 3, b: 17 + i, name: `py-${pad(i)}` }));
  const libLeaves = libs.map((l, i) => i).filter((i) => libs[i].role !== 'hub');
  const apps = Array.from({ length: n.apps }, (_, i) => {
    const deps = new Set();
    const k = 2 + Math.floor(rand() * 3);
    for (let j = 0; j < k; j++) deps.add(libLeaves[Math.floor(rand() * libLeaves.length)]);
    return { name: `app-${pad(i)}`, role: 'app', deps: [...deps].sort((a, b) => a - b), a: 13 + i, b: 29 + i };
  });
  const projectsOut = [];
  for (const l of libs)
    projectsOut.push({
      name: l.name,
      kind: 'ts-lib',
      role: l.role,
      root: `libs/${l.name}`,
      deps: l.deps.map((d) => libs[d].name),
    });
  for (const a of apps)
    projectsOut.push({
      name: a.name,
      kind: 'ts-app',
      role: 'app',
      root: `apps/${a.name}`,
      deps: a.deps.map((d) => libs[d].name),
    });
  for (const p of py)
    projectsOut.push({
      name: p.name,
      kind: 'python',
      role: p.role,
      root: `python/${p.name}`,
      deps: p.deps.map((d) => py[d].name),
    });
  for (const a of apps)
    projectsOut.push({
      name: `${a.name}-image`,
      kind: 'docker',
      role: 'image',
      root: `docker/${a.name}-image`,
      deps: [a.name],
    });
  const byRole = (list, role) => list.filter((x) => x.role === role);
  const lastOf = (list, k) => list.slice(-k);
  const pr = {
    'leaf-mid': [
      ...lastOf(byRole(libs, 'leaf'), 2).map((l) => `libs/${l.name}/src/value.ts`),
      ...byRole(libs, 'mid')
        .slice(-1)
        .map((l) => `libs/${l.name}/src/value.ts`),
      ...lastOf(byRole(py, 'leaf'), 1).map((p) => `python/${p.name}/src/${modName(p.name)}/value.py`),
      ...byRole(py, 'mid')
        .slice(-1)
        .map((p) => `python/${p.name}/src/${modName(p.name)}/value.py`),
    ],
    hub: [`libs/${libs[0].name}/src/value.ts`],
  };
  return { sizes: n, projects: projectsOut, libs, apps, py, pr };
}

const modName = (name) => name.replace(/-/g, '');

/** Writes the workspace into `root` (an empty folder). `python` is the interpreter's absolute path. */
export function generate(root, { projects = 100, seed = 23, python = 'python3' } = {}) {
  const p = plan({ projects, seed });
  const write = (rel, text) => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  const json = (v) => `${JSON.stringify(v, null, 2)}\n`;
  write(
    'package.json',
    json({
      name: 'ci-bench',
      version: '0.0.0',
      private: true,
      type: 'module',
      devDependencies: { nx: '24.0.6', 'nx-fleet': '*', typescript: '~6.0.3', vitest: '~4.1' },
    }),
  );
  const dockerProjects = Object.fromEntries(p.apps.map((a) => [`${a.name}-image`, { context: '.' }]));
  write(
    'nx.json',
    json({
      $schema: './node_modules/nx/schemas/nx-schema.json',
      defaultBase: 'main',
      plugins: [
        {
          plugin: 'nx-fleet',
          options: { python: { interpreter: python }, docker: { exportImage: 'tar', projects: dockerProjects } },
        },
      ],
    }),
  );
  write(
    '.gitignore',
    [
      'node_modules',
      '.nx',
      'dist',
      'coverage',
      '__pycache__',
      '.gitlab-ci-local',
      '.gitlab-ci-local-variables.yml',
      'fleet-run.json',
      'fleet-agent-*.log',
      '',
    ].join('\n'),
  );
  write(
    'tsconfig.base.json',
    json({
      compilerOptions: {
        target: 'ES2022',
        lib: ['ES2023'],
        module: 'esnext',
        moduleResolution: 'bundler',
        strict: true,
        skipLibCheck: true,
        types: [],
        paths: Object.fromEntries(p.libs.map((l) => [`@ci/${l.name}`, [`./libs/${l.name}/src/index.ts`]])),
      },
    }),
  );
  // Vite reads no tsconfig paths: one alias rule, the same in every project's vitest config.
  const vitestConfig = (depth) =>
    [
      "import { fileURLToPath } from 'node:url';",
      "import { defineConfig } from 'vitest/config';",
      '',
      `const libs = fileURLToPath(new URL('${'../'.repeat(depth)}libs/', import.meta.url));`,
      '',
      'export default defineConfig({',
      '  resolve: { alias: [{ find: /^@ci\\/(.*)$/, replacement: `${libs}$1/src/index.ts` }] },',
      "  test: { include: ['src/**/*.spec.ts'], pool: 'threads' },",
      '});',
      '',
    ].join('\n');
  const tsValue = (node, nodes, fn) => {
    const deps = node.deps.map((d) => nodes[d]);
    return [
      ...deps.map((d) => `import { ${fnName(d.name)} } from '@ci/${d.name}';`),
      '',
      `/** ${node.name}: (x * ${node.a} + ${node.b} + its dependencies' values) mod ${MOD}. */`,
      `export function ${fn}(x: number): number {`,
      `  let v = x * ${node.a} + ${node.b};`,
      ...deps.map((d) => `  v += ${fnName(d.name)}(x);`),
      `  return v % ${MOD};`,
      '}',
      '',
    ].join('\n');
  };
  const tsHelpers = (node) =>
    [
      `export interface Item { id: string; weight: number; tags: readonly string[] }`,
      '',
      `/** Items sorted by weight, then id: what ${node.name} reports. */`,
      'export function rank(items: readonly Item[]): Item[] {',
      '  return [...items].sort((a, b) => b.weight - a.weight || a.id.localeCompare(b.id));',
      '}',
      '',
      'export function byTag(items: readonly Item[]): Map<string, Item[]> {',
      '  const m = new Map<string, Item[]>();',
      '  for (const it of items) for (const t of it.tags) m.set(t, [...(m.get(t) ?? []), it]);',
      '  return m;',
      '}',
      '',
      'export function checksum(text: string): number {',
      '  let h = 2166136261;',
      '  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;',
      '  return h;',
      '}',
      '',
    ].join('\n');
  const fnv = (text) => {
    let h = 2166136261;
    for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 16777619) >>> 0;
    return h;
  };
  const tsSpec = (node, fn, value) =>
    [
      "import { describe, expect, it } from 'vitest';",
      `import { ${fn} } from './value';`,
      "import { byTag, checksum, rank } from './helpers';",
      '',
      `describe('${node.name}', () => {`,
      ...[1, 2, 3, 7].map((x) => `  it('value(${x})', () => expect(${fn}(${x})).toBe(${value(x)}));`),
      "  it('ranks by weight, then id', () => {",
      "    const r = rank([{ id: 'b', weight: 1, tags: [] }, { id: 'a', weight: 1, tags: [] }, { id: 'c', weight: 2, tags: [] }]);",
      "    expect(r.map((i) => i.id)).toEqual(['c', 'a', 'b']);",
      '  });',
      "  it('groups by tag', () => {",
      "    const m = byTag([{ id: 'a', weight: 1, tags: ['x', 'y'] }, { id: 'b', weight: 2, tags: ['y'] }]);",
      "    expect(m.get('y')?.map((i) => i.id)).toEqual(['a', 'b']);",
      '  });',
      `  it('checksum', () => expect(checksum('${node.name}')).toBe(${fnv(node.name)}));`,
      '});',
      '',
    ].join('\n');
  const libValue = evaluate(p.libs);
  p.libs.forEach((l, i) => {
    const r = `libs/${l.name}`;
    const fn = fnName(l.name);
    write(
      `${r}/tsconfig.json`,
      json({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true }, include: ['src/**/*.ts'] }),
    );
    write(`${r}/vitest.config.ts`, vitestConfig(2));
    write(`${r}/src/value.ts`, tsValue(l, p.libs, fn));
    write(`${r}/src/helpers.ts`, tsHelpers(l));
    write(`${r}/src/index.ts`, `export { ${fn} } from './value';\nexport * from './helpers';\n`);
    write(
      `${r}/src/value.spec.ts`,
      tsSpec(l, fn, (x) => libValue(i, x)),
    );
  });
  // Apps: their own value over the libraries they use, a tsc build (tsconfig.app.json) and a Dockerfile.
  const appNodes = [...p.libs, ...p.apps.map((a) => ({ ...a }))];
  const appValue = evaluate(appNodes);
  p.apps.forEach((a, k) => {
    const r = `apps/${a.name}`;
    const fn = fnName(a.name);
    write(
      `${r}/tsconfig.json`,
      json({ extends: '../../tsconfig.base.json', compilerOptions: { noEmit: true }, include: ['src/**/*.ts'] }),
    );
    write(
      `${r}/tsconfig.app.json`,
      json({
        extends: '../../tsconfig.base.json',
        compilerOptions: { outDir: 'dist', rootDir: '../..', noEmit: false, declaration: false },
        include: ['src/**/*.ts'],
        exclude: ['src/**/*.spec.ts', 'src/**/*.test.ts'],
      }),
    );
    write(`${r}/vitest.config.ts`, vitestConfig(2));
    write(`${r}/src/value.ts`, tsValue(a, appNodes, fn));
    write(`${r}/src/helpers.ts`, tsHelpers(a));
    write(
      `${r}/src/main.ts`,
      `import { ${fn} } from './value';\n\ndeclare const console: { log(message: string): void };\n\nconsole.log(JSON.stringify({ app: '${a.name}', value: ${fn}(42) }));\n`,
    );
    write(
      `${r}/src/value.spec.ts`,
      tsSpec(a, fn, (x) => appValue(p.libs.length + k, x)),
    );
    const img = `docker/${a.name}-image`;
    write(
      `${img}/Dockerfile`,
      [
        'FROM node:20-alpine',
        'WORKDIR /srv',
        `COPY apps/${a.name}/dist /srv/app`,
        `COPY ${img}/entrypoint.sh /srv/entrypoint.sh`,
        'RUN apk add --no-cache tini && chmod +x /srv/entrypoint.sh',
        'ENTRYPOINT ["/sbin/tini", "--", "/srv/entrypoint.sh"]',
        '',
      ].join('\n'),
    );
    write(`${img}/entrypoint.sh`, `#!/bin/sh\nexec node /srv/app/apps/${a.name}/src/main.js "$@"\n`);
  });
  const pyValue = evaluate(p.py);
  p.py.forEach((node, i) => {
    const r = `python/${node.name}`;
    const mod = modName(node.name);
    const deps = node.deps.map((d) => p.py[d]);
    write(
      `${r}/pyproject.toml`,
      [
        '[project]',
        `name = "ci-${node.name}"`,
        'version = "0.1.0"',
        'requires-python = ">=3.9"',
        `dependencies = [${deps.map((d) => `"ci-${d.name}"`).join(', ')}]`,
        '',
        '[project.optional-dependencies]',
        'test = ["pytest>=7"]',
        '',
        '[tool.pytest.ini_options]',
        'testpaths = ["tests"]',
        '',
      ].join('\n'),
    );
    // A hand-written build (no PyPI here for `python -m build`): a reproducible tar of the sources.
    write(
      `${r}/project.json`,
      json({
        name: node.name,
        targets: {
          build: {
            command: `mkdir -p dist && tar --sort=name --mtime=@0 --owner=0 --group=0 --numeric-owner --exclude=__pycache__ -cf dist/${mod}.tar pyproject.toml src`,
            options: { cwd: '{projectRoot}' },
            cache: true,
            inputs: ['{projectRoot}/pyproject.toml', '{projectRoot}/src/**/*'],
            outputs: ['{projectRoot}/dist'],
          },
        },
      }),
    );
    write(`${r}/src/${mod}/__init__.py`, 'from .value import value\nfrom .stats import mean, median, histogram\n');
    write(
      `${r}/src/${mod}/value.py`,
      [
        ...deps.map((d) => `from ${modName(d.name)} import value as ${modName(d.name)}_value`),
        '',
        '',
        'def value(x: int) -> int:',
        `    """${node.name}: (x * ${node.a} + ${node.b} + its dependencies' values) mod ${MOD}."""`,
        `    v = x * ${node.a} + ${node.b}`,
        ...deps.map((d) => `    v += ${modName(d.name)}_value(x)`),
        `    return v % ${MOD}`,
        '',
      ].join('\n'),
    );
    write(
      `${r}/src/${mod}/stats.py`,
      [
        'from collections import Counter',
        '',
        '',
        'def mean(xs):',
        '    return sum(xs) / len(xs)',
        '',
        '',
        'def median(xs):',
        '    s = sorted(xs)',
        '    n = len(s)',
        '    return s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2',
        '',
        '',
        'def histogram(words):',
        '    return sorted(Counter(words).items(), key=lambda kv: (-kv[1], kv[0]))',
        '',
      ].join('\n'),
    );
    write(
      `${r}/tests/test_${mod}.py`,
      [
        'import pytest',
        '',
        `from ${mod} import histogram, mean, median, value`,
        '',
        '',
        `@pytest.mark.parametrize("x, expected", [${[1, 2, 3, 7].map((x) => `(${x}, ${pyValue(i, x)})`).join(', ')}])`,
        'def test_value(x, expected):',
        '    assert value(x) == expected',
        '',
        '',
        'def test_stats():',
        '    assert mean([1, 2, 3, 6]) == 3',
        '    assert median([5, 1, 3]) == 3',
        '    assert median([4, 1, 3, 2]) == 2.5',
        '',
        '',
        'def test_histogram():',
        '    assert histogram("b a b c a b".split()) == [("b", 3), ("a", 2), ("c", 1)]',
        '',
      ].join('\n'),
    );
  });
  return p;
}

const fnName = (name) => `value_${name.replace(/-/g, '_')}`;

/**
 * Applies a scripted pull request to the checkout at `root`: each listed file gets a new exported
 * function (TS) or def (Python) that uses the existing one, so every value and test still holds
 * while the file's content, and so every hash that reads it, changes.
 */
export function applyPullRequest(root, p, which) {
  const files = p.pr[which];
  if (!files) throw new Error(`unknown pull request ${which} (leaf-mid, hub)`);
  for (const rel of files) {
    const f = path.join(root, rel);
    const text = fs.readFileSync(f, 'utf8');
    const add = rel.endsWith('.py')
      ? `\n\ndef scaled(x: int, k: int = 2) -> int:\n    """Added by the ${which} pull request."""\n    return value(x) * k % ${MOD}\n`
      : `\n/** Added by the ${which} pull request. */\nexport function scaled(x: number, k = 2): number {\n  return (${/export function (\w+)/.exec(text)[1]}(x) * k) % ${MOD};\n}\n`;
    fs.writeFileSync(f, text + add);
  }
  return files;
}
