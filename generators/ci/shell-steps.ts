import { SECRET_NAMES as S, type CiOptions } from './ci-options';

/**
 * The shell the generated jobs run, shared by both providers: POSIX sh, one string per step.
 * Values come only from the CI's variables; no secret value is ever written into the file.
 */

/** The nx targets as one `-t` argument. */
export const targetArgs = (o: CiOptions): string => `-t ${o.targets.join(',')}`;

/**
 * Chooses the nx command from `NX_BASE` and `NX_HEAD`: `affected --base=$NX_BASE --head=$NX_HEAD`
 * when the base is a commit of this checkout, else `run-many` (a first push, whose before-SHA is
 * all zeros, or a base outside the fetched history). The head is passed so that the change is
 * exactly base..head: without it Nx diffs the working tree and counts untracked files too (what an
 * install or an earlier step left behind), which would make projects affected for nothing.
 */
export const chooseCommand = [
  'if [ -n "$NX_BASE" ] && git cat-file -e "$NX_BASE^{commit}" 2>/dev/null; then',
  '  NX_COMMAND="affected --base=$NX_BASE --head=${NX_HEAD:-HEAD}"',
  'else',
  '  echo "nx-fleet: no usable base commit ($NX_BASE): running every project";',
  '  NX_COMMAND="run-many"',
  'fi',
].join('\n');

/**
 * Makes every remote branch a remote-tracking branch here: `fleet run` requires HEAD to be on a
 * branch of origin (agents fetch it from there), and CI checkouts fetch only the pipeline's ref.
 */
export const fetchBranches = 'git fetch --quiet origin "+refs/heads/*:refs/remotes/origin/*"';

/** The main job's run: `fleet run` with agents, plain nx without (or when FLEET_DISTRIBUTE is not true). */
export function mainRun(o: CiOptions): string {
  const nxArgs = `$NX_COMMAND ${targetArgs(o)}`;
  const local = [
    '  # No agents for this pipeline (a fork, or no Redis configured): a local run;',
    `  # with ${S.cacheUrl} and FLEET_CACHE_READ_TOKEN set, the remote cache is read, never written.`,
    '  if [ -n "$FLEET_CACHE_URL" ] && [ -n "$FLEET_CACHE_READ_TOKEN" ]; then',
    '    export NX_SELF_HOSTED_REMOTE_CACHE_SERVER="$FLEET_CACHE_URL" NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN="$FLEET_CACHE_READ_TOKEN"',
    '  fi',
    `  npx nx ${nxArgs}`,
  ];
  if (o.agents + o.gpuAgents === 0) return [chooseCommand, ...local.map((l) => l.slice(2))].join('\n');
  return [
    chooseCommand,
    'if [ "$FLEET_DISTRIBUTE" = true ]; then',
    `  ${fetchBranches}`,
    `  npx fleet run --summary-json fleet-run.json ${nxArgs}`,
    'else',
    ...local,
    'fi',
  ].join('\n');
}

/**
 * Starts one agent. An isolating (untrusted) agent removes and re-clones its workdir for every
 * run, so it gets a folder of its own with only `origin` set; a trusted agent works in the job's
 * checkout, whose dependencies are installed already.
 */
export function agentRun(o: CiOptions, id: string, extra = ''): string {
  return [
    'if [ "$FLEET_TRUST" = trusted ]; then FLEET_WORKDIR="$PWD"; else',
    `  FLEET_WORKDIR="\${TMPDIR:-/tmp}/fleet-agent-${id}"; rm -rf "$FLEET_WORKDIR"`,
    '  git init --quiet "$FLEET_WORKDIR" && git -C "$FLEET_WORKDIR" remote add origin "$(git remote get-url origin)"',
    'fi',
    `npx fleet agent --workdir "$FLEET_WORKDIR" --id "${id}" --slots ${o.slots} --idle-exit ${o.idleExit}${
      !o.installCommandGiven ? '' : ` --install-command '${o.installCommand.replace(/'/g, `'\\''`)}'`
    }${extra}`,
  ].join('\n');
}
