// nx g nx-fleet:init, unit level: detection of peer plugins, languages, Python tools, Docker
// contexts and .gitignore coverage on devkit's in-memory tree. The end-to-end run on a real
// workspace with nx-fleet installed from its tarball is test/generators/init.test.ts.
import type { Tree } from '@nx/devkit';
import { readNxJson, updateNxJson } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from 'nx/src/generators/testing-utils/create-tree-with-empty-workspace';
import { describe, expect, it } from 'vitest';
import { validateOptions, type FleetPluginOptions } from '../../config';
import { applyInit, describeInit } from '../../generators/init/init';
import { FLEET_TARGETS, PEER_PLUGINS, type PluginEntry } from '../../generators/init/peer-plugins';

function treeWith(plugins: PluginEntry[], files: Record<string, string> = {}): Tree {
  const tree = createTreeWithEmptyWorkspace({ formatter: 'none' });
  updateNxJson(tree, { ...readNxJson(tree), plugins: plugins as never });
  for (const [f, c] of Object.entries(files)) tree.write(f, c);
  return tree;
}

const fleetOptions = (tree: Tree) =>
  (
    (readNxJson(tree)?.plugins ?? []).find((p) => typeof p === 'object' && p.plugin === 'nx-fleet') as
      { options: FleetPluginOptions } | undefined
  )?.options;

interface PeerCase {
  name: string;
  plugins: PluginEntry[];
  code: string;
  renamed?: Record<string, string>;
}
const fleet = (options: FleetPluginOptions): PluginEntry => ({ plugin: 'nx-fleet', options });

const PEER_CASES: PeerCase[] = [
  {
    name: '@nx/js/typescript defaults',
    plugins: ['@nx/js/typescript'],
    code: 'FLEET_INIT_TARGETS_RENAMED',
    renamed: { typecheckTargetName: 'fleet-typecheck', buildTargetName: 'fleet-build' },
  },
  {
    name: '@nx/js/typescript typecheck off, build renamed',
    plugins: [{ plugin: '@nx/js/typescript', options: { typecheck: false, build: { targetName: 'compile' } } }],
    code: 'FLEET_INIT_SAME_FILES',
  },
  {
    name: '@nx/vite/plugin defaults',
    plugins: [{ plugin: '@nx/vite/plugin', options: {} }],
    code: 'FLEET_INIT_TARGETS_RENAMED',
    renamed: { typecheckTargetName: 'fleet-typecheck', testTargetName: 'fleet-test', buildTargetName: 'fleet-build' },
  },
  {
    name: '@nx/vite/plugin with vite- names',
    plugins: [
      {
        plugin: '@nx/vite/plugin',
        options: { buildTargetName: 'vite-build', testTargetName: 'vite-test', typecheckTargetName: 'vite-tc' },
      },
    ],
    code: 'FLEET_INIT_SAME_FILES',
  },
  {
    name: '@nx/vitest',
    plugins: ['@nx/vitest'],
    code: 'FLEET_INIT_TARGETS_RENAMED',
    renamed: { testTargetName: 'fleet-test' },
  },
  {
    name: '@nx/jest/plugin targetName test',
    plugins: [{ plugin: '@nx/jest/plugin', options: { targetName: 'test' } }],
    code: 'FLEET_INIT_TARGETS_RENAMED',
    renamed: { testTargetName: 'fleet-test' },
  },
  {
    name: '@nx/jest/plugin targetName jest',
    plugins: [{ plugin: '@nx/jest/plugin', options: { targetName: 'jest' } }],
    code: 'FLEET_INIT_SAME_FILES',
  },
  {
    name: '@nx/eslint/plugin',
    plugins: ['@nx/eslint/plugin'],
    code: 'FLEET_INIT_TARGETS_RENAMED',
    renamed: { lintTargetName: 'fleet-lint' },
  },
  {
    name: '@nx/webpack/plugin',
    plugins: ['@nx/webpack/plugin'],
    code: 'FLEET_INIT_TARGETS_RENAMED',
    renamed: { buildTargetName: 'fleet-build' },
  },
  {
    name: '@nx/rollup/plugin',
    plugins: ['@nx/rollup/plugin'],
    code: 'FLEET_INIT_TARGETS_RENAMED',
    renamed: { buildTargetName: 'fleet-build' },
  },
  { name: '@nx/docker defaults', plugins: ['@nx/docker'], code: 'FLEET_INIT_SAME_FILES' },
  {
    name: '@nx/docker named docker-build',
    plugins: [{ plugin: '@nx/docker', options: { buildTarget: { name: 'docker-build' } } }],
    code: 'FLEET_INIT_TARGETS_RENAMED',
    renamed: { 'docker.buildTargetName': 'fleet-docker-build' },
  },
  { name: '@nxlv/python', plugins: ['@nxlv/python'], code: 'FLEET_INIT_SAME_FILES' },
  {
    name: 'your own colliding name is kept',
    plugins: ['@nx/jest/plugin', fleet({ testTargetName: 'test' })],
    code: 'FLEET_INIT_TARGET_COLLISION',
  },
  {
    name: 'a disabled kind does not collide',
    plugins: ['@nx/eslint/plugin', fleet({ disabledTargets: ['lint'] })],
    code: 'FLEET_INIT_SAME_FILES',
  },
  {
    name: 'docker.enabled false does not collide',
    plugins: [
      { plugin: '@nx/docker', options: { buildTarget: 'docker-build' } },
      fleet({ docker: { enabled: false } }),
    ],
    code: 'FLEET_INIT_SAME_FILES',
  },
];

describe('peer plugins in nx.json', () => {
  it.each(PEER_CASES)('$name', (c) => {
    const tree = treeWith(c.plugins);
    const r = applyInit(tree);
    expect(r.peers.map((p) => p.code)).toEqual([c.code]);
    expect(r.peers[0].renamed).toEqual(c.renamed ?? {});
    expect(describeInit(r).join('\n')).toContain(r.peers[0].message);
  });

  it('holds the invariants over every case and every pair of peers', () => {
    const pairs = PEER_PLUGINS.flatMap((a) => PEER_PLUGINS.map((b) => [a.plugin, b.plugin] as PluginEntry[]));
    const cases = [...PEER_CASES.map((c) => c.plugins), ...pairs];
    for (const plugins of cases) {
      const tree = treeWith(plugins);
      const r = applyInit(tree);
      const options = fleetOptions(tree)!;
      // only options that exist, valid
      expect(validateOptions(options), JSON.stringify(plugins)).toEqual([]);
      // no nx-fleet target shares a name with a peer's, unless the user chose that name
      const peerNames = new Set(
        plugins.flatMap((e) => {
          const peer = PEER_PLUGINS.find((p) => p.plugin === (typeof e === 'string' ? e : e.plugin));
          return peer ? peer.targets(typeof e === 'string' ? {} : ((e.options ?? {}) as Record<string, unknown>)) : [];
        }),
      );
      const ours = FLEET_TARGETS.filter((t) => t.enabled(options)).map((t) => t.get(options) ?? t.fallback);
      if (!r.peers.some((p) => p.code === 'FLEET_INIT_TARGET_COLLISION'))
        expect(
          ours.filter((n) => peerNames.has(n)),
          JSON.stringify(plugins),
        ).toEqual([]);
      // idempotent: a second run on the result changes nothing
      const before = tree.read('nx.json', 'utf-8');
      const again = applyInit(tree);
      expect(again.registration, JSON.stringify(plugins)).toBe('unchanged');
      expect(again.gitignoreAdded).toEqual([]);
      expect(tree.read('nx.json', 'utf-8')).toBe(before);
    }
    console.log(`init peer invariants: ${cases.length} nx.json plugin lists checked`);
  });
});

describe('workspace detection', () => {
  it('finds the languages, the Python tool of each project and the root virtualenv', () => {
    const tree = treeWith([], {
      'libs/a/src/index.ts': 'export {};\n',
      'libs/a/tsconfig.json': '{}',
      'py/uvp/pyproject.toml': '[project]\nname = "uvp"\n',
      'py/uvp/uv.lock': '',
      'py/poe/pyproject.toml': '[tool.poetry]\nname = "poe"\n',
      'py/pdmp/pyproject.toml': '[project]\nname = "pdmp"\n[tool.pdm.build]\n',
      'py/plain/setup.py': 'from setuptools import setup\nsetup(name="plain")\n',
      '.venv/bin/python': '',
      '.venv/lib/python3.12/site-packages/dep/setup.py': '',
      'node_modules/x/index.js': '',
      'dist/out.js': '',
    });
    const r = applyInit(tree);
    expect(r.facts.tsJsFiles).toBe(3); // libs/a's two files and the empty workspace's tsconfig.base.json
    expect(r.facts.pythonProjects).toEqual([
      { root: 'py/pdmp', tool: 'pdm' },
      { root: 'py/plain', tool: 'pip' },
      { root: 'py/poe', tool: 'poetry' },
      { root: 'py/uvp', tool: 'uv' },
    ]);
    expect(fleetOptions(tree)?.python).toEqual({ interpreter: '{workspaceRoot}/.venv/bin/python' });
    expect(r.setOptions).toContain('python.interpreter');
  });

  it('a uv workspace root is not a project, and its lockfile gives its members the uv tool', () => {
    const tree = treeWith([], {
      'pyproject.toml': '[tool.uv.workspace]\nmembers = ["packages/*"]\n',
      'uv.lock': '',
      'packages/m/pyproject.toml': '[project]\nname = "m"\n',
      '.venv/bin/python': '',
    });
    const r = applyInit(tree);
    expect(r.facts.pythonProjects).toEqual([{ root: 'packages/m', tool: 'uv' }]);
    expect(fleetOptions(tree)?.python).toBeUndefined(); // no pip project: the interpreter is not used
  });

  it('takes Docker build contexts from compose files, and reports a bad compose file by name', () => {
    const tree = treeWith([], {
      'svc/api/Dockerfile': 'FROM node:20\nCOPY api/ .\n',
      'svc/web/web.Dockerfile': 'FROM nginx\n',
      'svc/worker/Dockerfile': 'FROM node:20\n',
      'compose.yaml':
        'services:\n  api:\n    build:\n      context: svc\n      dockerfile: api/Dockerfile\n  worker:\n    build: svc/worker\n  out:\n    build: ../elsewhere\n',
      'deploy/docker-compose.yml': 'services: [unclosed\n',
    });
    const r = applyInit(tree);
    expect(r.facts.dockerfiles).toEqual([
      { file: 'svc/api/Dockerfile', context: 'svc', contextFrom: 'compose.yaml' },
      { file: 'svc/web/web.Dockerfile' },
      { file: 'svc/worker/Dockerfile', context: 'svc/worker', contextFrom: 'compose.yaml' },
    ]);
    expect(fleetOptions(tree)?.docker?.projects).toEqual({
      'svc/api/Dockerfile': { context: 'svc' },
      'svc/worker/Dockerfile': { context: 'svc/worker' },
    });
    expect(r.diagnostics).toEqual([
      expect.objectContaining({ code: 'FLEET_INIT_BAD_COMPOSE_FILE', file: 'deploy/docker-compose.yml' }),
    ]);
  });

  it('never overrides an option you set, and leaves invalid options alone with a diagnostic', () => {
    const tree = treeWith([fleet({ python: { interpreter: 'python3.12' }, testTargetName: 'unit' })], {
      'py/plain/setup.py': '',
      '.venv/bin/python': '',
    });
    expect(applyInit(tree).registration).toBe('unchanged');
    expect(fleetOptions(tree)).toEqual({ python: { interpreter: 'python3.12' }, testTargetName: 'unit' });

    const bad = treeWith([fleet({ disabledTargets: ['deploy' as never] })]);
    const before = bad.read('nx.json', 'utf-8');
    const r = applyInit(bad);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['FLEET_INIT_INVALID_OPTIONS']);
    expect(r.diagnostics[0].file).toContain('disabledTargets');
    expect(bad.read('nx.json', 'utf-8')).toBe(before);
    expect(r.gitignoreAdded.length).toBeGreaterThan(0); // the rest still works
  });

  it('keeps the form and the other fields of an existing entry, and its place in plugins', () => {
    const tree = treeWith(['nx-fleet', '@nx/jest/plugin']);
    const r = applyInit(tree);
    expect(r.registration).toBe('updated');
    expect(readNxJson(tree)?.plugins).toEqual([
      { plugin: 'nx-fleet', options: { testTargetName: 'fleet-test' } },
      '@nx/jest/plugin',
    ]);
    const scoped = treeWith([{ plugin: 'nx-fleet', include: ['libs/**'] }]);
    expect(applyInit(scoped).registration).toBe('unchanged');
    expect(readNxJson(scoped)?.plugins).toEqual([{ plugin: 'nx-fleet', include: ['libs/**'] }]);
    expect(describeInit(applyInit(scoped))).toContain('  nx.json: nx-fleet already registered; nothing to change.');
  });

  it.each([
    { gitignore: undefined, added: ['.nx/workspace-data/', '.nx/fleet/', '.nx/fleet-install-stamp', '.fleet/'] },
    { gitignore: 'node_modules\n/.nx\n', added: ['.fleet/'] },
    { gitignore: '.nx/cache\n.nx/workspace-data', added: ['.nx/fleet/', '.nx/fleet-install-stamp', '.fleet/'] },
    { gitignore: '# .nx\n!.fleet/\n.nx/**\n.fleet\n', added: [] },
  ])('.gitignore $gitignore', ({ gitignore, added }) => {
    const tree = treeWith([]);
    if (gitignore === undefined) tree.delete('.gitignore');
    else tree.write('.gitignore', gitignore);
    expect(applyInit(tree).gitignoreAdded).toEqual(added);
    const text = tree.read('.gitignore', 'utf-8') ?? '';
    expect(text.startsWith(gitignore ?? '')).toBe(true);
    for (const e of added) expect(text.split('\n')).toContain(e);
    expect(applyInit(tree).gitignoreAdded).toEqual([]);
  });
});
