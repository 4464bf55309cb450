/**
 * The Dockerfile parser: physical lines → instructions with exact line ranges.
 *
 * It follows BuildKit's `parser.Parse` line by line (directives, continuations, comment
 * lines inside continuations, heredoc bodies) so that line numbers agree with what
 * `docker build` reports. It never throws: every problem becomes a located diagnostic and
 * parsing goes on, because one bad Dockerfile must not break the workspace graph.
 */
import type { WorkspacePath } from '../types';
import { heredocOpeners, type HeredocOpener } from './heredoc';
import { buildInstruction, canContainHeredoc, KNOWN_INSTRUCTIONS } from './instruction';
import type {
  DockerfileDiagnostic,
  DockerfileDiagnosticCode,
  DockerHeredoc,
  DockerInstruction,
  ParsedDockerfile,
  ParserDirective,
} from './types';

/** Options of {@link parseDockerfile}. */
export interface ParseDockerfileOptions {
  /** Workspace path used in diagnostics. Default `Dockerfile`. */
  file?: WorkspacePath;
}

const DIRECTIVE = /^#[ \t]*([a-zA-Z][a-zA-Z0-9]*)[ \t]*=[ \t]*(.+?)[ \t]*$/;
const VALID_DIRECTIVES = new Set(['escape', 'syntax', 'check']);

/** Mutable state of one parse; local to the call, never shared. */
interface ParseState {
  file: WorkspacePath;
  lines: string[];
  escapeChar: string;
  continuation: RegExp;
  directives: ParserDirective[];
  instructions: DockerInstruction[];
  diagnostics: DockerfileDiagnostic[];
}

/**
 * Parses Dockerfile text. Accepts LF and CRLF line endings and a leading BOM.
 *
 * @example
 * const parsed = parseDockerfile('FROM node:20\nRUN npm ci\n', { file: 'apps/api/Dockerfile' });
 * parsed.instructions.map((i) => [i.keyword, i.startLine]); // [['FROM', 1], ['RUN', 2]]
 */
export function parseDockerfile(text: string, options: ParseDockerfileOptions = {}): ParsedDockerfile {
  const state: ParseState = {
    file: options.file ?? 'Dockerfile',
    lines: splitLines(text),
    escapeChar: '\\',
    continuation: continuationRegex('\\'),
    directives: [],
    instructions: [],
    diagnostics: [],
  };
  let index = readDirectives(state);
  while (index < state.lines.length) index = readInstruction(state, index);
  checkStructure(state);
  return {
    file: state.file,
    escapeChar: state.escapeChar,
    directives: state.directives,
    instructions: state.instructions,
    diagnostics: state.diagnostics,
  };
}

function splitLines(text: string): string[] {
  const lines = text
    .replace(/^\uFEFF/, '')
    .split('\n')
    .map((l) => l.replace(/\r$/, ''));
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function continuationRegex(escapeChar: string): RegExp {
  return new RegExp(`\\${escapeChar}[ \\t]*$`);
}

function report(
  state: ParseState,
  code: DockerfileDiagnosticCode,
  line: number,
  message: string,
  severity: 'error' | 'warning' = 'error',
): void {
  state.diagnostics.push({ file: state.file, line, code, message, severity });
}

/**
 * Directives are only recognised in the leading run of directive-shaped comments: the first
 * blank line, other comment or instruction ends the run (BuildKit's DirectiveParser).
 */
function readDirectives(state: ParseState): number {
  let index = 0;
  for (; index < state.lines.length; index++) {
    const match = DIRECTIVE.exec(state.lines[index].replace(/^\s+/, ''));
    const name = match?.[1].toLowerCase();
    if (!match || !name || !VALID_DIRECTIVES.has(name)) break;
    const line = index + 1;
    if (state.directives.some((d) => d.name === name)) {
      report(state, 'DOCKERFILE_DUPLICATE_DIRECTIVE', line, `only one ${name} parser directive can be used`);
      continue;
    }
    const directive: ParserDirective = { name: name as ParserDirective['name'], value: match[2], line };
    if (name === 'escape' && !setEscape(state, directive)) continue;
    state.directives.push(directive);
  }
  return index;
}

function setEscape(state: ParseState, directive: ParserDirective): boolean {
  if (directive.value !== '\\' && directive.value !== '`') {
    report(
      state,
      'DOCKERFILE_INVALID_DIRECTIVE',
      directive.line,
      `invalid escape token '${directive.value}' does not match \` or \\`,
    );
    return false;
  }
  state.escapeChar = directive.value;
  state.continuation = continuationRegex(directive.value);
  return true;
}

const isCommentLine = (line: string): boolean => /^\s*#/.test(line);
const isBlank = (line: string): boolean => line.trim() === '';

/** Reads the instruction starting at or after `index`; returns the index after it. */
function readInstruction(state: ParseState, index: number): number {
  const first = state.lines[index].replace(/^\s+/, '');
  if (first === '' || first.startsWith('#')) return index + 1;
  const startLine = index + 1;
  let [buffer, continues] = trimContinuation(state, first);
  let emptyContinuation = false;
  while (continues && index + 1 < state.lines.length) {
    const next = state.lines[++index];
    // Comment lines inside a continuation vanish; blank ones are tolerated with a warning.
    if (isCommentLine(next)) continue;
    if (isBlank(next)) {
      emptyContinuation = true;
      continue;
    }
    let part: string;
    [part, continues] = trimContinuation(state, next);
    buffer += part;
  }
  if (!continues && buffer.trim() === '') return index + 1;
  if (emptyContinuation) {
    report(
      state,
      'DOCKERFILE_EMPTY_CONTINUATION',
      startLine,
      'empty continuation line (Docker warns; future versions reject it)',
      'warning',
    );
  }
  const ins = buildInstruction(buffer, startLine, index + 1, state.escapeChar);
  state.instructions.push(ins);
  checkKeyword(state, ins);
  return canContainHeredoc(ins) ? readHeredocs(state, ins, index + 1) : index + 1;
}

function trimContinuation(state: ParseState, line: string): [string, boolean] {
  if (state.continuation.test(line)) return [line.replace(state.continuation, ''), true];
  return [line, false];
}

function checkKeyword(state: ParseState, ins: DockerInstruction): void {
  if (!KNOWN_INSTRUCTIONS.has(ins.keyword)) {
    report(state, 'DOCKERFILE_UNKNOWN_INSTRUCTION', ins.startLine, `unknown instruction: ${ins.keyword}`);
    return;
  }
  const trigger = ins.trigger;
  if (ins.keyword !== 'ONBUILD' || !trigger) return;
  if (trigger.keyword === '') {
    report(state, 'DOCKERFILE_MISSING_ARGUMENTS', ins.startLine, 'ONBUILD requires an instruction');
  } else if (['ONBUILD', 'FROM', 'MAINTAINER'].includes(trigger.keyword)) {
    report(
      state,
      'DOCKERFILE_INVALID_ONBUILD',
      ins.startLine,
      `${trigger.keyword} isn't allowed as an ONBUILD trigger`,
    );
  } else if (!KNOWN_INSTRUCTIONS.has(trigger.keyword)) {
    report(state, 'DOCKERFILE_UNKNOWN_INSTRUCTION', ins.startLine, `unknown instruction: ${trigger.keyword}`);
  }
}

/** Reads the bodies of every heredoc opened on the instruction line, in order. */
function readHeredocs(state: ParseState, ins: DockerInstruction, index: number): number {
  const target = ins.trigger ?? ins;
  for (const opener of heredocOpeners(ins.args)) {
    const { heredoc, next } = readHeredocBody(state, opener, index);
    // For ONBUILD the heredoc belongs to the trigger; the ONBUILD only spans its lines.
    target.heredocs.push(heredoc);
    ins.endLine = Math.max(ins.endLine, heredoc.endLine);
    if (target !== ins) target.endLine = ins.endLine;
    index = next;
    if (!heredoc.terminated) {
      report(
        state,
        'DOCKERFILE_UNTERMINATED_HEREDOC',
        ins.startLine,
        `unterminated heredoc ${opener.name} (opened on line ${ins.startLine})`,
      );
      break;
    }
  }
  return index;
}

/**
 * Reads one heredoc body starting at `index`. When the terminator never comes, Docker fails;
 * we stop the body before the next line that looks like an upper-case instruction so that
 * the rest of the file still yields instructions (partial results over all-or-nothing).
 */
function readHeredocBody(
  state: ParseState,
  opener: HeredocOpener,
  index: number,
): { heredoc: DockerHeredoc; next: number } {
  const body: string[] = [];
  const startLine = index + 1;
  for (let i = index; i < state.lines.length; i++) {
    const line = state.lines[i];
    const candidate = opener.chomp ? line.replace(/^\t+/, '') : line;
    if (candidate === opener.name) {
      return { heredoc: makeHeredoc(opener, body, startLine, i + 1, true), next: i + 1 };
    }
    body.push(candidate);
  }
  const stop = body.findIndex((l) => looksLikeInstruction(l));
  const kept = stop < 0 ? body : body.slice(0, stop);
  const endLine = startLine + kept.length - 1;
  return {
    heredoc: makeHeredoc(opener, kept, startLine, Math.max(endLine, startLine - 1), false),
    next: index + kept.length,
  };
}

function looksLikeInstruction(line: string): boolean {
  const word = /^([A-Z]+)(\s|$)/.exec(line);
  return word !== null && KNOWN_INSTRUCTIONS.has(word[1]);
}

function makeHeredoc(
  opener: HeredocOpener,
  body: string[],
  startLine: number,
  endLine: number,
  terminated: boolean,
): DockerHeredoc {
  const content = body.map((l) => `${l}\n`).join('');
  return { ...opener, content, startLine, endLine, terminated };
}

/** File-level rules: there must be a FROM, and only ARG may precede the first one. */
function checkStructure(state: ParseState): void {
  const firstFrom = state.instructions.findIndex((i) => i.keyword === 'FROM');
  if (firstFrom < 0) {
    const line = state.instructions[0]?.startLine ?? 1;
    report(state, 'DOCKERFILE_NO_FROM', line, 'no FROM instruction: the Dockerfile defines no build stage');
    return;
  }
  for (const ins of state.instructions.slice(0, firstFrom)) {
    if (ins.keyword === 'ARG' || !KNOWN_INSTRUCTIONS.has(ins.keyword)) continue;
    report(
      state,
      'DOCKERFILE_INSTRUCTION_BEFORE_FROM',
      ins.startLine,
      `${ins.keyword} before the first FROM (only ARG may come first)`,
    );
  }
}
