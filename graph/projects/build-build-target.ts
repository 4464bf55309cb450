import * as posix from 'node:path/posix';
import { ALL_PROJECT_FILES, DEPENDENCY_PRODUCTION_FILES, PRODUCTION_FILES, excludesTests, workspaceFileInputs, workspaceToken } from './inputs';
import type { ResolvedTsconfig } from './resolve-tsconfig';
import type { InferredTarget } from './types';
import type { ToolInputs } from './tool-inputs';

export interface BuildTargetInput {
  root: string;
  /** The emitting tsconfig (tsconfig.lib.json, tsconfig.app.json, tsconfig.build.json or tsconfig.json). */
  tsconfig: ResolvedTsconfig;
  /** The build target's own name (the `buildTargetName` option): dependencies build first. */
  targetName: string;
  tools: ToolInputs;
}

/**
 * `tsc -b <tsconfig>` for a tsconfig that emits into an outDir/declarationDir. Returns
 * undefined when it does not emit (noEmit) or would write next to the sources (no outDir nor
 * declarationDir): caching such output is not possible to declare.
 */
export function buildBuildTarget({ root, tsconfig, targetName, tools }: BuildTargetInput): InferredTarget | undefined {
  if (tsconfig.noEmit || (!tsconfig.outDir && !tsconfig.declarationDir)) return undefined;
  const file = posix.relative(root === '.' ? '' : root, tsconfig.file);
  const outputs = [tsconfig.outDir, tsconfig.declarationDir, tsconfig.tsBuildInfoFile]
    .filter((p): p is string => p !== undefined)
    .map((p) => workspaceToken(p, root));
  return {
    command: `tsc -b ${file}`,
    options: { cwd: root },
    cache: true,
    dependsOn: [`^${targetName}`],
    inputs: [
      excludesTests(tsconfig.exclude) ? PRODUCTION_FILES : ALL_PROJECT_FILES,
      DEPENDENCY_PRODUCTION_FILES,
      ...workspaceFileInputs(tsconfig.chain, root),
      ...tools(['typescript', ...tsconfig.extendsPackages]),
    ],
    outputs: [...new Set(outputs)].sort(),
    metadata: {
      technologies: ['typescript'],
      description: `Compile with ${file} into ${outputs.join(', ')}`,
      help: { command: 'npx tsc --build --help', example: { args: ['--verbose'] } },
    },
  };
}
