import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildOutputs, ciWorld, fullLocalRun, generateCi, storeNamespaces, type CiWorld } from './support/ci-fixture';
import { runWorkflow, type JobResult, type RunResult, type WorkflowRun } from './support/github-step-runner';

/**
 * The generated `.github/workflows/ci.yml`, run by the step runner (test/ci/support/
 * github-step-runner.ts) against a real redis-server per trust level and a real
 * `fleet cache serve --tokens`: a push to main (trusted), a pull request from the repository
 * (untrusted), a pull request from a fork (no secrets: a local run), and a pull request whose
 * workflow was edited to take the trusted environment.
 */
let w: CiWorld;
let mainSha: string;
let featureSha: string;
let mergeSha: string;
const REPO = 'acme/repo';
let runs = 0;

function environments(): WorkflowRun['environments'] {
  return {
    'fleet-trusted': {
      branches: ['refs/heads/main'],
      secrets: {
        FLEET_REDIS_URL: w.redis.trusted.url,
        FLEET_SIGNING_KEY: w.keys.trusted.privatePem,
        FLEET_CACHE_TOKEN: w.tokens.trustedWriter,
      },
      vars: { FLEET_PUBLIC_KEY: w.keys.trusted.publicPem },
    },
    'fleet-untrusted': {
      secrets: {
        FLEET_REDIS_URL: w.redis.untrusted.url,
        FLEET_SIGNING_KEY: w.keys.untrusted.privatePem,
        FLEET_RUN_MINT_TOKEN: w.tokens.coordinatorMint,
        FLEET_AGENT_MINT_TOKEN: w.tokens.agentMint,
      },
      vars: { FLEET_PUBLIC_KEY: w.keys.untrusted.publicPem },
    },
  };
}

async function run(
  event: WorkflowRun['event'],
  github: Pick<WorkflowRun['github'], 'sha' | 'ref'>,
  opts: { workflowText?: string; lastSuccessfulSha?: string } = {},
): Promise<RunResult> {
  const root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-gha-'));
  w.temp.push(root);
  const workflowFile = path.join(root, 'ci.yml');
  fs.writeFileSync(workflowFile, opts.workflowText ?? w.ws.read('.github/workflows/ci.yml'));
  return runWorkflow({
    workflowFile,
    origin: w.bare,
    root,
    event,
    github: { repository: REPO, run_id: String(4000 + ++runs), ...github },
    secrets: {},
    vars: { FLEET_CACHE_READ_TOKEN: w.tokens.reader },
    environments: environments(),
    lastSuccessfulSha: opts.lastSuccessfulSha,
    env: w.ws.env({ NX_CACHE_DIRECTORY: '.nx/cache', FLEET_AGENT_WAIT: '90' }),
  });
}

const job = (r: RunResult, id: string): JobResult => {
  const j = r.jobs.find((x) => x.id === id);
  if (!j) throw new Error(`no job ${id}: ${r.jobs.map((x) => x.id).join(', ')}`);
  return j;
};
const logs = (r: RunResult) =>
  r.jobs
    .map((j) => `==== ${j.id} ${j.status}\n${j.log}`)
    .join('\n')
    .slice(-12000);
const summary = (r: RunResult) =>
  JSON.parse(fs.readFileSync(path.join(r.artifacts, 'fleet-run', 'fleet-run.json'), 'utf8')) as {
    status: string;
    tasks: Array<{ taskId: string; agent: string }>;
  };

function expectAgentsInParallel(r: RunResult): void {
  const main = job(r, 'main');
  for (const id of ['agents-1', 'agents-2']) {
    const a = job(r, id);
    expect(a.status, logs(r)).toBe('success');
    expect(a.startedAt).toBeLessThan(main.endedAt);
    expect(a.endedAt).toBeGreaterThan(main.startedAt);
    expect(a.log).toContain('agent ready');
  }
}

function pullRequest(headRepo: string) {
  return {
    name: 'pull_request' as const,
    payload: {
      number: 1,
      pull_request: {
        base: { sha: mainSha, ref: 'main' },
        head: { sha: featureSha, ref: 'feature', repo: { full_name: headRepo } },
      },
    },
  };
}

beforeAll(async () => {
  w = await ciWorld();
  generateCi(w, 'github');
  // The push under test changes p0, which every other project depends on.
  w.ws.write('libs/p0/src.txt', 'p0, changed on main');
  w.ws.commit('change p0');
  w.ws.git(['push', '-q', 'origin', 'HEAD:main']);
  mainSha = w.ws.git(['rev-parse', 'HEAD']).trim();
  w.ws.git(['checkout', '-q', '-b', 'feature']);
  w.ws.write('libs/p3/src.txt', 'changed in the pull request');
  w.ws.commit('feature: change p3');
  w.ws.git(['push', '-q', 'origin', 'feature']);
  featureSha = w.ws.git(['rev-parse', 'HEAD']).trim();
  // GitHub's merge commit of the pull request: on refs/pull/1/merge, on no branch.
  w.ws.git(['checkout', '-q', '-b', 'merge', 'main']);
  w.ws.git(['merge', '-q', '--no-ff', '-m', 'Merge feature', 'feature']);
  w.ws.git(['push', '-q', 'origin', 'HEAD:refs/pull/1/merge']);
  mergeSha = w.ws.git(['rev-parse', 'HEAD']).trim();
  w.ws.git(['checkout', '-q', 'main']);
}, 120_000);

afterAll(async () => {
  await w?.stop();
});

describe('the generated GitHub workflow, run step by step', () => {
  it('push to main: trusted, two agents in parallel, green, the outputs of a local run, summary uploaded', async () => {
    const r = await run(
      { name: 'push', payload: { before: '', after: mainSha } },
      { sha: mainSha, ref: 'refs/heads/main' },
    );
    expect(r.ok, logs(r)).toBe(true);
    expect(job(r, 'plan').outputs).toEqual({ trust: 'trusted', environment: 'fleet-trusted', distribute: 'true' });
    expectAgentsInParallel(r);
    const s = summary(r);
    expect(s.status).toBe('success');
    expect(s.tasks.map((t) => t.taskId).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4', 'p5'].map((p) => `${p}:build`));
    for (const t of s.tasks) expect(t.agent).toMatch(/^cpu-\d+-[12]$/);
    expect(buildOutputs(job(r, 'main').dir)).toEqual(fullLocalRun(w, mainSha, ['run-many', '-t', 'build']));
    expect(storeNamespaces(w.store)).toEqual({ main: 6 });
  }, 300_000);

  it('pull request from the repository: untrusted, checks out the head (not the merge commit), writes only its run namespace', async () => {
    const before = storeNamespaces(w.store);
    const r = await run(pullRequest(REPO), { sha: mergeSha, ref: 'refs/pull/1/merge' });
    expect(r.ok, logs(r)).toBe(true);
    expect(job(r, 'plan').outputs).toEqual({ trust: 'untrusted', environment: 'fleet-untrusted', distribute: 'true' });
    expectAgentsInParallel(r);
    const s = summary(r);
    expect(s.status).toBe('success');
    expect(s.tasks.map((t) => t.taskId).sort()).toEqual(['p0', 'p1', 'p2', 'p3', 'p4'].map((p) => `${p}:build`));
    expect(buildOutputs(job(r, 'main').dir)).toEqual(
      fullLocalRun(w, featureSha, ['affected', '-t', 'build', `--base=${mainSha}`, `--head=${featureSha}`]),
    );
    const after = storeNamespaces(w.store);
    expect(after.main).toBe(before.main);
    const added = Object.keys(after).filter((n) => !(n in before));
    expect(added).toHaveLength(1);
    expect(added[0]).toMatch(/^run-[0-9a-f]{32}$/);
    expect(after[added[0]]).toBe(2);
  }, 300_000);

  it('pull request from a fork: no secrets, no agents, a local run reading the cache; writes nothing', async () => {
    const before = storeNamespaces(w.store);
    const r = await run(pullRequest('someone/fork'), { sha: mergeSha, ref: 'refs/pull/1/merge' });
    expect(r.ok, logs(r)).toBe(true);
    expect(job(r, 'plan').outputs.distribute).toBe('false');
    expect(job(r, 'agents-1').status).toBe('skipped');
    const main = job(r, 'main');
    expect(main.log).not.toContain('fleet run');
    // p0-p2 were built on main: read from the remote cache with the read-only token.
    for (const p of ['p0', 'p1', 'p2']) expect(main.log).toMatch(new RegExp(`nx run ${p}:build\\s+\\[remote cache\\]`));
    expect(buildOutputs(main.dir)).toEqual(
      fullLocalRun(w, featureSha, ['affected', '-t', 'build', `--base=${mainSha}`, `--head=${featureSha}`]),
    );
    expect(storeNamespaces(w.store)).toEqual(before);
  }, 300_000);

  it('a pull request whose workflow takes the trusted environment gets nothing: the environment allows main only', async () => {
    const edited = w.ws
      .read('.github/workflows/ci.yml')
      .replaceAll('${{ needs.plan.outputs.environment }}', 'fleet-trusted');
    const before = storeNamespaces(w.store);
    const r = await run(pullRequest(REPO), { sha: mergeSha, ref: 'refs/pull/1/merge' }, { workflowText: edited });
    expect(r.ok).toBe(false);
    expect(job(r, 'main').log).toContain('environment fleet-trusted does not allow refs/pull/1/merge');
    expect(storeNamespaces(w.store)).toEqual(before);
  }, 120_000);

  it("without the head checkout (GitHub's default: the merge commit) fleet run refuses: FLEET_COMMIT_NOT_PUSHED", async () => {
    const edited = w.ws
      .read('.github/workflows/ci.yml')
      .replaceAll('${{ github.event.pull_request.head.sha || github.sha }}', '${{ github.sha }}');
    const r = await run(pullRequest(REPO), { sha: mergeSha, ref: 'refs/pull/1/merge' }, { workflowText: edited });
    expect(r.ok).toBe(false);
    expect(job(r, 'main').log).toContain('FLEET_COMMIT_NOT_PUSHED');
  }, 300_000);

  it('the step runner fails on what it cannot run', async () => {
    const text = w.ws.read('.github/workflows/ci.yml');
    const cases = [
      text.replace('actions/upload-artifact@v4', 'actions/cache@v4'),
      text.replace('runs-on: ubuntu-latest', 'runs-on: ubuntu-latest\n    container: node:20'),
      text.replace("if: github.event_name == 'push'", "if: contains(github.ref, 'main')"),
    ];
    for (const t of cases)
      await expect(
        run({ name: 'push', payload: {} }, { sha: mainSha, ref: 'refs/heads/main' }, { workflowText: t }),
      ).rejects.toThrow(/no local equivalent|not supported|unsupported/);
  }, 120_000);
});
