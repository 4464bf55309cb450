import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conftestChain } from '../../graph/python';
import { analyzeWorkspace } from './analyze-fixture';

const workspace = join(__dirname, 'fixtures', 'monorepo');

describe('ownership on the fixture monorepo', () => {
  const result = analyzeWorkspace(workspace);

  it('names every project, including a distribution named differently from its package', () => {
    const summary = result.projects
      .map((p) => ({
        root: p.root,
        name: p.name,
        tool: p.tool,
        packages: p.importPackages,
        sourceRoots: p.sourceRoots,
      }))
      .sort((a, b) => a.root.localeCompare(b.root));
    expect(summary).toEqual([
      {
        root: 'libs/core',
        name: 'acme-core',
        tool: 'uv',
        packages: ['acme_core'],
        sourceRoots: ['libs/core/src', 'libs/core'],
      },
      {
        root: 'libs/legacy-a',
        name: 'legacy-a',
        tool: 'pip',
        packages: ['shared_utils'],
        sourceRoots: ['libs/legacy-a'],
      },
      {
        root: 'libs/legacy-b',
        name: 'legacy-b',
        tool: 'pip',
        packages: ['shared_utils'],
        sourceRoots: ['libs/legacy-b'],
      },
      {
        root: 'libs/ns-alpha',
        name: 'acme-plugins-alpha',
        tool: 'setuptools',
        packages: ['acme.plugins.alpha'],
        sourceRoots: ['libs/ns-alpha/src', 'libs/ns-alpha'],
      },
      {
        root: 'libs/ns-beta',
        name: 'acme-plugins-beta',
        tool: 'setuptools',
        packages: ['acme.plugins.beta'],
        sourceRoots: ['libs/ns-beta/src', 'libs/ns-beta'],
      },
      {
        root: 'libs/trainer',
        name: 'acme-ml-trainer',
        tool: 'setuptools',
        packages: ['acme_trainer'],
        sourceRoots: ['libs/trainer/src', 'libs/trainer'],
      },
      { root: 'services/api', name: 'acme-api', tool: 'poetry', packages: ['api'], sourceRoots: ['services/api'] },
    ]);
  });

  it('gives exactly the expected project edges', () => {
    const edges = result.edges
      .map((e) => `${e.source} -> ${e.target} [${e.reason}${e.typeChecking ? ', type-checking' : ''}] ${e.sourceFile}`)
      .sort();
    expect(edges).toEqual([
      'services/api -> libs/core [declared] services/api/pyproject.toml',
      'services/api -> libs/core [import] services/api/api/app.py',
      // importlib.import_module("acme.plugins.alpha"): a string import into one half of a namespace package
      'services/api -> libs/ns-alpha [import] services/api/api/app.py',
      // from acme.plugins import beta: the other half, resolved to its closest owner
      'services/api -> libs/ns-beta [import] services/api/api/app.py',
      'services/api -> libs/trainer [declared] services/api/pyproject.toml',
      'services/api -> libs/trainer [import, type-checking] services/api/api/app.py',
    ]);
  });

  it('gives exactly the expected diagnostics', () => {
    const diagnostics = result.diagnostics.map((d) => `${d.file}:${d.line} ${d.code} ${d.message}`).sort();
    expect(diagnostics).toEqual([
      'services/api/api/app.py:10 PY_AMBIGUOUS_MODULE module shared_utils is owned by several projects (libs/legacy-a, libs/legacy-b); no dependency inferred',
      // acme-core, a first-party requirement, declares PyYAML: it comes with it.
      'services/api/api/app.py:6 PY_TRANSITIVE_DEPENDENCY imports yaml, which comes only through another dependency (distribution pyyaml); declare it to depend on it directly',
    ]);
  });

  it('resolves relative imports three and four levels up, and stub plus implementation', () => {
    expect(result.fileDeps.get('libs/core/src/acme_core/util/deep/inner/leaf.py')).toEqual([
      'libs/core/src/acme_core/models.py',
      'libs/core/src/acme_core/models.pyi',
      'libs/core/src/acme_core/util/text.py',
    ]);
  });

  it('adds the conftest chain of a test file up to its project root', () => {
    expect(conftestChain(result.ownership, 'libs/core/tests/unit/test_models.py')).toEqual([
      'libs/core/tests/unit/conftest.py',
      'libs/core/tests/conftest.py',
    ]);
    expect(conftestChain(result.ownership, 'libs/core/src/acme_core/models.py')).toEqual([]);
    expect(result.fileDeps.get('libs/core/tests/unit/test_models.py')).toEqual([
      'libs/core/src/acme_core/models.py',
      'libs/core/src/acme_core/models.pyi',
      'libs/core/tests/conftest.py',
      'libs/core/tests/unit/conftest.py',
    ]);
  });

  it('reads locked versions and path dependencies', () => {
    const api = result.projects.find((p) => p.root === 'services/api');
    expect(api?.lockfile).toBe('services/api/poetry.lock');
    expect(api?.lockedVersions).toEqual({ fastapi: '0.110.3', pytest: '8.2.0' });
    expect(api?.dependencies.find((d) => d.normalized === 'acme-core')).toMatchObject({
      path: 'libs/core',
      specifier: '',
    });
    const legacy = result.projects.find((p) => p.root === 'libs/legacy-a');
    expect(legacy?.lockedVersions).toEqual({ six: '1.16.0' });
  });
});
