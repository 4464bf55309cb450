import type { Random } from './random';

/**
 * A random polyglot workspace for the independent-records invariant (issue #12 §4): TS
 * packages (some nested inside others, some with a hand-written project.json), Python
 * distributions (nested ones, a hand-written project.json deeper inside a distribution, test
 * helpers inside a package's `tests/` folder imported by another project's tests, a folder
 * owned by no project put on sys.path by pytest's `pythonpath`), and Dockerfiles built from
 * the root (by a project.json command or found through the COPY sources) or from their own
 * folder, copying from nested projects through a `.dockerignore` with exceptions.
 * Every generated test passes and every tsconfig type-checks: the tools really read it all.
 */
export interface GeneratedLayout {
  seed: number;
  files: Record<string, string>;
}

const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

interface TsPackage {
  name: string;
  dir: string;
  deps: TsPackage[];
  modules: number;
  fixture: boolean;
}

interface PyDist {
  name: string;
  dir: string;
  pkg: string;
  src: boolean;
  deps: PyDist[];
  modules: number;
  helper: boolean;
}

export function generateLayout(r: Random): GeneratedLayout {
  const files: Record<string, string> = {};
  const ts = tsPackages(r, files);
  const py = pyDists(r, files);
  dockerfiles(r, files, ts, py);
  files['package.json'] = json({ name: `layout-${r.seed}`, private: true, workspaces: ts.map((p) => p.dir) });
  files['nx.json'] = json({
    plugins: [{ plugin: 'nx-fleet', options: { python: { interpreter: 'python3' } } }],
  });
  files['tsconfig.base.json'] = json({
    compilerOptions: {
      target: 'ES2022',
      lib: ['ES2022'],
      module: 'ESNext',
      moduleResolution: 'bundler',
      strict: true,
      skipLibCheck: true,
      types: [],
      noEmit: true,
    },
  });
  return { seed: r.seed, files };
}

function tsPackages(r: Random, files: Record<string, string>): TsPackage[] {
  const out: TsPackage[] = [];
  const count = 3 + r.int(4);
  for (let i = 0; i < count; i++) {
    // a package inside an earlier package's folder, beside its src/
    const parent = out.length > 0 && r.chance(0.35) ? r.pick(out) : undefined;
    const dir = parent ? `${parent.dir}/plugins/p${i}` : `packages/p${i}`;
    const deps = out.filter(() => r.chance(0.4));
    const pkg: TsPackage = { name: `@g/p${i}`, dir, deps, modules: 1 + r.int(3), fixture: r.chance(0.6) };
    out.push(pkg);
    const depth = dir.split('/').length;
    const up = '../'.repeat(depth);
    files[`${dir}/package.json`] = json({
      name: pkg.name,
      version: '0.0.0',
      main: './src/index.ts',
      dependencies: Object.fromEntries(deps.map((d) => [d.name, '*'])),
      ...(r.chance(0.5) ? { devDependencies: { vitest: '*' } } : {}),
    });
    if (!files[`${dir}/package.json`].includes('vitest')) files[`${dir}/vitest.config.ts`] = 'export default {};\n';
    if (r.chance(0.3)) files[`${dir}/project.json`] = json({ name: `hand-p${i}`, tags: ['hand'] });
    files[`${dir}/tsconfig.json`] = json({ extends: `${up}tsconfig.base.json`, include: ['src'] });
    const mods: string[] = [];
    for (let m = 0; m < pkg.modules; m++) {
      const lines = [`export const v${m} = ${m};`];
      if (m > 0) lines.unshift(`import { v${m - 1} } from './m${m - 1}';`);
      files[`${dir}/src/m${m}.ts`] = `${lines.join('\n')}\n`;
      mods.push(`m${m}`);
    }
    const depLines = deps.map((d, k) => `import { value as d${k} } from '${d.name}';`);
    files[`${dir}/src/index.ts`] = [
      ...mods.map((m) => `export * from './${m}';`),
      ...depLines,
      `export const value: number = ${deps.map((_, k) => `d${k} + `).join('')}${i};`,
      '',
    ].join('\n');
    if (pkg.fixture) files[`${dir}/src/testing/sample.test.fixtures.ts`] = `export const sample = 'p${i}';\n`;
    // a test that loads a dependency's test-only fixture (issue #12 §4: a dependency's test helper)
    const withFixture = deps.find((d) => d.fixture);
    files[`${dir}/src/index.spec.ts`] = [
      `import { expect, it } from 'vitest';`,
      `import { value } from './index';`,
      ...(withFixture ? [`import { sample } from '${withFixture.name}/src/testing/sample.test.fixtures';`] : []),
      `it('works', () => {`,
      `  expect(typeof value).toBe('number');`,
      ...(withFixture ? [`  expect(sample).toBe('${withFixture.name.slice(3)}');`] : []),
      `});`,
      '',
    ].join('\n');
  }
  return out;
}

function pyDists(r: Random, files: Record<string, string>): PyDist[] {
  const out: PyDist[] = [];
  const count = 2 + r.int(3);
  const sharedTools = r.chance(0.5);
  if (sharedTools) files['tools/pyshared/helpers_shared.py'] = 'def shared_helper():\n    return 42\n';
  for (let i = 0; i < count; i++) {
    const parent = out.length > 0 && r.chance(0.3) ? r.pick(out) : undefined;
    const dir = parent ? `${parent.dir}/sub${i}` : `py/d${i}`;
    const deps = out.filter((d) => d !== parent && r.chance(0.5));
    const dist: PyDist = {
      name: `dist${i}`,
      dir,
      pkg: `pk${i}`,
      src: r.chance(0.5),
      deps,
      modules: 1 + r.int(3),
      helper: r.chance(0.6),
    };
    out.push(dist);
    const base = dist.src ? `${dir}/src/${dist.pkg}` : `${dir}/${dist.pkg}`;
    const depth = dir.split('/').length;
    // without a pytest config of its own pytest searches the folders above for one (rootdir), and
    // only the PYTHONPATH the plugin gives a direct interpreter finds the dependencies
    const configured = r.chance(0.7);
    const usesShared = configured && sharedTools && r.chance(0.6);
    const pythonpath = [
      ...(dist.src ? ['src'] : ['.']),
      // a dependency's source root here, or only in the PYTHONPATH the plugin gives a direct interpreter
      ...deps.filter(() => r.chance(0.5)).map((d) => `${'../'.repeat(depth)}${d.dir}${d.src ? '/src' : ''}`),
      ...(usesShared ? [`${'../'.repeat(depth)}tools/pyshared`] : []),
    ];
    const toml = [
      '[project]',
      `name = "${dist.name}"`,
      'version = "0.1.0"',
      `dependencies = [${deps.map((d) => `"${d.name}"`).join(', ')}]`,
      '',
      ...(configured
        ? ['[tool.pytest.ini_options]', `pythonpath = [${pythonpath.map((p) => `"${p}"`).join(', ')}]`]
        : ['[project.optional-dependencies]', 'test = ["pytest"]']),
      '',
    ];
    if (configured && deps.length > 0) {
      toml.push('[tool.uv.sources]');
      for (const d of deps) toml.push(`${d.name} = { path = "${'../'.repeat(depth)}${d.dir}" }`);
      toml.push('');
    }
    files[`${dir}/pyproject.toml`] = toml.join('\n');
    files[`${base}/__init__.py`] = '';
    for (let m = 0; m < dist.modules; m++) {
      const imports = m > 0 ? `from ${dist.pkg}.mod${m - 1} import f${m - 1}\n\n` : '';
      const body = m > 0 ? `f${m - 1}() + 1` : '1';
      files[`${base}/mod${m}.py`] = `${imports}def f${m}():\n    return ${body}\n`;
    }
    if (dist.helper) {
      // test helpers inside the package's own tests/ folder, importable by other projects' tests
      files[`${base}/tests/__init__.py`] = '';
      files[`${base}/tests/factories.py`] = `def make_${i}():\n    return ${i}\n`;
    }
    if (r.chance(0.3)) {
      // a hand-written project deeper inside the distribution owns this sub-package
      files[`${base}/inner/project.json`] = json({ name: `inner-${i}`, targets: { noop: { command: 'echo ok' } } });
      files[`${base}/inner/__init__.py`] = '';
      files[`${base}/inner/events.py`] = `from ${dist.pkg}.mod0 import f0\n\ndef event():\n    return f0()\n`;
    }
    const testLines = [`from ${dist.pkg}.mod${dist.modules - 1} import f${dist.modules - 1}`];
    for (const d of deps) {
      testLines.push(`from ${d.pkg}.mod0 import f0 as dep_${d.pkg}`);
      if (d.helper) testLines.push(`from ${d.pkg}.tests.factories import make_${d.name.slice(4)}`);
      if (files[`${d.src ? `${d.dir}/src` : d.dir}/${d.pkg}/inner/events.py`])
        testLines.push(`from ${d.pkg}.inner.events import event as ev_${d.pkg}`);
    }
    if (usesShared) testLines.push('from helpers_shared import shared_helper');
    testLines.push('', '', 'def test_it():', `    assert f${dist.modules - 1}() == ${dist.modules}`);
    if (usesShared) testLines.push('    assert shared_helper() == 42');
    files[`${dir}/tests/test_${dist.pkg}.py`] = `${testLines.join('\n')}\n`;
    if (r.chance(0.5))
      files[`${dir}/tests/conftest.py`] = 'import pytest\n\n\n@pytest.fixture\ndef answer():\n    return 42\n';
  }
  return out;
}

function dockerfiles(r: Random, files: Record<string, string>, ts: TsPackage[], py: PyDist[]): void {
  const count = 1 + r.int(3);
  let ignore = false;
  for (let i = 0; i < count; i++) {
    const dir = `apps/img${i}`;
    const fromRoot = r.chance(0.75);
    const lines = ['FROM python:3.12-slim', 'WORKDIR /app'];
    if (fromRoot) {
      const d = r.pick(py);
      lines.push(`COPY ${d.dir} ./lib`);
      const t = r.pick(ts);
      lines.push(`COPY ${t.dir}/src/*.ts ./ts/`);
      if (r.chance(0.5)) lines.push(`COPY ${t.dir}/package.json ./ts/package.json`);
      lines.push(`COPY ${dir}/app ./app`);
      if (r.chance(0.5)) {
        // built from the root by the repository's own command
        files[`${dir}/project.json`] = json({
          name: `img${i}`,
          targets: { image: { command: `docker build -f ${dir}/Dockerfile -t img${i} .` } },
        });
      }
      ignore = true;
    } else {
      lines.push('COPY app ./app', 'COPY requirements.txt ./');
      files[`${dir}/requirements.txt`] = 'requests\n';
      files[`${dir}/.dockerignore`] = 'app/*.md\n!app/KEEP.md\n';
      files[`${dir}/app/KEEP.md`] = 'kept\n';
      files[`${dir}/app/DROP.md`] = 'dropped\n';
    }
    lines.push('CMD ["python", "app/main.py"]');
    files[`${dir}/Dockerfile`] = `${lines.join('\n')}\n`;
    files[`${dir}/app/main.py`] = `print("img${i}")\n`;
  }
  if (ignore) files['.dockerignore'] = '**/tests\n**/*.md\n!**/README.md\n**/__pycache__\n';
  if (ignore && r.chance(0.7)) files[`${py[0].dir}/README.md`] = 'readme\n';
}
