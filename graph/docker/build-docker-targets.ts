/**
 * The docker-build and docker-push targets of one Dockerfile, in Nx's TargetConfiguration
 * shape (graph/ does not import Nx). What goes into the hash, and why, is documented in
 * docs/dockerfiles.md ("Inputs").
 */
import { DEPENDENCY_PRODUCTION_FILES, PRODUCTION_FILES } from '../projects/inputs';
import type { TargetInput } from '../projects/types';
import type { ContextInputGlobs } from './context-inputs';
import type { DockerDependency, DockerfileReads } from './docker-dependencies';
import type { DockerTargetNames, ResolvedDockerSettings } from './docker-settings';
import type { ChosenContext, ContextRule } from './infer-context';
import { shellQuote } from './shell-quote';

/** An inferred Docker target (structurally Nx's TargetConfiguration). */
export interface DockerTarget {
  executor: 'nx:run-commands';
  options: { command: string };
  cache: boolean;
  inputs?: Array<TargetInput | { dependentTasksOutputFiles: string; transitive: boolean }>;
  outputs?: string[];
  dependsOn?: Array<string | { projects: string[]; target: string }>;
  metadata: {
    technologies: string[];
    description: string;
    help: { command: string; example: Record<string, unknown> };
    fleet?: DockerTargetFacts;
  };
}

/** `metadata.fleet` of docker-build: what createDependencies and tools read back. */
export interface DockerTargetFacts {
  dockerfile: string;
  context: string;
  /** Repository name the tags use (with registry), e.g. `ghcr.io/acme/api-image`. */
  image: string;
  tags: string[];
  baseImages: string[];
  /** Base images with a tag but no digest, not built in this workspace: the hash cannot see them move. */
  mutableBaseImages: string[];
  cacheable: boolean;
  reads: DockerfileReads;
  /** Which rule chose `context`: `option`, `build-command` (see `contextOrigin`), `copy-sources` or `dockerfile-folder`. */
  contextRule: ContextRule;
  /** Where the build command that gave the context was found, for `build-command`. */
  contextOrigin?: string;
  /** Context sources that match nothing in the context (each also a DOCKER_COPY_SOURCE_MISSING). */
  missingSources: string[];
}

/** Everything needed to write the targets of one Dockerfile. */
export interface DockerTargetPlan {
  contextChoice: ChosenContext;
  missingSources: string[];
  project: string;
  root: string;
  variant: string;
  names: DockerTargetNames;
  settings: ResolvedDockerSettings;
  /** Workspace-relative ignore files Docker would look at, most specific first. */
  ignoreFiles: string[];
  context: ContextInputGlobs;
  reads: DockerfileReads;
  dependencies: DockerDependency[];
  baseImages: string[];
  mutableBaseImages: string[];
}

export const targetName = (base: string, variant: string) => (variant ? `${base}-${variant}` : base);

/** The targets, keyed by name: docker-build always, docker-push unless the build itself pushes. */
export function buildDockerTargets(plan: DockerTargetPlan): Record<string, DockerTarget> {
  const build = targetName(plan.names.build, plan.variant);
  const push = targetName(plan.names.push, plan.variant);
  const out = outputDir(plan.project, build);
  const targets: Record<string, DockerTarget> = { [build]: buildTarget(plan, out) };
  if (plan.settings.exportImage !== 'registry') targets[push] = pushTarget(plan, build, out);
  return targets;
}

/**
 * Where --iidfile (and the exported tar) go: `dist/docker/<project>/<target>`, one folder per
 * target and never inside a build's `dist/<root>` output (restoring that would clobber it).
 */
function outputDir(project: string, target: string): string {
  return `dist/docker/${project.replace(/^@/, '')}/${target}`;
}

function imageTags(s: ResolvedDockerSettings): string[] {
  const repo = s.registry ? `${s.registry}/${s.image}` : s.image;
  return s.tags.map((t) => `${repo}:${t}`);
}

function buildCommand(plan: DockerTargetPlan, out: string): string {
  const s = plan.settings;
  const args = [s.buildx ? 'docker buildx build' : 'docker build', '-f', shellQuote(plan.reads.dockerfile)];
  for (const tag of imageTags(s)) args.push('-t', shellQuote(tag));
  for (const [k, v] of Object.entries(s.buildArgs).sort(([a], [b]) => a.localeCompare(b)))
    args.push('--build-arg', shellQuote(`${k}=${v}`));
  for (const name of s.envBuildArgs) args.push('--build-arg', name);
  args.push('--iidfile', shellQuote(`${out}/image.iid`));
  if (s.exportImage === 'tar') args.push('--output', shellQuote(`type=docker,dest=${out}/image.tar`));
  else if (s.exportImage === 'registry') args.push('--push');
  else if (s.buildx) args.push('--load');
  args.push(shellQuote(s.context));
  // docker writes --iidfile without creating its folder; node is there wherever nx is.
  return `node -e "require('fs').mkdirSync(process.argv[1],{recursive:true})" ${shellQuote(out)} && ${args.join(' ')}`;
}

function buildTarget(plan: DockerTargetPlan, out: string): DockerTarget {
  const s = plan.settings;
  const cacheable = s.exportImage !== false;
  const tags = imageTags(s);
  const why = cacheable
    ? `Cached: the image is exported (${s.exportImage === 'tar' ? `${out}/image.tar` : `pushed to ${s.registry ?? 'its registry'}`}).`
    : 'Not cached: an image in the local engine is not a file Nx can restore; set docker.exportImage to "tar" or "registry" to cache it.';
  const mutable = plan.mutableBaseImages.length
    ? ` Mutable base tags (the hash does not see them move${s.resolveBaseDigests ? '; their digests are runtime inputs' : '; see docker.resolveBaseDigests'}): ${plan.mutableBaseImages.join(', ')}.`
    : '';
  return {
    executor: 'nx:run-commands',
    options: { command: buildCommand(plan, out) },
    cache: cacheable,
    inputs: buildInputs(plan),
    outputs: [`{workspaceRoot}/${out}`],
    ...(dependsOn(plan).length ? { dependsOn: dependsOn(plan) } : {}),
    metadata: {
      technologies: ['docker'],
      description: `Build ${tags.join(', ')} from ${plan.reads.dockerfile} (context ${s.context}, ${contextWhy(plan.contextChoice)}). ${why}${mutable}`,
      help: {
        command: `docker ${s.buildx ? 'buildx ' : ''}build --help`,
        example: { options: { args: ['--no-cache'] } },
      },
      fleet: {
        dockerfile: plan.reads.dockerfile,
        context: s.context,
        image: s.registry ? `${s.registry}/${s.image}` : s.image,
        tags,
        baseImages: plan.baseImages,
        mutableBaseImages: plan.mutableBaseImages,
        cacheable,
        reads: plan.reads,
        contextRule: plan.contextChoice.rule,
        ...(plan.contextChoice.origin ? { contextOrigin: plan.contextChoice.origin } : {}),
        missingSources: plan.missingSources,
      },
    },
  };
}

function contextWhy(c: ChosenContext): string {
  if (c.rule === 'option') return 'from the context option';
  if (c.rule === 'build-command') return `from the docker build in ${c.origin ?? 'the repository'}`;
  if (c.rule === 'copy-sources') return 'the nearest folder in which the COPY sources exist';
  return "the Dockerfile's folder";
}

function buildInputs(plan: DockerTargetPlan): NonNullable<DockerTarget['inputs']> {
  const ws = (p: string) => `{workspaceRoot}/${p}`;
  const inputs: NonNullable<DockerTarget['inputs']> = [ws(plan.reads.dockerfile), ...plan.ignoreFiles.map(ws)];
  inputs.push(...plan.context.globs.map(ws), ...plan.context.negations.map((n) => `!${ws(n)}`));
  for (const name of plan.settings.envBuildArgs) inputs.push({ env: name });
  // No npm package is read by docker; without this Nx would hash every external dependency.
  inputs.push({ externalDependencies: [] });
  const copiesOwnBuild = plan.dependencies.some((d) => d.project === plan.project && d.kind === 'build');
  if (copiesOwnBuild) inputs.push(PRODUCTION_FILES);
  if (plan.dependencies.some((d) => d.project !== plan.project)) inputs.push(DEPENDENCY_PRODUCTION_FILES);
  if (plan.dependencies.some((d) => d.target)) inputs.push({ dependentTasksOutputFiles: '**/*', transitive: false });
  if (plan.settings.resolveBaseDigests)
    for (const ref of plan.mutableBaseImages) inputs.push({ runtime: digestCommand(ref) });
  return inputs;
}

/** Prints the digest a tag points to now: the registry's answer, else the local engine's, else a marker. */
function digestCommand(ref: string): string {
  const r = shellQuote(ref);
  return `docker buildx imagetools inspect ${r} --format '{{json .Manifest.Digest}}' 2>/dev/null || docker image inspect ${r} --format '{{json .RepoDigests}}' 2>/dev/null || echo unresolved`;
}

function dependsOn(plan: DockerTargetPlan): NonNullable<DockerTarget['dependsOn']> {
  const out: NonNullable<DockerTarget['dependsOn']> = [];
  for (const d of plan.dependencies) {
    if (!d.target) continue;
    out.push(d.project === plan.project ? d.target : { projects: [d.project], target: d.target });
  }
  return out;
}

function pushTarget(plan: DockerTargetPlan, build: string, out: string): DockerTarget {
  const tags = imageTags(plan.settings);
  const load = plan.settings.exportImage === 'tar' ? [`docker load -i ${shellQuote(`${out}/image.tar`)}`] : [];
  return {
    executor: 'nx:run-commands',
    options: { command: [...load, ...tags.map((t) => `docker push ${shellQuote(t)}`)].join(' && ') },
    cache: false,
    dependsOn: [build],
    metadata: {
      technologies: ['docker'],
      description: `Push ${tags.join(', ')} (built by ${build}). Never cached: it changes a registry, not files.`,
      help: { command: 'docker push --help', example: { options: { args: ['--quiet'] } } },
    },
  };
}
