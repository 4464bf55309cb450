/**
 * The files nx-fleet's createNodes asks Nx for. Project roots come from package.json,
 * project.json and tsconfig.json; the other names are listed so that Nx re-runs inference
 * (e.g. in the daemon) when a file that changes the inferred targets is added or edited.
 */
export const PROJECT_CONFIG_FILE_NAMES = [
  'package.json',
  'project.json',
  'pnpm-workspace.yaml',
  'tsconfig*.json',
  'vitest.config.*',
  'vite.config.*',
  'jest.config.*',
  'eslint.config.*',
  '.eslintrc*',
] as const;

export const PROJECT_CONFIG_GLOB = `**/{${PROJECT_CONFIG_FILE_NAMES.join(',')}}`;

/** True for a file name that {@link PROJECT_CONFIG_GLOB} matches. */
export function isProjectConfigFileName(name: string): boolean {
  return PROJECT_CONFIG_FILE_NAMES.some((n) => new RegExp(`^${n.replace(/\./g, '\\.').replace(/\*/g, '.*')}$`).test(name));
}
