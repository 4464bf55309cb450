/**
 * The files nx-fleet's createNodes asks Nx for: the ones that make a folder a project or
 * decide its build. Everything else inference needs (vitest/jest/eslint configs, the other
 * tsconfig files, sources) it reads from disk.
 *
 * Test and lint configs are deliberately left out: Nx treats a change to any file matched by
 * a plugin's glob as a "project-configuration" change, which affects every task of the
 * project and of its dependents, so listing `vitest.config.*` here would make a test-only
 * edit rebuild and re-typecheck every dependent (verified with `nx affected --explain`).
 */
export const PROJECT_CONFIG_FILE_NAMES = [
  'package.json',
  'project.json',
  'pnpm-workspace.yaml',
  'tsconfig.json',
  'tsconfig.lib.json',
  'tsconfig.app.json',
  'tsconfig.build.json',
] as const;

export const PROJECT_CONFIG_GLOB = `**/{${PROJECT_CONFIG_FILE_NAMES.join(',')}}`;

/** True for a file name that {@link PROJECT_CONFIG_GLOB} matches. */
export function isProjectConfigFileName(name: string): boolean {
  return (PROJECT_CONFIG_FILE_NAMES as readonly string[]).includes(name);
}
