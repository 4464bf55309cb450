import { formatFiles, logger, readNxJson, updateNxJson, type GeneratorCallback, type Tree } from '@nx/devkit';
import { addGitignoreEntries } from './gitignore-entries';
import { planInit, type InitPlan } from './init-plan';
// Imported (not only referenced from generators.json) so that tsc ships it in dist/ next to this file.
import schema from './schema.json';

/** Options of `nx g nx-fleet:init` (generators/init/schema.json). */
export interface InitGeneratorSchema {
  skipFormat?: boolean;
}

/** What the generator did: the plan plus the `.gitignore` entries it added. */
export interface InitResult extends InitPlan {
  gitignoreAdded: string[];
}

/**
 * `nx g nx-fleet:init` (and `nx add nx-fleet`): registers the plugin in nx.json with detected
 * options, adds `.gitignore` entries and reports peer plugins. Writes only through the tree, so
 * `--dry-run` writes nothing; a second run finds nothing to change.
 */
export async function initGenerator(tree: Tree, options: InitGeneratorSchema = {}): Promise<GeneratorCallback> {
  const result = applyInit(tree);
  for (const line of describeInit(result)) logger.info(line);
  for (const d of result.diagnostics) logger.warn(`nx-fleet init: ${d.file}: ${d.message} [${d.code}]`);
  if (!(options.skipFormat ?? schema.properties.skipFormat.default)) await formatFiles(tree);
  return () => {
    logger.info('nx-fleet: next, `nx show projects` and `nx show project <name> --json` list what it infers.');
  };
}

/** Applies {@link planInit} to the tree (nx.json, .gitignore); returns what changed. */
export function applyInit(tree: Tree): InitResult {
  const plan = planInit(tree);
  if (plan.registration !== 'unchanged') {
    const nxJson = readNxJson(tree) ?? {};
    updateNxJson(tree, { ...nxJson, plugins: plan.plugins as NonNullable<typeof nxJson.plugins> });
  }
  return { ...plan, gitignoreAdded: addGitignoreEntries(tree) };
}

/** The report printed after a run: languages found, what changed in nx.json and .gitignore, peers. */
export function describeInit(r: InitResult): string[] {
  const f = r.facts;
  const tools = new Map<string, number>();
  for (const p of f.pythonProjects) tools.set(p.tool, (tools.get(p.tool) ?? 0) + 1);
  const languages = [
    f.tsJsFiles > 0 ? `TypeScript/JavaScript (${f.tsJsFiles} files)` : undefined,
    f.pythonProjects.length > 0
      ? `Python (${f.pythonProjects.length} project${f.pythonProjects.length === 1 ? '' : 's'}: ${[...tools].map(([t, n]) => `${t} ${n}`).join(', ')}${f.interpreter ? `; interpreter ${f.interpreter}` : ''})`
      : undefined,
    f.dockerfiles.length > 0 ? `Dockerfiles (${f.dockerfiles.length})` : undefined,
  ].filter(Boolean);
  const lines = [`nx-fleet init: found ${languages.join(', ') || 'no TS/JS, Python or Dockerfile sources yet'}.`];
  for (const d of f.dockerfiles)
    lines.push(
      `  ${d.file}: build context ${d.context ? `${d.context} (from ${d.contextFrom})` : 'inferred by nx-fleet'}`,
    );
  const set = r.setOptions.length ? ` with ${r.setOptions.join(', ')}` : '';
  lines.push(
    r.registration === 'added'
      ? `  nx.json: registered nx-fleet (plugins[${r.entryIndex}])${set}.`
      : r.registration === 'updated'
        ? `  nx.json: nx-fleet already registered; set ${r.setOptions.join(', ')}.`
        : '  nx.json: nx-fleet already registered; nothing to change.',
  );
  lines.push(
    r.gitignoreAdded.length ? `  .gitignore: added ${r.gitignoreAdded.join(', ')}.` : '  .gitignore: nothing to add.',
  );
  for (const p of r.peers)
    lines.push(`  ${p.code === 'FLEET_INIT_TARGET_COLLISION' ? 'warning: ' : ''}${p.plugin}: ${p.message} [${p.code}]`);
  return lines;
}

export default initGenerator;
