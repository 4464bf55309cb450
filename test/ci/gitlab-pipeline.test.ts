import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOutputs, ciWorld, fullLocalRun, generateCi, storeNamespaces, type CiWorld } from './support/ci-fixture';
import { runGitlabPipeline, type PipelineResult } from './support/gitlab-ci-local';

/**
 * The generated `.gitlab-ci.yml` (--redis external), run by gitlab-ci-local on the shell executor
 * against a real redis-server per trust level and a real `fleet cache serve --tokens`: a pipeline
 * of the protected main branch (trusted) and a merge-request pipeline (untrusted).
 */
let w: CiWorld;
let mainSha: string;

const ZERO = '0'.repeat(40);

/** The job environment: the test's, without its nx cache folder (each job has its own checkout). */
function jobEnv(): NodeJS.ProcessEnv {
  // A relative cache folder: each job's own checkout (Nx 24 would share one per user otherwise).
  return w.ws.env({ NX_CACHE_DIRECTORY: '.nx/cache', FLEET_AGENT_WAIT: '90' });
}

/** CI/CD variables as GitLab would hold them: protected ones only for protected refs. */
function variables(protectedRef: boolean): Record<string, string> {
  const v: Record<string, string> = {
    CI_PROJECT_ID: '7',
    FLEET_UNTRUSTED_REDIS_URL: w.redis.untrusted.url,
    FLEET_UNTRUSTED_SIGNING_KEY: w.keys.untrusted.privatePem,
    FLEET_UNTRUSTED_PUBLIC_KEY: w.keys.untrusted.publicPem,
    FLEET_RUN_MINT_TOKEN: w.tokens.coordinatorMint,
    FLEET_AGENT_MINT_TOKEN: w.tokens.agentMint,
  };
  if (protectedRef)
    Object.assign(v, {
      FLEET_REDIS_URL: w.redis.trusted.url,
      FLEET_SIGNING_KEY: w.keys.trusted.privatePem,
      FLEET_PUBLIC_KEY: w.keys.trusted.publicPem,
      FLEET_CACHE_TOKEN: w.tokens.trustedWriter,
    });
  return v;
}

function mainBuild(r: PipelineResult): {
  dir: string;
  summary: { status: string; tasks: Array<Record<string, unknown>> };
} {
  const dir = r.builds.find((b) => fs.existsSync(path.join(b, 'fleet-run.json')));
  if (!dir) throw new Error(`no job wrote fleet-run.json:\n${r.output.slice(-6000)}`);
  return { dir, summary: JSON.parse(fs.readFileSync(path.join(dir, 'fleet-run.json'), 'utf8')) };
}

function expectParallel(r: PipelineResult): void {
  const main = r.spans['fleet-main'];
  const agents = Object.entries(r.spans).filter(([j]) => j.startsWith('fleet-agent'));
  expect(agents.map(([j]) => j).sort(), r.output.slice(-4000)).toEqual(['fleet-agent: [1/2]', 'fleet-agent: [2/2]']);
  // Every agent job was printing while the main job was: they ran at the same time.
  for (const [, [start, end]] of agents) {
    expect(start).toBeLessThan(main[1]);
    expect(end).toBeGreaterThan(main[0]);
  }
}

beforeAll(async () => {
  w = await ciWorld();
  generateCi(w, 'gitlab', ['--redis', 'external']);
  w.ws.git(['push', '-q', 'origin', 'HEAD:main']);
  mainSha = w.ws.git(['rev-parse', 'HEAD']).trim();
}, 120_000);

afterAll(async () => {
  await w?.stop();
});

describe('the generated .gitlab-ci.yml, run by gitlab-ci-local', () => {
  it('main pipeline: trusted, main job and two agent jobs in parallel, green, with the outputs of a local run', async () => {
    const r = await runGitlabPipeline(
      w.ws.root,
      {
        ...variables(true),
        CI_PIPELINE_SOURCE: 'push',
        CI_COMMIT_BRANCH: 'main',
        CI_COMMIT_REF_PROTECTED: 'true',
        CI_COMMIT_BEFORE_SHA: ZERO,
      },
      jobEnv(),
    );
    expect(r.code, r.output.slice(-8000)).toBe(0);
    expect(r.output).toMatch(/PASS\s+fleet-main/);
    expect(r.output).toContain('nx-fleet: trust trusted, distributed true');
    expect(r.output).toContain('no usable base commit');
    expectParallel(r);
    const { dir, summary } = mainBuild(r);
    expect(summary.status).toBe('success');
    expect(summary.tasks.map((t) => t.taskId).sort()).toEqual(
      ['p0', 'p1', 'p2', 'p3', 'p4', 'p5'].map((p) => `${p}:build`),
    );
    for (const t of summary.tasks) expect(String(t.agent)).toMatch(/^cpu-\d+-[12]$/);
    expect(buildOutputs(dir)).toEqual(fullLocalRun(w, mainSha, ['run-many', '-t', 'build']));
    expect(storeNamespaces(w.store)).toEqual({ main: 6 });
    console.log(
      `[gitlab] main pipeline: ${summary.tasks.length} tasks on agents ${[...new Set(summary.tasks.map((t) => t.agent))].join(', ')}`,
    );
  }, 300_000);

  it('merge-request pipeline: untrusted, green, writes only its run namespace, never main', async () => {
    const before = storeNamespaces(w.store);
    w.ws.git(['checkout', '-q', '-b', 'feature']);
    w.ws.write('libs/p3/src.txt', 'changed in the merge request');
    w.ws.commit('feature: change p3');
    w.ws.git(['push', '-q', 'origin', 'feature']);
    const featureSha = w.ws.git(['rev-parse', 'HEAD']).trim();
    const r = await runGitlabPipeline(
      w.ws.root,
      {
        ...variables(false),
        CI_PIPELINE_SOURCE: 'merge_request_event',
        CI_COMMIT_REF_PROTECTED: 'false',
        CI_MERGE_REQUEST_DIFF_BASE_SHA: mainSha,
        CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '7',
        CI_MERGE_REQUEST_SOURCE_BRANCH_NAME: 'feature',
      },
      jobEnv(),
    );
    w.ws.git(['checkout', '-q', 'main']);
    expect(r.code, r.output.slice(-8000)).toBe(0);
    expect(r.output).toContain('nx-fleet: trust untrusted, distributed true');
    expectParallel(r);
    const { dir, summary } = mainBuild(r);
    expect(summary.status).toBe('success');
    // p3 changed: p3 and p4 (which depends on it) are affected; p0-p2 come along as their
    // dependencies (hits in main), p5 is not in the run.
    expect(summary.tasks.map((t) => t.taskId).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4'].map((p) => `${p}:build`));
    expect(buildOutputs(dir)).toEqual(
      fullLocalRun(w, featureSha, ['affected', '-t', 'build', `--base=${mainSha}`, `--head=${featureSha}`]),
    );
    // The untrusted run wrote its own namespace only; main is exactly as the trusted run left it.
    const after = storeNamespaces(w.store);
    expect(after.main).toBe(before.main);
    const added = Object.keys(after).filter((n) => !(n in before));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^run-[0-9a-f]{32}$/);
    // p3 and p4, built from the merge request's code.
    expect(after[added[0]]).toBe(2);
  }, 300_000);

  it("merge request from a fork: the fork's project has none of these variables: no agents, a local run reading the cache, nothing written", async () => {
    const before = storeNamespaces(w.store);
    w.ws.git(['checkout', '-q', 'feature']);
    const featureSha = w.ws.git(['rev-parse', 'HEAD']).trim();
    const r = await runGitlabPipeline(
      w.ws.root,
      {
        CI_PROJECT_ID: '7',
        CI_PIPELINE_SOURCE: 'merge_request_event',
        CI_COMMIT_REF_PROTECTED: 'false',
        CI_MERGE_REQUEST_DIFF_BASE_SHA: mainSha,
        CI_MERGE_REQUEST_SOURCE_PROJECT_ID: '99',
        FLEET_CACHE_READ_TOKEN: w.tokens.reader,
      },
      jobEnv(),
    );
    w.ws.git(['checkout', '-q', 'main']);
    expect(r.code, r.output.slice(-8000)).toBe(0);
    expect(r.output).toContain('nx-fleet: trust untrusted, distributed false');
    expect(r.output).toMatch(/fleet-agent: \[1\/2\] > nx-fleet: no agents for this pipeline/);
    expect(r.output).not.toContain('fleet run --summary-json');
    for (const p of ['p0', 'p1', 'p2']) expect(r.output).toMatch(new RegExp(`nx run ${p}:build\\s+\\[remote cache\\]`));
    const dir = r.builds.find((b) => fs.existsSync(path.join(b, 'libs', 'p4', 'out', 'result.json')));
    expect(dir, r.output.slice(-4000)).toBeDefined();
    expect(buildOutputs(dir!)).toEqual(
      fullLocalRun(w, featureSha, ['affected', '-t', 'build', `--base=${mainSha}`, `--head=${featureSha}`]),
    );
    expect(storeNamespaces(w.store)).toEqual(before);
  }, 300_000);
});
