// TS/JS project inference: the public surface of graph/projects.
export { inferProjects } from './infer-projects';
export { inferWorkspaceProjects, listConfigFiles } from './infer-workspace-projects';
export { createFsReader } from './fs-reader';
export { PROJECT_CONFIG_GLOB, PROJECT_CONFIG_FILE_NAMES, isProjectConfigFileName } from './project-config-glob';
export { buildTypecheckTarget } from './build-typecheck-target';
export { buildTestTarget } from './build-test-target';
export { excludeNestedTests, nestedProjectDirs } from './exclude-nested-tests';
export { buildLintTarget } from './build-lint-target';
export { buildBuildTarget } from './build-build-target';
export { resolveTsconfig } from './resolve-tsconfig';
export { parseJsonc } from '../parse-jsonc';
export { DiagnosticCodes } from './read-json';
export {
  ALL_PROJECT_FILES,
  PRODUCTION_FILES,
  DEPENDENCY_PRODUCTION_FILES,
  DEPENDENCY_TEST_SUPPORT_FILES,
  TEST_ONLY_FILE_NAMES,
} from './inputs';
export { targetNames } from './target-names';
export type {
  InferenceResult,
  InferredProject,
  InferredTarget,
  TargetInput,
  ProjectSource,
  Language,
  WorkspaceReader,
} from './types';
export type { ResolvedTsconfig } from './resolve-tsconfig';
export type { TestRunner } from './build-test-target';
