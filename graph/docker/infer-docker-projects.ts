/**
 * Dockerfile inference: which project each Dockerfile belongs to and its docker-build /
 * docker-push targets with exact inputs and dependsOn. Pure apart from reading files (through
 * the given functions); never throws for a bad Dockerfile: its problems are diagnostics and
 * it still gets targets, so the rest of the graph builds.
 */
import * as nodePath from 'node:path';
import * as posix from 'node:path/posix';
import type { DockerPluginOptions } from '../../config/options';
import { buildDockerTargets, targetName, type DockerTarget } from './build-docker-targets';
import { contextInputGlobs } from './context-inputs';
import { dockerfileDependencies, type DependencyCandidate, type DockerfileReads } from './docker-dependencies';
import {
  dockerTargetNames,
  imageNameFor,
  resolveDockerSettings,
  type DockerTargetNames,
  type ResolvedDockerSettings,
} from './docker-settings';
import { dockerignoreCandidates, loadDockerignoreSync } from './dockerignore';
import { imageRepository } from './image-repository';
import type { FoundBuildCommand } from './build-commands';
import { chooseContext, sourceExists, type ChosenContext } from './infer-context';
import { listContextFiles } from './list-context-files';
import { analyzeDockerfile } from './model';
import { placeDockerfiles, type DockerfilePlacement, type KnownProject } from './place-dockerfiles';
import type { DockerfileDiagnostic, DockerfileModel } from './types';

/** A project known before Dockerfiles are looked at, with what dependency resolution needs. */
export interface KnownDockerCandidate extends KnownProject {
  buildTarget?: string;
  /** Workspace-relative build output paths. */
  buildOutputs: string[];
}

export interface InferDockerProjectsInput {
  workspaceRoot: string;
  /** Workspace-relative Dockerfile paths (as Nx's glob matched them). */
  dockerfiles: readonly string[];
  known: readonly KnownDockerCandidate[];
  /** Name of a project Nx-fleet creates at the workspace root. */
  workspaceName: string;
  options: DockerPluginOptions | undefined;
  /** Reads a workspace-relative file; undefined when missing. */
  readFile(path: string): string | undefined;
  /** Files of Nx's file set in a folder, folder-relative (default: git ls-files). */
  listFiles?(folder: string): string[];
  /** `docker build` commands of the repository's project.json files and package.json scripts. */
  buildCommands?: readonly FoundBuildCommand[];
}

export interface InferredDockerProject {
  name: string;
  root: string;
  /** True when nx-fleet creates this project (no other project contains the Dockerfile). */
  createsProject: boolean;
  dockerfiles: string[];
  targets: Record<string, DockerTarget>;
}

export interface DockerInferenceResult {
  projects: InferredDockerProject[];
  diagnostics: DockerfileDiagnostic[];
}

interface Analyzed {
  placement: DockerfilePlacement;
  settings: ResolvedDockerSettings;
  model: DockerfileModel;
  reads: DockerfileReads;
  context: ChosenContext;
  /** Context sources that match nothing in the chosen context (DOCKER_COPY_SOURCE_MISSING). */
  missing: Array<{ path: string; line: number }>;
}

export function inferDockerProjects(input: InferDockerProjectsInput): DockerInferenceResult {
  const names = dockerTargetNames(input.options);
  if (!names.enabled || input.dockerfiles.length === 0) return { projects: [], diagnostics: [] };
  const placements = placeDockerfiles(input.dockerfiles, input.known, input.workspaceName);
  const analyzed: Analyzed[] = [];
  const diagnostics: DockerfileDiagnostic[] = [];
  for (const placement of placements) {
    const text = input.readFile(placement.dockerfile);
    if (text === undefined) continue; // deleted since Nx listed it
    const settings = resolveDockerSettings(input.options, {
      project: placement.project,
      dockerfile: placement.dockerfile,
      defaultImage: imageNameFor(placement.project, placement.variant),
    });
    const model = analyzeDockerfile(text, { file: placement.dockerfile, buildArgs: settings.buildArgs });
    diagnostics.push(...model.diagnostics);
    analyzed.push({
      placement,
      settings,
      model,
      reads: readsOf(placement, settings, model),
      context: { context: settings.context, rule: 'option' },
      missing: [],
    });
  }
  const candidates = dependencyCandidates(input.known, analyzed, names);
  const listed = new Map<string, string[]>();
  const listFiles = (folder: string) => {
    let files = listed.get(folder);
    if (!files)
      listed.set(folder, (files = (input.listFiles ?? ((f) => listContextFiles(input.workspaceRoot, f)))(folder)));
    return files;
  };
  const isBuildOutput = buildOutputTest(candidates);
  for (const a of analyzed) {
    a.context = chooseContext({
      dockerfile: a.placement.dockerfile,
      option: a.settings.contextFromOption ? a.settings.context : undefined,
      commands: input.buildCommands ?? [],
      sources: a.model.contextSources,
      listFiles,
      isBuildOutput,
    });
    a.settings = { ...a.settings, context: a.context.context };
    a.reads = readsOf(a.placement, a.settings, a.model);
    a.missing = missingSources(a, listFiles(a.settings.context), isBuildOutput);
    diagnostics.push(...a.missing.map((m) => missingDiagnostic(a, m)));
  }
  const projects = new Map<string, InferredDockerProject>();
  for (const a of analyzed) {
    const targets = targetsFor(a, candidates, names, input.workspaceRoot, listFiles, diagnostics);
    const p = a.placement;
    const project = projects.get(p.root) ?? {
      name: p.project,
      root: p.root,
      createsProject: p.createsProject,
      dockerfiles: [],
      targets: {},
    };
    project.dockerfiles.push(p.dockerfile);
    Object.assign(project.targets, targets);
    projects.set(p.root, project);
  }
  return { projects: [...projects.values()], diagnostics: dedupe(diagnostics) };
}

/** True for a workspace path inside a build output of a project that has a build (not in git, produced first). */
function buildOutputTest(candidates: readonly DependencyCandidate[]): (path: string) => boolean {
  const outputs = candidates
    .filter((c) => c.buildTarget)
    .flatMap((c) => [...c.buildOutputs, `dist/${c.root}`])
    .filter((o) => o !== '.');
  return (path) => outputs.some((o) => path === o || path.startsWith(`${o}/`) || o.startsWith(`${path}/`));
}

function missingSources(
  a: Analyzed,
  contextFiles: readonly string[],
  isBuildOutput: (path: string) => boolean,
): Array<{ path: string; line: number }> {
  const missing = new Map<string, { path: string; line: number }>();
  for (const s of a.model.contextSources) {
    if (s.path === '.' || s.path === '' || sourceExists(a.settings.context, s, contextFiles, isBuildOutput)) continue;
    if (!missing.has(`${s.path}\0${s.line}`)) missing.set(`${s.path}\0${s.line}`, { path: s.path, line: s.line });
  }
  return [...missing.values()];
}

function missingDiagnostic(a: Analyzed, m: { path: string; line: number }): DockerfileDiagnostic {
  const why =
    a.context.rule === 'option'
      ? 'the context option'
      : a.context.rule === 'build-command'
        ? (a.context.origin ?? 'a build command')
        : a.context.rule === 'copy-sources'
          ? 'the COPY sources'
          : "the Dockerfile's folder";
  return {
    file: a.placement.dockerfile,
    line: m.line,
    code: 'DOCKER_COPY_SOURCE_MISSING',
    severity: 'error',
    message: `COPY/ADD source "${m.path}" matches no file in the build context "${a.settings.context}" (chosen by ${why}); docker build would fail, and the file graph lists it as unresolved`,
  };
}

function readsOf(p: DockerfilePlacement, s: ResolvedDockerSettings, model: DockerfileModel): DockerfileReads {
  const join = (rel: string) => (s.context === '.' ? rel : rel === '.' ? s.context : `${s.context}/${rel}`);
  return {
    dockerfile: p.dockerfile,
    project: p.project,
    sources: model.contextSources.map((src) => ({ path: join(src.path), line: src.line })),
    images: model.externalImages.filter((u) => u.image.valid).map((u) => ({ ref: u.image.canonical, line: u.line })),
  };
}

function dependencyCandidates(
  known: readonly KnownDockerCandidate[],
  analyzed: Analyzed[],
  names: DockerTargetNames,
): DependencyCandidate[] {
  const byName = new Map<string, DependencyCandidate>();
  for (const k of known)
    byName.set(k.name, {
      name: k.name,
      root: k.root,
      buildTarget: k.buildTarget,
      buildOutputs: k.buildOutputs,
      images: [],
    });
  for (const a of analyzed) {
    const p = a.placement;
    const c = byName.get(p.project) ?? { name: p.project, root: p.root, buildOutputs: [], images: [] };
    const repository = imageRepository(`${a.settings.registry ? `${a.settings.registry}/` : ''}${a.settings.image}`);
    if (repository) c.images.push({ repository, target: targetName(names.build, p.variant) });
    byName.set(p.project, c);
  }
  return [...byName.values()];
}

function targetsFor(
  a: Analyzed,
  candidates: DependencyCandidate[],
  names: DockerTargetNames,
  workspaceRoot: string,
  listFiles: (folder: string) => string[],
  diagnostics: DockerfileDiagnostic[],
): Record<string, DockerTarget> {
  const { placement: p, settings: s, model } = a;
  const own = targetName(names.build, p.variant);
  const dependencies = dockerfileDependencies(a.reads, candidates, own);
  const absContext = nodePath.join(workspaceRoot, s.context);
  const absDockerfile = nodePath.join(workspaceRoot, p.dockerfile);
  const ignore = loadDockerignoreSync(absContext, absDockerfile);
  const rel = (abs: string) => nodePath.relative(workspaceRoot, abs).split(nodePath.sep).join('/');
  diagnostics.push(...ignore.diagnostics.map((d) => ({ ...d, file: rel(d.file) })));
  const context = contextInputGlobs(s.context, model.contextSources, listFiles(s.context), ignore);
  // Images built in this workspace are rebuilt through dependsOn; only outside ones can move unseen.
  const built = new Set(candidates.flatMap((c) => c.images.map((i) => i.repository)));
  const valid = model.externalImages.filter((u) => u.image.valid);
  const baseImages = [...new Set(valid.map((u) => u.image.raw))];
  const mutableBaseImages = [
    ...new Set(
      valid
        .filter((u) => u.image.mutable && !built.has(imageRepository(u.image.canonical) ?? ''))
        .map((u) => u.image.raw),
    ),
  ];
  return buildDockerTargets({
    contextChoice: a.context,
    missingSources: a.missing.map((m) => m.path),
    project: p.project,
    root: p.root,
    variant: p.variant,
    names,
    settings: s,
    ignoreFiles: ignoreFilesInEffect(dockerignoreCandidates(absContext, absDockerfile), ignore.source)
      .map(rel)
      .map((f) => posix.normalize(f)),
    context,
    reads: a.reads,
    dependencies,
    baseImages,
    mutableBaseImages,
  });
}

/** The ignore file in use and the more specific ones that would replace it if created. */
function ignoreFilesInEffect(candidates: string[], inUse: string | undefined): string[] {
  const at = inUse === undefined ? -1 : candidates.indexOf(inUse);
  return at < 0 ? candidates : candidates.slice(0, at + 1);
}

function dedupe(diagnostics: DockerfileDiagnostic[]): DockerfileDiagnostic[] {
  const seen = new Map<string, DockerfileDiagnostic>();
  for (const d of diagnostics) seen.set(`${d.file}|${d.line}|${d.code}|${d.message}`, d);
  return [...seen.values()];
}
