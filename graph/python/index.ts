// Public surface of graph/python: the Python analysis layer. Pure functions over file
// contents and a PythonFs; no Nx types here (the plugin translates).
//
// Typical use by the plugin:
//   const { project } = readPythonProject({ fs, root });              // per config folder
//   const ownership = buildModuleOwnership(pythonFiles, projects);    // once per file set
//   const { imports } = extractImports(source, file);                 // per changed file
//   const deps = resolveFileImports(ownership, file, imports);        // edges + diagnostics
//   declaredDependencyEdges(projects);                                // pyproject path/workspace deps
export type * from './types';
export { extractImports } from './extract-imports';
export { PYTHON_STDLIB_MODULES, isStdlibModule } from './stdlib';
export { normalizeDistributionName } from './normalize-name';
export { parseRequirement } from './parse-requirement';
export type { ParsedRequirement } from './parse-requirement';
export { nodePythonFs, memoryPythonFs } from './python-fs';
export type { PythonFs, PythonDirEntry } from './python-fs';
export { readPythonProject, PYTHON_PROJECT_GLOB } from './read-python-project';
export type { ReadPythonProjectOptions, PythonProjectResult } from './read-python-project';
export { readPyproject } from './read-pyproject';
export { readSetupCfg } from './read-setup-cfg';
export { readSetupPy } from './read-setup-py';
export { readRequirementsFile } from './read-requirements';
export type { RequirementsFileResult } from './read-requirements';
export { readLockfile, PYTHON_LOCKFILES } from './read-lockfile';
export type { PackagingHints } from './packaging-hints';
export { buildModuleOwnership, updateModuleOwnership, moduleNameOf, projectOfFile } from './ownership';
export type { ModuleOwner, ModuleOwnership } from './ownership';
export { resolveImport } from './resolve-import';
export type { ImportResolution, ImportTarget } from './resolve-import';
export { resolveFileImports, declaredDependencyEdges } from './file-dependencies';
export type { PythonFileDependencies, PythonProjectEdge } from './file-dependencies';
export { conftestChain, isPythonTestFile } from './conftest-chain';
export {
  MODULE_DISTRIBUTIONS,
  distributionCandidates,
  declaredDistribution,
  likelyDistribution,
  moduleTable,
  isDistributionName,
} from './third-party-modules';
export type { ModuleTable } from './third-party-modules';
export { dependencyFacts } from './dependency-facts';
export type { DependencyFacts } from './dependency-facts';
export { readInstalledDistributions, nodePythonEnvironments, venvSitePackages } from './installed-distributions';
export type { InstalledDistributions, PythonEnvironmentLookup } from './installed-distributions';
export { summarizeDependencyFindings, PYTHON_DEPENDENCY_FINDINGS, PYTHON_INFO_CODES } from './dependency-findings';
export type { FindingOptions } from './file-dependencies';
export type { LockfileContents } from './read-lockfile';

// Nx integration: projects, targets, external nodes and the workspace graph.
export { readPythonProjects, isPythonConfigFile } from './read-python-projects';
export type { ReadPythonProject, ReadPythonProjectsOptions } from './read-python-projects';
export { readPythonToolConfig } from './python-tool-config';
export type { PythonToolConfig, PythonToolName } from './python-tool-config';
export { inferPythonProjects } from './infer-python-projects';
export type {
  InferPythonProjectsOptions,
  InferredPythonProject,
  PythonInference,
  PythonProjectMetadata,
} from './infer-python-projects';
export type { ExistingProject } from './name-python-projects';
export type { PythonTargetKind } from './infer-python-targets';
export { pythonExternalNodes } from './python-external-nodes';
export type { PythonExternalNode, PythonExternalNodes } from './python-external-nodes';
export { buildPythonGraph } from './build-python-graph';
export type { BuildPythonGraphOptions, PythonGraph, PythonGraphFile, PythonExternalEdge } from './build-python-graph';
export {
  PYTHON_ALL_FILES,
  PYTHON_PRODUCTION_FILES,
  PYTHON_DEPENDENCY_PRODUCTION_FILES,
  PYTHON_DEPENDENCY_TEST_SUPPORT_FILES,
} from './python-inputs';
export { pythonRunner } from './python-runner';
export type { PythonRunner } from './python-runner';
export { pythonAnalyzer, pythonImportsJson } from './python-analyzer';
export type { PythonImportJson } from './python-analyzer';
export { pythonWorkspaceGraph, withPythonProjects } from './python-workspace-graph';
export type { PythonWorkspaceGraph, PythonWorkspaceGraphOptions } from './python-workspace-graph';
