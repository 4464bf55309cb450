/**
 * Public surface of the Dockerfile analysis layer (graph/docker). The Nx plugin and the CLI
 * import from here only. See docs/dockerfiles.md for the semantics and the JSON shapes.
 *
 * Typical plugin use:
 * ```ts
 * const model = analyzeDockerfile(text, { file, buildArgs });
 * const ignore = await loadDockerignore(contextDir, dockerfilePath);
 * const inputs = reachableContextFiles(contextFiles, model.contextSources, ignore);
 * ```
 */
export { parseDockerfile } from './parse-dockerfile';
export type { ParseDockerfileOptions } from './parse-dockerfile';
export { analyzeDockerfile, buildDockerfileModel, PLATFORM_ARGS } from './model';
export { parseImageRef } from './image-ref';
export { expandWord } from './expand';
export type { Expansion, VariableLookup } from './expand';
export {
  compilePattern,
  dockerignoreCandidates,
  loadDockerignore,
  loadDockerignoreSync,
  normalizeContextPath,
  parseDockerignore,
} from './dockerignore';
export type { Dockerignore, DockerignorePattern, ParseDockerignoreOptions } from './dockerignore';
export { reachableContextFiles, sourceReaches, survivingContextFiles } from './context-files';
export type { ContextFilter, SourceSpec } from './context-files';
export { goClean, goMatch } from './go-path';
export type { BadPattern } from './go-path';
export { extractDockerImports } from './imports';
export type { DockerFromImport, DockerImportEntry, DockerImports, DockerStageRef } from './imports';
export { KNOWN_INSTRUCTIONS } from './instruction';
export type * from './types';
export { DOCKERFILE_GLOB, dockerfileVariant, isDockerfileName } from './dockerfile-names';
export { dockerAnalyzer, IMAGE_PREFIX } from './docker-analyzer';
export { inferDockerProjects } from './infer-docker-projects';
export type {
  DockerInferenceResult,
  InferDockerProjectsInput,
  InferredDockerProject,
  KnownDockerCandidate,
} from './infer-docker-projects';
export { dockerfileDependencies, resolveOutputPath } from './docker-dependencies';
export type { DependencyCandidate, DockerDependency, DockerfileReads } from './docker-dependencies';
export type { DockerTarget, DockerTargetFacts } from './build-docker-targets';
export { dockerTargetNames, imageNameFor, resolveDockerSettings } from './docker-settings';
export type { DockerTargetNames, ResolvedDockerSettings } from './docker-settings';
export { contextInputGlobs } from './context-inputs';
export type { ContextInputGlobs } from './context-inputs';
export { placeDockerfiles } from './place-dockerfiles';
export type { DockerfilePlacement, KnownProject } from './place-dockerfiles';
export { imageRepository } from './image-repository';
export { listContextFiles } from './list-context-files';
export { inferWorkspaceDockerProjects, dockerProjectEdges } from './workspace-docker-projects';
export type { KnownWorkspaceProject, WorkspaceDockerInput, GraphProject } from './workspace-docker-projects';
export { dockerWorkspaceGraph } from './docker-workspace-graph';
export type { DockerWorkspaceGraph } from './docker-workspace-graph';
