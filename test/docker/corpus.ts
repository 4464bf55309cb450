/**
 * Loads the hand-written Dockerfile corpus (test/docker/corpus): each `name.Dockerfile`
 * has a `name.expected.json` written and checked by hand, not generated from the parser.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

export const CORPUS_DIR = path.join(__dirname, 'corpus');

/** Hand-written expectations; every field but `instructions` and `diagnostics` is optional. */
export interface CorpusExpectation {
  /** `KEYWORD@start` or `KEYWORD@start-end`, in file order. */
  instructions: string[];
  /** `CODE@line`, in report order. */
  diagnostics: string[];
  escape?: string;
  /** `name=value` of each parser directive. */
  directives?: string[];
  /** Base of each stage: canonical image name, `stage:N` or `scratch`. */
  bases?: string[];
  mutable?: boolean[];
  stageNames?: Array<string | null>;
  /** Sorted, deduplicated context source paths. */
  contextSources?: string[];
  /** `origin@line` of URL/git sources. */
  externalSources?: string[];
  /** By start line: `stage:N` or `image:<canonical>` of the `--from=`. */
  from?: Record<string, string>;
  heredocs?: Record<string, string[]>;
  heredocDetails?: Record<
    string,
    Array<{ name: string; expand: boolean; chomp: boolean; content: string; fd?: number }>
  >;
  forms?: Record<string, 'exec' | 'shell'>;
  words?: Record<string, string[]>;
  /** Text after flags with whitespace runs collapsed to one space. */
  text?: Record<string, string>;
  /** `name` or `name=value`, in order. */
  flags?: Record<string, string[]>;
  /** `key=value` raw pairs (ENV, LABEL, ARG). */
  pairs?: Record<string, string[]>;
  mounts?: Record<string, string[]>;
  /** ONBUILD trigger keywords by line. */
  triggers?: Record<string, string>;
}

export interface CorpusEntry {
  name: string;
  file: string;
  text: string;
  expected: CorpusExpectation;
}

export function loadCorpus(): CorpusEntry[] {
  return readdirSync(CORPUS_DIR)
    .filter((f) => f.endsWith('.Dockerfile'))
    .sort()
    .map((f) => {
      const name = f.slice(0, -'.Dockerfile'.length);
      const file = path.join(CORPUS_DIR, f);
      const expected = JSON.parse(
        readFileSync(path.join(CORPUS_DIR, `${name}.expected.json`), 'utf8'),
      ) as CorpusExpectation;
      return { name, file, text: readFileSync(file, 'utf8'), expected };
    });
}
