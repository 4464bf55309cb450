import { readNxJson, type Tree } from '@nx/devkit';
import { validateOptions, type FleetPluginOptions } from '../../config';
import { detectWorkspace, type WorkspaceFacts } from './detect-workspace';
import { reconcilePeers, type PeerFinding, type PluginEntry } from './peer-plugins';

/** A problem init reports and works around: one file or option, with a stable code. */
export interface InitDiagnostic {
  code: 'FLEET_INIT_BAD_COMPOSE_FILE' | 'FLEET_INIT_INVALID_OPTIONS';
  /** The file (or nx.json option path) it concerns. */
  file: string;
  message: string;
}

/** What `nx g nx-fleet:init` will do to nx.json: the contract its report and tests read. */
export interface InitPlan {
  facts: WorkspaceFacts;
  /** `added`: no nx-fleet entry before; `updated`: options added to it; `unchanged`. */
  registration: 'added' | 'updated' | 'unchanged';
  /** Index of nx-fleet's entry in `plugins` after the change. */
  entryIndex: number;
  /** The nx-fleet options after the change. */
  options: FleetPluginOptions;
  /** Dotted option paths init set (never one you had set). */
  setOptions: string[];
  peers: PeerFinding[];
  diagnostics: InitDiagnostic[];
  /** nx.json's `plugins` after the change. */
  plugins: PluginEntry[];
}

const isFleet = (e: PluginEntry) => (typeof e === 'string' ? e : e?.plugin) === 'nx-fleet';

/** Dotted paths of every option set in `o` (`python.interpreter`, `docker.projects.apps/api/Dockerfile`). */
function optionPaths(o: FleetPluginOptions): Set<string> {
  const paths = new Set<string>(Object.keys(o));
  for (const [key, nested] of Object.entries({ python: o.python, docker: o.docker }))
    for (const k of Object.keys(nested ?? {})) paths.add(`${key}.${k}`);
  for (const k of Object.keys(o.docker?.projects ?? {})) paths.add(`docker.projects.${k}`);
  return paths;
}

/** Fills in, from the workspace, the options the user has not set. */
function detectedOptions(facts: WorkspaceFacts, options: FleetPluginOptions, explicit: Set<string>): void {
  if (facts.interpreter && !explicit.has('python.interpreter'))
    options.python = { ...options.python, interpreter: facts.interpreter };
  for (const d of facts.dockerfiles) {
    if (!d.context || explicit.has(`docker.projects.${d.file}`)) continue;
    options.docker = { ...options.docker, projects: { ...options.docker?.projects, [d.file]: { context: d.context } } };
  }
}

/** Computes the change to nx.json without writing anything. */
export function planInit(tree: Tree): InitPlan {
  const facts = detectWorkspace(tree);
  const diagnostics = [...facts.diagnostics];
  const plugins = [...((readNxJson(tree)?.plugins ?? []) as PluginEntry[])];
  let entryIndex = plugins.findIndex(isFleet);
  const existing = entryIndex >= 0 ? plugins[entryIndex] : undefined;
  const before = (typeof existing === 'object' ? existing.options : undefined) as FleetPluginOptions | undefined;
  const problems = validateOptions(before ?? {});
  if (problems.length > 0) {
    for (const p of problems)
      diagnostics.push({
        code: 'FLEET_INIT_INVALID_OPTIONS',
        file: `nx.json plugins[${entryIndex}].options.${p.option}`,
        message: p.message,
      });
    return {
      facts,
      registration: 'unchanged',
      entryIndex,
      options: before ?? {},
      setOptions: [],
      peers: [],
      diagnostics,
      plugins,
    };
  }
  const explicit = optionPaths(before ?? {});
  const options = structuredClone(before ?? {});
  detectedOptions(facts, options, explicit);
  const peers = reconcilePeers(plugins, options, explicit);
  const setOptions = [...optionPaths(options)].filter(
    (p) => !explicit.has(p) && !['python', 'docker', 'docker.projects'].includes(p),
  );
  let registration: InitPlan['registration'] = 'unchanged';
  if (entryIndex < 0) {
    entryIndex = plugins.push({ plugin: 'nx-fleet', options }) - 1;
    registration = 'added';
  } else if (setOptions.length > 0) {
    plugins[entryIndex] = { ...(typeof existing === 'object' ? existing : { plugin: 'nx-fleet' }), options };
    registration = 'updated';
  }
  return { facts, registration, entryIndex, options, setOptions, peers, diagnostics, plugins };
}
