export { createWorkspace, linkNodeModules, repoRoot, workspacePackageDirs, TestWorkspace } from './workspace';
export type { RunResult, WorkspaceOptions } from './workspace';
export { realPython, usePython } from './python-interpreter';
