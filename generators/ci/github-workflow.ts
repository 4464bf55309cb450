import { stringify } from 'yaml';
import { GENERATED_MARKER, SECRET_NAMES as S, type CiOptions } from './ci-options';
import { agentRun, mainRun } from './shell-steps';

/** The actions the workflow uses; test/ci/github-step-runner.ts has a local equivalent for each. */
export const ACTIONS = {
  checkout: 'actions/checkout@v4',
  setupNode: 'actions/setup-node@v4',
  setShas: 'nrwl/nx-set-shas@v4',
  uploadArtifact: 'actions/upload-artifact@v4',
} as const;

/**
 * The `plan` job's step: the run's trust level and whether it distributes. Pushes to the main
 * branch are trusted; pull requests from this repository untrusted; pull requests from forks get
 * no secrets at all (GitHub withholds them), so they run locally. Values come in through `env`,
 * never spliced into the shell.
 */
function planScript(o: CiOptions): string {
  return [
    `if [ "$EVENT" = push ] && [ "$REF" = "refs/heads/${o.mainBranch}" ]; then`,
    '  echo "trust=trusted" >> "$GITHUB_OUTPUT"; echo "environment=fleet-trusted" >> "$GITHUB_OUTPUT"',
    'else',
    '  echo "trust=untrusted" >> "$GITHUB_OUTPUT"; echo "environment=fleet-untrusted" >> "$GITHUB_OUTPUT"',
    'fi',
    'if [ "$EVENT" = pull_request ] && [ "$HEAD_REPO" != "$REPO" ]; then',
    '  echo "distribute=false" >> "$GITHUB_OUTPUT"  # a fork: no secrets, a local run',
    'else',
    '  echo "distribute=true" >> "$GITHUB_OUTPUT"',
    'fi',
  ].join('\n');
}

/**
 * Checkout of the commit itself, never the pull request's merge commit (refs/pull/N/merge is on
 * no branch of origin, so `fleet run` would refuse it with FLEET_COMMIT_NOT_PUSHED, and agents
 * could not fetch it): the pull request's head, or the pushed commit.
 */
const checkout = (depth: number) => ({
  uses: ACTIONS.checkout,
  with: { ref: '${{ github.event.pull_request.head.sha || github.sha }}', 'fetch-depth': depth },
});
const setupNode = { uses: ACTIONS.setupNode, with: { 'node-version': 20 } };

function agentJob(o: CiOptions, kind: 'cpu' | 'gpu', count: number): Record<string, unknown> {
  return {
    needs: 'plan',
    if: "needs.plan.outputs.distribute == 'true'",
    'runs-on': kind === 'gpu' ? o.gpuRunner : 'ubuntu-latest',
    // The environment holds the level's secrets under the same names; fleet-trusted is limited
    // to the main branch in the repository's settings, so no other ref ever reads them.
    environment: '${{ needs.plan.outputs.environment }}',
    strategy: { 'fail-fast': false, matrix: { agent: Array.from({ length: count }, (_, i) => i + 1) } },
    env: {
      FLEET_TRUST: '${{ needs.plan.outputs.trust }}',
      [S.redisUrl]: `\${{ secrets.${S.redisUrl} }}`,
      [S.publicKey]: `\${{ vars.${S.publicKey} }}`,
      // Only the trusted environment has a standing token; untrusted agents mint one per run.
      [S.cacheToken]: `\${{ secrets.${S.cacheToken} }}`,
      FLEET_CACHE_MINT_TOKEN: `\${{ secrets.${S.agentMintToken} }}`,
    },
    steps: [
      checkout(1),
      setupNode,
      { run: o.installCommand },
      { run: agentRun(o, `${kind}-\${{ github.run_id }}-\${{ matrix.agent }}`) },
    ],
  };
}

/** The main job: the coordinator (`fleet run`), or a local nx run for forks and without agents. */
function mainJob(o: CiOptions): Record<string, unknown> {
  const distributed = o.agents + o.gpuAgents > 0;
  const mainEnv: Record<string, string> = {
    FLEET_TRUST: '${{ needs.plan.outputs.trust }}',
    FLEET_DISTRIBUTE: '${{ needs.plan.outputs.distribute }}',
    FLEET_CACHE_READ_TOKEN: '${{ vars.FLEET_CACHE_READ_TOKEN }}',
  };
  if (distributed)
    Object.assign(mainEnv, {
      [S.redisUrl]: o.redis === 'service' ? 'redis://localhost:6379' : `\${{ secrets.${S.redisUrl} }}`,
      [S.signingKey]: `\${{ secrets.${S.signingKey} }}`,
      [S.cacheToken]: `\${{ secrets.${S.cacheToken} }}`,
      FLEET_CACHE_MINT_TOKEN: `\${{ secrets.${S.runMintToken} }}`,
    });
  const mainSteps: Record<string, unknown>[] = [
    checkout(0),
    setupNode,
    {
      name: 'Base and head',
      if: "github.event_name == 'pull_request'",
      env: { BASE: '${{ github.event.pull_request.base.sha }}', HEAD: '${{ github.event.pull_request.head.sha }}' },
      run: 'echo "NX_BASE=$BASE" >> "$GITHUB_ENV"; echo "NX_HEAD=$HEAD" >> "$GITHUB_ENV"',
    },
    {
      name: 'Base and head: the last commit that passed',
      if: "github.event_name == 'push'",
      uses: ACTIONS.setShas,
      with: { 'main-branch-name': o.mainBranch },
    },
    { run: o.installCommand },
  ];
  if (o.redis === 'service' && o.agents > 0) {
    const starts = Array.from({ length: o.agents }, (_, i) =>
      ['(', agentRun(o, `cpu-\${{ github.run_id }}-${i + 1}`), `) > fleet-agent-${i + 1}.log 2>&1 &`].join('\n'),
    );
    mainSteps.push({
      name: 'Agents (in this job: the Redis service is reachable only here)',
      if: "needs.plan.outputs.distribute == 'true'",
      env: {
        FLEET_SIGNING_KEY: '',
        FLEET_CACHE_MINT_TOKEN: `\${{ secrets.${S.agentMintToken} }}`,
        [S.publicKey]: `\${{ vars.${S.publicKey} }}`,
      },
      run: starts.join('\n'),
    });
  }
  mainSteps.push(
    { name: 'nx', run: mainRun(o) },
    {
      name: 'Run summary',
      if: 'always()',
      uses: ACTIONS.uploadArtifact,
      with: {
        name: 'fleet-run',
        path: o.redis === 'service' ? 'fleet-run.json\nfleet-agent-*.log' : 'fleet-run.json',
        'if-no-files-found': 'ignore',
      },
    },
  );
  const main: Record<string, unknown> = {
    needs: 'plan',
    'runs-on': 'ubuntu-latest',
    environment: '${{ needs.plan.outputs.environment }}',
    env: mainEnv,
    steps: mainSteps,
  };
  if (o.redis === 'service' && distributed)
    main.services = { redis: { image: 'redis:7-alpine', ports: ['6379:6379'] } };
  return main;
}

/** The `plan` job: the trust level, its environment and whether to distribute, as outputs. */
const planJob = (o: CiOptions): Record<string, unknown> => ({
  'runs-on': 'ubuntu-latest',
  outputs: {
    trust: '${{ steps.plan.outputs.trust }}',
    environment: '${{ steps.plan.outputs.environment }}',
    distribute: '${{ steps.plan.outputs.distribute }}',
  },
  steps: [
    {
      id: 'plan',
      env: {
        EVENT: '${{ github.event_name }}',
        REF: '${{ github.ref }}',
        HEAD_REPO: '${{ github.event.pull_request.head.repo.full_name }}',
        REPO: '${{ github.repository }}',
      },
      run: planScript(o),
    },
  ],
});

/** `.github/workflows/ci.yml`. */
export function githubWorkflow(o: CiOptions): string {
  const env: Record<string, string> = { NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_DAEMON: 'false' };
  env[S.cacheUrl] = o.cacheUrl ?? `\${{ vars.${S.cacheUrl} }}`;
  const jobs: Record<string, unknown> = { plan: planJob(o) };
  if (o.redis === 'external' && o.agents > 0) jobs.agents = agentJob(o, 'cpu', o.agents);
  if (o.gpuAgents > 0) jobs['gpu-agents'] = agentJob(o, 'gpu', o.gpuAgents);
  jobs.main = mainJob(o);
  const doc = {
    name: 'CI',
    // pull_request, never pull_request_target: a pull request's code runs without this
    // repository's secrets and with a read-only token.
    on: { push: { branches: [o.mainBranch] }, pull_request: {} },
    permissions: { contents: 'read', actions: 'read' },
    env,
    jobs,
  };
  const header = [
    `${GENERATED_MARKER} --provider github. Edit freely; \`nx g nx-fleet:ci --force\` writes it again.`,
    '# Secrets and variables it reads (names only), in two environments with the same names:',
    `#   fleet-trusted (deployment branches: ${o.mainBranch} only): secrets ${S.redisUrl}, ${S.signingKey}, ${S.cacheToken}; variable ${S.publicKey}`,
    `#   fleet-untrusted: secrets ${S.redisUrl}, ${S.signingKey}, ${S.runMintToken}, ${S.agentMintToken}; variable ${S.publicKey}`,
    `#   repository variables: ${o.cacheUrl ? '' : `${S.cacheUrl}, `}FLEET_CACHE_READ_TOKEN (optional, read main, for fork pull requests). See docs/ci.md.`,
  ].join('\n');
  return `${header}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
