/**
 * Turns one logical line (continuations already joined) into a {@link DockerInstruction},
 * dispatching on the keyword the way BuildKit's parser does.
 */
import type { DockerInstruction } from './types';
import { extractBuilderFlags, parseJsonArray, parseWords, splitWhitespace } from './words';

/** Every instruction Docker knows. */
export const KNOWN_INSTRUCTIONS: ReadonlySet<string> = new Set([
  'ADD',
  'ARG',
  'CMD',
  'COPY',
  'ENTRYPOINT',
  'ENV',
  'EXPOSE',
  'FROM',
  'HEALTHCHECK',
  'LABEL',
  'MAINTAINER',
  'ONBUILD',
  'RUN',
  'SHELL',
  'STOPSIGNAL',
  'USER',
  'VOLUME',
  'WORKDIR',
]);

/** Instructions whose arguments may be a JSON array (exec form). */
const JSON_CAPABLE = new Set(['ADD', 'CMD', 'COPY', 'ENTRYPOINT', 'RUN', 'SHELL', 'VOLUME']);

/** Instructions that may open heredocs (directly or as an ONBUILD trigger). */
const HEREDOC_CAPABLE = new Set(['ADD', 'COPY', 'RUN']);

/**
 * Builds the instruction for `line` (the whole logical line, keyword included).
 * Heredoc bodies are attached later by the caller, which owns the physical lines.
 */
export function buildInstruction(
  line: string,
  startLine: number,
  endLine: number,
  escapeChar: string,
): DockerInstruction {
  const trimmed = line.trim();
  const match = /^(\S+)(?:\s+([\s\S]*))?$/.exec(trimmed);
  const keyword = (match?.[1] ?? '').toUpperCase();
  const args = match?.[2] ?? '';
  const { flags, rest } = extractBuilderFlags(args);
  const text = rest.trim();
  const base: DockerInstruction = {
    keyword,
    startLine,
    endLine,
    args,
    flags,
    text,
    form: 'shell',
    words: [],
    heredocs: [],
  };
  if (keyword === 'ONBUILD') {
    base.trigger = buildInstruction(args, startLine, endLine, escapeChar);
    base.words = splitWhitespace(args);
    return base;
  }
  fillWords(base, escapeChar);
  return base;
}

function fillWords(ins: DockerInstruction, escapeChar: string): void {
  if (JSON_CAPABLE.has(ins.keyword)) {
    const json = parseJsonArray(ins.text);
    if (json) {
      ins.form = 'exec';
      ins.words = json;
      return;
    }
  }
  switch (ins.keyword) {
    case 'ENV':
    case 'LABEL':
      ins.words = parseWords(ins.text, escapeChar);
      ins.pairs = nameValuePairs(ins.text, ins.words);
      return;
    case 'ARG':
      ins.words = parseWords(ins.text, escapeChar);
      ins.pairs = ins.words.map(splitPair);
      return;
    case 'HEALTHCHECK':
      fillHealthcheck(ins);
      return;
    default:
      ins.words = splitWhitespace(ins.text);
  }
}

/**
 * ENV/LABEL accept `k=v k2=v2` and the legacy `k value with spaces`; Docker picks the form
 * by whether the first word contains `=`.
 */
function nameValuePairs(text: string, words: string[]): Array<{ key: string; value?: string }> {
  if (words.length === 0) return [];
  if (!words[0].includes('=')) {
    const legacy = /^(\S+)\s+([\s\S]*)$/.exec(text);
    return legacy ? [{ key: legacy[1], value: legacy[2] }] : [{ key: words[0] }];
  }
  return words.map(splitPair);
}

function splitPair(word: string): { key: string; value?: string } {
  const eq = word.indexOf('=');
  return eq < 0 ? { key: word } : { key: word.slice(0, eq), value: word.slice(eq + 1) };
}

/** `HEALTHCHECK [flags] CMD <command>` or `HEALTHCHECK NONE`: the command may be exec form. */
function fillHealthcheck(ins: DockerInstruction): void {
  const cmd = /^(CMD)\s+([\s\S]*)$/i.exec(ins.text);
  const json = cmd ? parseJsonArray(cmd[2]) : undefined;
  if (cmd && json) {
    ins.form = 'exec';
    ins.words = [cmd[1], ...json];
    return;
  }
  ins.words = splitWhitespace(ins.text);
}

/** True when Docker looks for heredocs in this instruction (never in exec form). */
export function canContainHeredoc(ins: DockerInstruction): boolean {
  const target = ins.keyword === 'ONBUILD' && ins.trigger ? ins.trigger : ins;
  return HEREDOC_CAPABLE.has(target.keyword) && target.form !== 'exec';
}
