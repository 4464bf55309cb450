import Ajv, { type ErrorObject } from 'ajv';
import schema from './schema.json';

/** The kinds of targets nx-fleet infers for TS/JS projects. */
export type TargetKind = 'typecheck' | 'test' | 'lint' | 'build';

/** Options of the nx-fleet plugin, as written in nx.json (`plugins[].options`). */
export interface FleetPluginOptions {
  typecheckTargetName?: string;
  testTargetName?: string;
  lintTargetName?: string;
  buildTargetName?: string;
  /** Kinds of inferred targets to leave out. */
  disabledTargets?: TargetKind[];
  /** Whether a tsconfig.json folder without package.json/project.json becomes a project. */
  tsconfigProjects?: boolean;
  /** Per-file test targets `<test>--<file>` and a parent `<test>-ci` (docs/test-selection.md); default false. */
  perFileTestTargets?: boolean;
  changedTestTargets?: boolean;
  exclude?: string[];
  parallelParseThreshold?: number;
  /** How inferred typecheck targets run (docs/local-execution.md); default `commands`. */
  executors?: 'commands' | 'fleet';
  /** How inferred vitest test targets run (docs/local-execution.md); default `commands`. */
  testExecutor?: 'commands' | 'fleet';
  /** Dockerfile projects and targets (docs/dockerfiles.md). */
  docker?: DockerPluginOptions;
  /** Python projects and targets (docs/python.md). */
  python?: PythonPluginOptions;
  /** Routing of tasks to agents in distributed runs (docs/distributed.md). */
  distributed?: DistributedPluginOptions;
  /**
   * Settings of `fleet run`, `fleet agent` and `fleet cache serve` (docs/configuration.md): keys
   * and syntax as declared in their settings modules (their schema is generated from them); a flag
   * or `FLEET_*` variable wins. Secrets are refused here.
   */
  run?: CommandSettingsOption;
  agent?: CommandSettingsOption;
  cacheServe?: CommandSettingsOption;
}

/** A command's section: setting key → value (string, number, boolean or list, per its syntax). */
export type CommandSettingsOption = Record<string, string | number | boolean | string[]>;

/** A task's requirement as written in the options (config/schema.json `definitions.requirement`). */
export interface RequirementOption {
  labels?: string[];
  gpus?: number;
  gpuMemoryGb?: number;
  memoryGb?: number;
  cpus?: number;
}

/** The `distributed` plugin option (config/schema.json `properties.distributed`). */
export interface DistributedPluginOptions {
  assignmentRules?: Array<{
    projects?: string[];
    targets?: string[];
    configurations?: string[];
    requires: RequirementOption;
  }>;
  tagRequirements?: Record<string, RequirementOption>;
}

/** The `python` plugin option (config/schema.json `properties.python`). */
export interface PythonPluginOptions {
  /** Runs targets of projects not managed by uv, Poetry or PDM; default `python3`. */
  interpreter?: string;
  /** Distribution → the import names it provides, where they differ (`{ "pymongo": ["bson", "gridfs"] }`). */
  moduleMapping?: Record<string, string[]>;
}

/** Settings of Dockerfile targets; in `docker` for all, in `docker.projects[key]` per project/Dockerfile. */
export interface DockerSettings {
  /** Workspace-relative build context folder; default inferred (docs/dockerfiles.md, "Build context"). */
  context?: string;
  tags?: string[];
  buildArgs?: Record<string, string>;
  envBuildArgs?: string[];
  buildx?: boolean;
  registry?: string;
  exportImage?: false | 'tar' | 'registry';
  resolveBaseDigests?: boolean;
}

/** The `docker` plugin option (config/schema.json `properties.docker`). */
export interface DockerPluginOptions extends DockerSettings {
  enabled?: boolean;
  buildTargetName?: string;
  pushTargetName?: string;
  /** Keys: project names or Dockerfile path globs. */
  projects?: Record<string, DockerSettings & { image?: string }>;
}

/** The options with every default filled in: what the rest of nx-fleet works with. */
export type NormalizedOptions = Required<FleetPluginOptions>;

/** A validation problem, located at the option it concerns. */
export interface OptionProblem {
  /** Dotted path of the option, e.g. `testTargetName` or `exclude.2`. */
  option: string;
  /** What was expected, in words. */
  message: string;
}

/** Thrown by {@link normalizeOptions}: carries a stable code and every problem found. */
export class InvalidOptionsError extends Error {
  readonly code = 'FLEET_INVALID_OPTIONS';
  constructor(readonly problems: OptionProblem[]) {
    super(
      'nx-fleet: invalid plugin options in nx.json:\n' +
        problems.map((p) => `  - "${p.option}": ${p.message}`).join('\n'),
    );
    this.name = 'InvalidOptionsError';
  }
}

type Validator = ReturnType<Ajv['compile']>;
let compiled: Validator | undefined;
function validator(): Validator {
  // Compiled lazily (not at import time) and kept: compiling is the costly part.
  compiled ??= new Ajv({ allErrors: true, strict: false, verbose: true }).compile(schema);
  return compiled;
}

function describe(error: ErrorObject, value: unknown): OptionProblem {
  const path = error.instancePath.replace(/^\//, '').replace(/\//g, '.');
  if (error.keyword === 'additionalProperties') {
    const name = String((error.params as { additionalProperty: string }).additionalProperty);
    // Nested objects (e.g. `docker`) list their own keys; Ajv's verbose mode gives the schema.
    const known = Object.keys(
      (error.parentSchema as { properties?: object } | undefined)?.properties ?? schema.properties,
    ).join(', ');
    return { option: path ? `${path}.${name}` : name, message: `unknown option; known options are: ${known}` };
  }
  const got = value === undefined ? '' : ` (got ${JSON.stringify(value)})`;
  if (error.keyword === 'enum') {
    const allowed = (error.params as { allowedValues: unknown[] }).allowedValues
      .map((v) => JSON.stringify(v))
      .join(', ');
    return { option: path || '(options)', message: `must be one of ${allowed}${got}` };
  }
  return { option: path || '(options)', message: `${error.message ?? 'is invalid'}${got}` };
}

function valueAt(root: unknown, instancePath: string): unknown {
  let cur: unknown = root;
  for (const key of instancePath.split('/').filter(Boolean)) {
    if (cur === null || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[key];
  }
  return cur;
}

/** Validates the raw options against config/schema.json; returns the problems (empty when valid). */
export function validateOptions(raw: unknown): OptionProblem[] {
  const validate = validator();
  if (validate(raw ?? {})) return [];
  return (validate.errors ?? []).map((e) => describe(e, valueAt(raw, e.instancePath)));
}

/** Validates and fills defaults. Throws {@link InvalidOptionsError} naming each bad option. */
export function normalizeOptions(raw: FleetPluginOptions | undefined): NormalizedOptions {
  const problems = validateOptions(raw ?? {});
  if (problems.length) throw new InvalidOptionsError(problems);
  const defaults = Object.fromEntries(
    Object.entries(schema.properties).map(([k, v]) => [k, structuredClone((v as { default: unknown }).default)]),
  ) as NormalizedOptions;
  return { ...defaults, ...(raw ?? {}) };
}
