/**
 * The semantic model of a Dockerfile: stages, bases, variable scopes, and every source of
 * bytes the build reads (context paths, other stages, images, URLs). This is what the Nx
 * plugin turns into targets, inputs and edges.
 */
import type { WorkspacePath } from '../types';
import { analyzeInstruction, type InstructionContext } from './analyze-instruction';
import type { Expansion } from './expand';
import { parseImageRef } from './image-ref';
import { parseDockerfile } from './parse-dockerfile';
import { applyEnv, declareArgs, emptyScope, expandIn, type Scope } from './scope';
import type {
  AnalyzedInstruction,
  ArgDeclaration,
  DockerfileDiagnosticCode,
  DockerfileModel,
  DockerfileModelOptions,
  DockerInstruction,
  DockerStage,
  ParsedDockerfile,
  StageBase,
} from './types';

/** ARGs that BuildKit defines automatically in the global scope. */
export const PLATFORM_ARGS: readonly string[] = [
  'TARGETPLATFORM',
  'TARGETOS',
  'TARGETARCH',
  'TARGETVARIANT',
  'BUILDPLATFORM',
  'BUILDOS',
  'BUILDARCH',
  'BUILDVARIANT',
];

/** Mutable state of one model build; local to the call. */
interface Walk {
  parsed: ParsedDockerfile;
  overrides: Readonly<Record<string, string>>;
  model: DockerfileModel;
  global: Scope;
  /** Per stage: its scope, so that a stage built FROM another can inherit ENV. */
  scopes: Scope[];
  names: Map<string, number>;
}

/**
 * Builds the model from a parse result. Never throws; problems are added to `diagnostics`
 * (which starts with the parser's).
 *
 * @example
 * const model = buildDockerfileModel(parseDockerfile(text, { file }), { buildArgs: { NODE: '22' } });
 * model.stages.map((s) => s.base);          // bases after ARG substitution
 * model.contextSources.map((s) => s.path);  // e.g. ['package.json', 'src']
 */
export function buildDockerfileModel(parsed: ParsedDockerfile, options: DockerfileModelOptions = {}): DockerfileModel {
  const syntax = parsed.directives.find((d) => d.name === 'syntax')?.value;
  const walk: Walk = {
    parsed,
    overrides: options.buildArgs ?? {},
    model: {
      file: parsed.file,
      escapeChar: parsed.escapeChar,
      stages: [],
      globalArgs: [],
      instructions: [],
      contextSources: [],
      externalSources: [],
      externalImages: [],
      buildArgs: [],
      diagnostics: [...parsed.diagnostics],
    },
    global: emptyScope(),
    scopes: [],
    names: new Map(),
  };
  if (syntax !== undefined) walk.model.syntax = syntax;
  // BuildKit predefines the platform ARGs in the global scope; their values come from the
  // build, so they are only known here when the caller passes them.
  for (const name of PLATFORM_ARGS) {
    if (Object.prototype.hasOwnProperty.call(walk.overrides, name)) walk.global.args.set(name, walk.overrides[name]);
  }
  for (const ins of parsed.instructions) visit(walk, ins);
  finish(walk);
  return walk.model;
}

/** Parses and models in one call: what most callers want. */
export function analyzeDockerfile(
  text: string,
  options: DockerfileModelOptions & { file?: WorkspacePath } = {},
): DockerfileModel {
  return buildDockerfileModel(parseDockerfile(text, { file: options.file }), options);
}

function report(walk: Walk, ins: DockerInstruction, code: DockerfileDiagnosticCode, message: string): void {
  walk.model.diagnostics.push({ file: walk.parsed.file, line: ins.startLine, code, message, severity: 'error' });
}

function expansionSink(walk: Walk, ins: DockerInstruction, used: Set<string>): (e: Expansion) => void {
  return (expansion) => {
    for (const name of expansion.variables) used.add(name);
    if (expansion.error) report(walk, ins, 'DOCKERFILE_BAD_SUBSTITUTION', expansion.error);
  };
}

function visit(walk: Walk, ins: DockerInstruction): void {
  if (ins.keyword === 'FROM') closeStage(walk, ins.startLine);
  const stage = ins.keyword === 'FROM' ? walk.model.stages.length : walk.model.stages.length - 1;
  const scope = ins.keyword === 'FROM' || stage < 0 ? walk.global : walk.scopes[stage];
  const used = new Set<string>();
  const sink = expansionSink(walk, ins, used);
  const analyzed: AnalyzedInstruction = {
    instruction: ins,
    stage,
    sources: [],
    mounts: [],
    variables: [],
    buildArgs: [],
  };
  if (ins.keyword === 'FROM') {
    startStage(walk, ins, sink);
  } else if (ins.keyword === 'ARG') {
    declareStageOrGlobalArgs(walk, ins, stage, sink);
  } else if (ins.keyword === 'ENV') {
    applyEnv(ins, scope, walk.parsed.escapeChar, sink);
  } else {
    const target = ins.keyword === 'ONBUILD' && ins.trigger ? ins.trigger : ins;
    const facts = analyzeInstruction(target, instructionContext(walk, ins, scope, stage, sink));
    analyzed.sources = facts.sources;
    analyzed.mounts = facts.mounts;
    if (facts.expandedWords) analyzed.expandedWords = facts.expandedWords;
    for (const name of facts.shellVariables) used.add(name);
    if (ins.keyword !== 'ONBUILD') collectSources(walk, analyzed);
  }
  analyzed.variables = [...used];
  analyzed.buildArgs = analyzed.variables.filter((v) => scope.args.has(v) && !scope.env.has(v));
  walk.model.instructions.push(analyzed);
}

function instructionContext(
  walk: Walk,
  ins: DockerInstruction,
  scope: Scope,
  stage: number,
  sink: (e: Expansion) => void,
): InstructionContext {
  return {
    scope,
    stages: { names: walk.names, count: walk.model.stages.length },
    stage,
    escapeChar: walk.parsed.escapeChar,
    onExpansion: sink,
    report: (code, message) => report(walk, ins, code, message),
  };
}

function declareStageOrGlobalArgs(
  walk: Walk,
  ins: DockerInstruction,
  stage: number,
  sink: (e: Expansion) => void,
): void {
  if (ins.pairs?.length === 0) report(walk, ins, 'DOCKERFILE_MISSING_ARGUMENTS', 'ARG requires at least one argument');
  const common = { ins, overrides: walk.overrides, escapeChar: walk.parsed.escapeChar, onExpansion: sink };
  if (stage < 0) {
    walk.model.globalArgs.push(...declareArgs({ ...common, scope: walk.global }));
    return;
  }
  const declared = declareArgs({ ...common, scope: walk.scopes[stage], globals: walk.global.args });
  walk.model.stages[stage].args.push(...declared);
}

function collectSources(walk: Walk, analyzed: AnalyzedInstruction): void {
  for (const source of analyzed.sources) {
    if (source.origin === 'context') walk.model.contextSources.push(source);
    else if (source.origin === 'url' || source.origin === 'git') walk.model.externalSources.push(source);
    else if (source.from?.kind === 'image') {
      const via = source.via === 'bind' ? 'mount' : 'copy';
      walk.model.externalImages.push({ image: source.from.image, line: source.line, via, stage: analyzed.stage });
    }
  }
}

/** FROM [--platform=P] image [AS name]: substitution uses global ARGs only. */
function startStage(walk: Walk, ins: DockerInstruction, sink: (e: Expansion) => void): void {
  const index = walk.model.stages.length;
  const words = ins.words;
  if (words.length === 0) report(walk, ins, 'DOCKERFILE_MISSING_ARGUMENTS', 'FROM requires the name of a base image');
  const hasAlias = words.length === 3 && words[1].toLowerCase() === 'as';
  if (words.length > 1 && !hasAlias) report(walk, ins, 'DOCKERFILE_INVALID_SYNTAX', 'FROM expects "image [AS name]"');
  const escape = walk.parsed.escapeChar;
  const imageExpansion = expandIn(walk.global, words[0] ?? '', escape);
  sink(imageExpansion);
  const stage: DockerStage = { index, line: ins.startLine, endLine: ins.endLine, base: { kind: 'scratch' }, args: [] };
  const platform = ins.flags.find((f) => f.name === 'platform')?.value;
  if (platform !== undefined) {
    const expansion = expandIn(walk.global, platform, escape);
    sink(expansion);
    stage.platform = expansion.value;
  }
  stage.base = resolveBase(walk, imageExpansion.value);
  const scope = emptyScope();
  if (stage.base.kind === 'stage') scope.env = new Map(walk.scopes[stage.base.stage].env);
  if (stage.base.kind === 'image')
    walk.model.externalImages.push({ image: stage.base.image, line: ins.startLine, via: 'from', stage: index });
  if (hasAlias) nameStage(walk, ins, stage, words[2]);
  walk.model.stages.push(stage);
  walk.scopes.push(scope);
}

function resolveBase(walk: Walk, image: string): StageBase {
  const lower = image.toLowerCase();
  if (lower === 'scratch') return { kind: 'scratch' };
  const stage = walk.names.get(lower);
  if (stage !== undefined) return { kind: 'stage', stage, name: lower };
  return { kind: 'image', image: parseImageRef(image) };
}

function nameStage(walk: Walk, ins: DockerInstruction, stage: DockerStage, rawName: string): void {
  const name = rawName.toLowerCase();
  if (!/^[a-z][a-z0-9._-]*$/.test(name)) {
    report(walk, ins, 'DOCKERFILE_INVALID_SYNTAX', `invalid stage name "${rawName}"`);
  }
  if (walk.names.has(name)) {
    report(walk, ins, 'DOCKERFILE_DUPLICATE_STAGE', `duplicate stage name "${name}"`);
  } else {
    walk.names.set(name, stage.index);
  }
  stage.name = name;
}

/** Sets the end line of the stage that `nextLine` closes. */
function closeStage(walk: Walk, nextLine: number): void {
  const current = walk.model.stages[walk.model.stages.length - 1];
  if (!current) return;
  const inside = walk.parsed.instructions.filter((i) => i.startLine >= current.line && i.startLine < nextLine);
  current.endLine = Math.max(current.endLine, ...inside.map((i) => i.endLine));
}

function finish(walk: Walk): void {
  closeStage(walk, Number.POSITIVE_INFINITY);
  const names = new Set<string>(walk.model.globalArgs.map((a: ArgDeclaration) => a.name));
  for (const stage of walk.model.stages) for (const arg of stage.args) names.add(arg.name);
  walk.model.buildArgs = [...names].sort();
}
