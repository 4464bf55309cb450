import { stringify } from 'yaml';
import { GENERATED_MARKER, SECRET_NAMES as S, type CiOptions } from './ci-options';
import { agentRun, mainRun } from './shell-steps';

/**
 * GitLab's trust: protected variables reach only pipelines of protected branches, so the trusted
 * level's credentials are protected variables under the plain names, and a merge-request pipeline
 * gets the untrusted level's, kept under `FLEET_UNTRUSTED_*` names (unprotected). A merge request
 * from a fork runs in the fork's project without either: it runs locally.
 */
function trustScript(role: 'coordinator' | 'agent', o: CiOptions): string {
  const untrustedMint = role === 'coordinator' ? S.runMintToken : S.agentMintToken;
  return [
    'if [ "$CI_PIPELINE_SOURCE" != merge_request_event ] && [ "$CI_COMMIT_REF_PROTECTED" = true ]; then',
    '  export FLEET_TRUST=trusted',
    '  unset FLEET_CACHE_MINT_TOKEN',
    'else',
    '  export FLEET_TRUST=untrusted',
    `  export FLEET_REDIS_URL="$FLEET_UNTRUSTED_REDIS_URL" FLEET_PUBLIC_KEY="$FLEET_UNTRUSTED_PUBLIC_KEY" FLEET_CACHE_MINT_TOKEN="$${untrustedMint}"`,
    role === 'coordinator' ? '  export FLEET_SIGNING_KEY="$FLEET_UNTRUSTED_SIGNING_KEY"' : '',
    '  unset FLEET_CACHE_TOKEN',
    'fi',
    ...(role === 'agent' ? ['unset FLEET_SIGNING_KEY'] : []),
    `unset FLEET_UNTRUSTED_REDIS_URL FLEET_UNTRUSTED_PUBLIC_KEY FLEET_UNTRUSTED_SIGNING_KEY ${S.runMintToken} ${S.agentMintToken}`,
    ...(o.redis === 'service' ? ["export FLEET_REDIS_URL=redis://redis:6379  # the job's own Redis service"] : []),
    'if [ -n "$CI_MERGE_REQUEST_SOURCE_PROJECT_ID" ] && [ "$CI_MERGE_REQUEST_SOURCE_PROJECT_ID" != "$CI_PROJECT_ID" ]; then',
    '  FLEET_DISTRIBUTE=false  # a fork: no credentials of this project',
    'elif [ -n "$FLEET_REDIS_URL" ]; then FLEET_DISTRIBUTE=true; else FLEET_DISTRIBUTE=false; fi',
    `echo "nx-fleet: trust $FLEET_TRUST, distributed $FLEET_DISTRIBUTE"`,
  ]
    .filter(Boolean)
    .join('\n');
}

/** Base and head GitLab's way: the merge request's diff base, or the push's before-SHA. */
const BASE_SCRIPT = [
  'if [ "$CI_PIPELINE_SOURCE" = merge_request_event ]; then NX_BASE="$CI_MERGE_REQUEST_DIFF_BASE_SHA"; else NX_BASE="$CI_COMMIT_BEFORE_SHA"; fi',
  'NX_HEAD="$CI_COMMIT_SHA"; echo "nx-fleet: base $NX_BASE head $NX_HEAD"',
].join('\n');

const SKIP_UNLESS_DISTRIBUTED =
  'if [ "$FLEET_DISTRIBUTE" != true ]; then echo "nx-fleet: no agents for this pipeline (fork or no Redis)"; exit 0; fi';

/** `.gitlab-ci.yml`: one stage; the main job and the agent jobs start together. */
export function gitlabPipeline(o: CiOptions): string {
  const variables: Record<string, string> = { NX_NO_CLOUD: 'true', NX_TUI: 'false', NX_DAEMON: 'false' };
  if (o.cacheUrl) variables[S.cacheUrl] = o.cacheUrl;
  const artifacts = { when: 'always', name: 'fleet-run', paths: ['fleet-run.json'], expire_in: '30 days' };
  const main: Record<string, unknown> = {
    stage: 'test',
    // The whole history: the base commit must be in it.
    variables: { GIT_DEPTH: '0' },
    script: [trustScript('coordinator', o), BASE_SCRIPT, o.installCommand],
    artifacts,
  };
  if (o.redis === 'service') {
    main.services = [{ name: 'redis:7-alpine', alias: 'redis' }];
    // A service container is reachable only from its own job: the agents run inside this job.
    const starts = Array.from({ length: o.agents }, (_, i) =>
      [`(`, agentRun(o, `cpu-$CI_PIPELINE_ID-${i + 1}`), `) > fleet-agent-${i + 1}.log 2>&1 &`].join('\n'),
    );
    (main.script as string[]).push(['if [ "$FLEET_DISTRIBUTE" = true ]; then', ...starts, 'fi'].join('\n'));
    artifacts.paths = ['fleet-run.json', 'fleet-agent-*.log'];
  }
  (main.script as string[]).push(mainRun(o));
  const jobs: Record<string, unknown> = { 'fleet-main': main };
  const agentJob = (id: string, count: number, extra: Record<string, unknown>) => ({
    stage: 'test',
    ...(count > 1 ? { parallel: count } : {}),
    variables: { GIT_DEPTH: '1' },
    ...extra,
    script: [trustScript('agent', o), SKIP_UNLESS_DISTRIBUTED, o.installCommand, agentRun(o, id)],
  });
  if (o.redis === 'external' && o.agents > 0)
    jobs['fleet-agent'] = agentJob('cpu-$CI_PIPELINE_ID-${CI_NODE_INDEX:-1}', o.agents, {});
  if (o.gpuAgents > 0)
    jobs['fleet-gpu-agent'] = agentJob('gpu-$CI_PIPELINE_ID-${CI_NODE_INDEX:-1}', o.gpuAgents, { tags: o.gpuRunner });
  const doc = {
    workflow: {
      rules: [
        { if: '$CI_PIPELINE_SOURCE == "merge_request_event"' },
        { if: `$CI_COMMIT_BRANCH == "${o.mainBranch}" && $CI_PIPELINE_SOURCE == "push"` },
      ],
    },
    stages: ['test'],
    variables,
    ...jobs,
  };
  const header = [
    `${GENERATED_MARKER} --provider gitlab. Edit freely; \`nx g nx-fleet:ci --force\` writes it again.`,
    '# CI/CD variables it reads (names only; set the values in Settings > CI/CD > Variables, masked):',
    `#   protected (trusted, ${o.mainBranch} only): ${S.redisUrl}, ${S.signingKey}, ${S.cacheToken}; ${S.publicKey} (not secret)`,
    `#   unprotected (merge requests, untrusted): FLEET_UNTRUSTED_REDIS_URL, FLEET_UNTRUSTED_SIGNING_KEY, ${S.runMintToken}, ${S.agentMintToken}; FLEET_UNTRUSTED_PUBLIC_KEY`,
    `#   ${o.cacheUrl ? `${S.cacheUrl} is set below` : `${S.cacheUrl} (not secret)`}; optional FLEET_CACHE_READ_TOKEN (read main) for local runs. See docs/ci.md.`,
  ].join('\n');
  return `${header}\n${stringify(doc, { lineWidth: 0, aliasDuplicateObjects: false })}`;
}
