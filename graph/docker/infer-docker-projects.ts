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
import { dockerTargetNames, imageNameFor, resolveDockerSettings, type DockerTargetNames, type ResolvedDockerSettings } from './docker-settings';
import { dockerignoreCandidates, loadDockerignoreSync } from './dockerignore';
import { imageRepository } from './image-repository';
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
    const settings = resolveDockerSettings(input.options, { project: placement.project, dockerfile: placement.dockerfile, defaultImage: imageNameFor(placement.project, placement.variant) });
    const model = analyzeDockerfile(text, { file: placement.dockerfile, buildArgs: settings.buildArgs });
    diagnostics.push(...model.diagnostics);
    analyzed.push({ placement, settings, model, reads: readsOf(placement, settings, model) });
  }
  const candidates = dependencyCandidates(input.known, analyzed, names);
  const listed = new Map<string, string[]>();
  const listFiles = (folder: string) => {
    let files = listed.get(folder);
    if (!files) listed.set(folder, (files = (input.listFiles ?? ((f) => listContextFiles(input.workspaceRoot, f)))(folder)));
    return files;
  };
  const projects = new Map<string, InferredDockerProject>();
  for (const a of analyzed) {
    const targets = targetsFor(a, candidates, names, input.workspaceRoot, listFiles, diagnostics);
    const p = a.placement;
    const project = projects.get(p.root) ?? { name: p.project, root: p.root, createsProject: p.createsProject, dockerfiles: [], targets: {} };
    project.dockerfiles.push(p.dockerfile);
    Object.assign(project.targets, targets);
    projects.set(p.root, project);
  }
  return { projects: [...projects.values()], diagnostics: dedupe(diagnostics) };
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

function dependencyCandidates(known: readonly KnownDockerCandidate[], analyzed: Analyzed[], names: DockerTargetNames): DependencyCandidate[] {
  const byName = new Map<string, DependencyCandidate>();
  for (const k of known) byName.set(k.name, { name: k.name, root: k.root, buildTarget: k.buildTarget, buildOutputs: k.buildOutputs, images: [] });
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
  const mutableBaseImages = [...new Set(valid.filter((u) => u.image.mutable && !built.has(imageRepository(u.image.canonical) ?? '')).map((u) => u.image.raw))];
  return buildDockerTargets({
    project: p.project,
    root: p.root,
    variant: p.variant,
    names,
    settings: s,
    ignoreFiles: ignoreFilesInEffect(dockerignoreCandidates(absContext, absDockerfile), ignore.source).map(rel).map((f) => posix.normalize(f)),
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
