import { logger, type GeneratorCallback, type Tree } from '@nx/devkit';
import { findCiConflicts, type CiConflict } from './ci-conflicts';
import { CiOptionError, normalizeCiOptions, PIPELINE_FILE, type CiGeneratorSchema, type CiOptions } from './ci-options';
import { githubWorkflow } from './github-workflow';
import { gitlabPipeline } from './gitlab-pipeline';
// Imported (not only referenced from generators.json) so that tsc ships it in dist/ next to this file.
import schema from './schema.json';

export type { CiGeneratorSchema } from './ci-options';

/** The pipeline text for the options (no tree: what tests and `--dry-run` compare). */
export function renderPipeline(o: CiOptions): string {
  return o.provider === 'github' ? githubWorkflow(o) : gitlabPipeline(o);
}

export class CiConflictError extends Error {
  constructor(readonly conflicts: CiConflict[]) {
    super(
      `nx-fleet ci: not writing the pipeline:\n${conflicts.map((c) => `  ${c.file}: ${c.message} [${c.code}]`).join('\n')}`,
    );
  }
}

/** Writes the pipeline into the tree, or throws naming every reason not to. */
export function applyCi(tree: Tree, raw: CiGeneratorSchema): { file: string; options: CiOptions } {
  const o = normalizeCiOptions(raw, (f) => tree.exists(f));
  const conflicts = findCiConflicts(tree, o, raw.force ?? schema.properties.force.default);
  if (conflicts.length > 0) throw new CiConflictError(conflicts);
  const file = PIPELINE_FILE[o.provider];
  tree.write(file, renderPipeline(o));
  return { file, options: o };
}

/**
 * `nx g nx-fleet:ci --provider github|gitlab`: a pipeline whose main job runs `fleet run … affected`
 * (plain `nx affected` without agents) and whose agent jobs run `fleet agent --idle-exit`, with the
 * trust level taken from the provider (protected branch: trusted; pull/merge requests: untrusted).
 */
export async function ciGenerator(tree: Tree, raw: CiGeneratorSchema): Promise<GeneratorCallback> {
  let r: ReturnType<typeof applyCi>;
  try {
    r = applyCi(tree, raw);
  } catch (e) {
    if (e instanceof CiOptionError) throw new Error(`nx-fleet ci: ${e.message} [${e.code}]`);
    throw e;
  }
  const o = r.options;
  logger.info(
    `nx-fleet ci: wrote ${r.file} (${o.provider}): targets ${o.targets.join(',')}, ${o.agents} agent job(s)${
      o.gpuAgents ? `, ${o.gpuAgents} GPU agent job(s) on ${o.gpuRunner.join(',')}` : ''
    }, Redis ${o.redis}.`,
  );
  return () => logger.info('nx-fleet ci: set the secrets and variables named at the top of the file (docs/ci.md).');
}

export default ciGenerator;
