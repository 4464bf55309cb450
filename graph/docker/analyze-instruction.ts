/**
 * Per-instruction analysis inside a stage: COPY/ADD sources and RUN mounts, classified as
 * build-context inputs, stage or image references, or external (URL/git) sources.
 */
import type { Expansion } from './expand';
import { shellVariableReferences } from './expand';
import { parseOpener } from './heredoc';
import { hasGlob } from './go-path';
import { expandIn, type Scope } from './scope';
import { classifyAddSource, contextPath, parseMountSpec, resolveFrom, type StageTable } from './sources';
import type { DockerfileDiagnosticCode, DockerInstruction, DockerSource, FromReference, RunMount } from './types';

/** Everything an instruction analysis needs to know about its surroundings. */
export interface InstructionContext {
  scope: Scope;
  stages: StageTable;
  stage: number;
  escapeChar: string;
  onExpansion: (expansion: Expansion) => void;
  report: (code: DockerfileDiagnosticCode, message: string) => void;
}

/** Result for one instruction: sources, mounts, expanded words and shell variable uses. */
export interface InstructionFacts {
  sources: DockerSource[];
  mounts: RunMount[];
  expandedWords?: string[];
  shellVariables: string[];
}

/** Analyses COPY, ADD and RUN; other instructions yield no sources. */
export function analyzeInstruction(ins: DockerInstruction, ctx: InstructionContext): InstructionFacts {
  switch (ins.keyword) {
    case 'COPY':
    case 'ADD':
      // Docker expands unquoted COPY/ADD heredoc bodies with the build's ARG/ENV values.
      return { ...copySources(ins, ctx), mounts: [], shellVariables: expandedHeredocVariables(ins) };
    case 'RUN':
      return { ...runMounts(ins, ctx), shellVariables: runShellVariables(ins) };
    case 'CMD':
    case 'ENTRYPOINT':
    case 'HEALTHCHECK':
      return { sources: [], mounts: [], shellVariables: shellVariableReferences(ins.text) };
    default:
      return { sources: [], mounts: [], shellVariables: [] };
  }
}

function expand(ctx: InstructionContext, word: string): string {
  const expansion = expandIn(ctx.scope, word, ctx.escapeChar);
  ctx.onExpansion(expansion);
  return expansion.value;
}

function flagValues(ins: DockerInstruction, name: string): string[] {
  return ins.flags.filter((f) => f.name === name).map((f) => f.value ?? '');
}

/**
 * Resolves a `from` value: undefined when there is none, null when it is invalid (reported).
 * An invalid `--from` must not turn its sources into context inputs.
 */
function fromFlag(ctx: InstructionContext, raw: string | undefined): FromReference | undefined | null {
  if (raw === undefined) return undefined;
  const resolved = resolveFrom(expand(ctx, raw), ctx.stages, ctx.stage);
  if (typeof resolved === 'string') {
    ctx.report('DOCKERFILE_INVALID_STAGE_REFERENCE', resolved);
    return null;
  }
  return resolved;
}

function copySources(
  ins: DockerInstruction,
  ctx: InstructionContext,
): { sources: DockerSource[]; expandedWords: string[] } {
  const heredocNames = new Set(ins.heredocs.map((h) => h.name));
  const words = ins.words;
  if (words.length < 2) {
    ctx.report(
      'DOCKERFILE_MISSING_ARGUMENTS',
      `${ins.keyword} requires at least two arguments, but got ${words.length}`,
    );
  }
  const from = fromFlag(ctx, flagValues(ins, 'from')[0]);
  const excludes = flagValues(ins, 'exclude').map((e) => contextPath(expand(ctx, e)));
  const via = ins.keyword === 'ADD' ? 'add' : 'copy';
  const expandedWords: string[] = [];
  const sources: DockerSource[] = [];
  words.forEach((word, i) => {
    const opener = ins.form === 'shell' ? parseOpener(word) : undefined;
    if (opener && heredocNames.has(opener.name)) {
      expandedWords.push(word);
      if (i < words.length - 1) sources.push(source(opener.name, 'heredoc', via, ins, []));
      return;
    }
    const value = expand(ctx, word);
    expandedWords.push(value);
    if (i === words.length - 1 && words.length > 1) return; // the destination
    if (from !== null) sources.push(classify(value, via, from, excludes, ins));
  });
  return { sources, expandedWords };
}

function classify(
  value: string,
  via: 'copy' | 'add',
  from: FromReference | undefined,
  excludes: string[],
  ins: DockerInstruction,
): DockerSource {
  if (from) return { ...source(value, from.kind, via, ins, []), from };
  const kind = via === 'add' ? classifyAddSource(value) : 'context';
  if (kind !== 'context') return source(value, kind, via, ins, []);
  return source(contextPath(value), 'context', via, ins, excludes);
}

function source(
  path: string,
  origin: DockerSource['origin'],
  via: DockerSource['via'],
  ins: DockerInstruction,
  excludes: string[],
): DockerSource {
  return { path, origin, glob: origin === 'context' && hasGlob(path), excludes, via, line: ins.startLine };
}

function runMounts(ins: DockerInstruction, ctx: InstructionContext): { sources: DockerSource[]; mounts: RunMount[] } {
  const sources: DockerSource[] = [];
  const mounts: RunMount[] = [];
  for (const spec of flagValues(ins, 'mount')) {
    const options = parseMountSpec(expand(ctx, spec));
    const mount: RunMount = { type: options.type, options, line: ins.startLine };
    if (options.target !== undefined) mount.target = options.target;
    if (options.id !== undefined) mount.id = options.id;
    const from = fromFlag(ctx, options.from);
    if (from) mount.from = from;
    if (from === null) {
      if (options.source !== undefined) mount.source = options.source;
    } else if (options.type === 'bind' || (options.type === 'cache' && from)) {
      // A bind mount's source defaults to the root of its `from` (the context when absent).
      mount.source = options.source ?? '.';
      sources.push(
        from
          ? { ...source(mount.source, from.kind, 'bind', ins, []), from }
          : source(contextPath(mount.source), 'context', 'bind', ins, []),
      );
    } else if (options.source !== undefined) {
      mount.source = options.source;
    }
    mounts.push(mount);
  }
  return { sources, mounts };
}

/** Variables the shell will see in RUN: in the command and in expanding heredoc bodies. */
function runShellVariables(ins: DockerInstruction): string[] {
  const texts = [ins.form === 'shell' ? ins.text : ins.words.join(' ')];
  for (const heredoc of ins.heredocs) texts.push(heredoc.content);
  return [...new Set(texts.flatMap(shellVariableReferences))];
}

function expandedHeredocVariables(ins: DockerInstruction): string[] {
  return [...new Set(ins.heredocs.filter((h) => h.expand).flatMap((h) => shellVariableReferences(h.content)))];
}
