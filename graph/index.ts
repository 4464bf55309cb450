// Public surface of graph/. Other folders import from here, never from graph/ internals.
export type * from './types';
export * from './projects';
export { buildFileGraph, defaultCacheDir, DEFAULT_PARALLEL_THRESHOLD } from './build-file-graph';
export type { BuildFileGraphOptions } from './build-file-graph';
export { projectDependencies } from './project-dependencies';
export { toFileNode } from './to-file-node';
export { analyzerFor, ANALYZERS } from './analyzers';
export { extractFileImports } from './extract-file-imports';
export type { ExtractFailure } from './extract-file-imports';
export { knownProjects } from './known-projects';
export { discoverFiles } from './discover-files';
export type { DiscoveredFile } from './discover-files';
export { importClosure, perFileTestTargets } from './projects/per-file-test-targets';
export type { PerFileTestTargets, PerFileTestTargetsInput } from './projects/per-file-test-targets';
