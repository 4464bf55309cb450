import * as posix from 'node:path/posix';
import {
  ALL_PROJECT_FILES,
  DEPENDENCY_TEST_SUPPORT_FILES,
  DEPENDENCY_PRODUCTION_FILES,
  PRODUCTION_FILES,
  excludesTests,
  workspaceFileInputs,
  workspaceToken,
} from './inputs';
import type { ResolvedTsconfig } from './resolve-tsconfig';
import type { ToolInputs } from './tool-inputs';
import type { InferredTarget } from './types';

export interface BuildTargetInput {
  root: string;
  /** The emitting tsconfig (tsconfig.lib.json, tsconfig.app.json, tsconfig.build.json or tsconfig.json). */
  tsconfig: ResolvedTsconfig;
  /** The build target's own name (the `buildTargetName` option): dependencies build first. */
  targetName: string;
  tools: ToolInputs;
}

/**
 * Compiles a tsconfig that emits into an outDir/declarationDir. Returns undefined when it
 * does not emit (noEmit) or would write next to the sources (no outDir nor declarationDir):
 * such output cannot be declared for caching.
 *
 * `tsc -b` when the config needs build mode (composite, incremental or references), else
 * `tsc -p`: build mode always writes a .tsbuildinfo, which for a non-composite config with
 * a rootDir lands next to the tsconfig, inside the project, where it would become an input
 * of the project's own targets and invalidate them after every build.
 */
export function buildBuildTarget({ root, tsconfig, targetName, tools }: BuildTargetInput): InferredTarget | undefined {
  if (tsconfig.noEmit || (!tsconfig.outDir && !tsconfig.declarationDir)) return undefined;
  const file = posix.relative(root === '.' ? '' : root, tsconfig.file);
  const buildMode = tsconfig.incremental || tsconfig.references.length > 0;
  const outputs = [
    tsconfig.outDir,
    tsconfig.declarationDir,
    buildMode || tsconfig.tsBuildInfoFile ? buildInfoPath(tsconfig) : undefined,
  ]
    .filter((p): p is string => p !== undefined)
    .map((p) => workspaceToken(p, root));
  return {
    command: `tsc ${buildMode ? '-b' : '-p'} ${file}`,
    options: { cwd: root },
    cache: true,
    dependsOn: [`^${targetName}`],
    inputs: [
      excludesTests(tsconfig.exclude) ? PRODUCTION_FILES : ALL_PROJECT_FILES,
      // a program that compiles the tests reads what they import of dependencies' test-only files
      excludesTests(tsconfig.exclude) ? DEPENDENCY_PRODUCTION_FILES : DEPENDENCY_TEST_SUPPORT_FILES,
      ...workspaceFileInputs(tsconfig.chain, root),
      ...tools(['typescript', ...tsconfig.extendsPackages]),
    ],
    outputs: [...new Set(outputs)].sort(),
    metadata: {
      technologies: ['typescript'],
      description: `Compile with ${file} into ${outputs.join(', ')}`,
      help: { command: `npx tsc ${buildMode ? '--build ' : ''}--help`, example: { args: ['--listEmittedFiles'] } },
    },
  };
}

/** Where tsc writes the .tsbuildinfo (TypeScript's getTsBuildInfoEmitOutputFilePath rule). */
export function buildInfoPath(t: Pick<ResolvedTsconfig, 'file' | 'outDir' | 'rootDir' | 'tsBuildInfoFile'>): string {
  if (t.tsBuildInfoFile) return t.tsBuildInfoFile;
  const config = t.file.replace(/\.json$/, '');
  if (!t.outDir) return `${config}.tsbuildinfo`;
  const rel = t.rootDir ? posix.relative(t.rootDir, config) : posix.basename(config);
  return `${posix.normalize(posix.join(t.outDir, rel))}.tsbuildinfo`;
}
