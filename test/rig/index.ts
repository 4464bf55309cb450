export { createWorkspace, linkNodeModules, repoRoot, workspacePackageDirs, TestWorkspace } from './workspace';
export type { RunResult, WorkspaceOptions } from './workspace';
export { realPython, usePython } from './python-interpreter';
export { CHROMIUM_FLAGS, CHROMIUM_PATH, launchChromium, saveScreenshot, SCREENSHOT_DIR } from './chromium';
