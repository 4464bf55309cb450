import type { LanguageAnalyzer } from './types';
import { typescriptAnalyzer } from './typescript/typescript-analyzer';
import { dockerAnalyzer } from './docker/docker-analyzer';
import { pythonAnalyzer } from './python/python-analyzer';

/**
 * The language analyzers, first match wins. Python (.py) and Dockerfile analyzers are added
 * here by their issues; everything that lists imports (the file graph, `fleet imports`) asks
 * {@link analyzerFor}, so a new language needs no other change to be extracted.
 */
export const ANALYZERS: readonly LanguageAnalyzer[] = Object.freeze([
  typescriptAnalyzer,
  dockerAnalyzer,
  pythonAnalyzer,
]);

/** The analyzer for a file (by its path), or undefined when no language handles it. */
export function analyzerFor(
  file: string,
  analyzers: readonly LanguageAnalyzer[] = ANALYZERS,
): LanguageAnalyzer | undefined {
  return analyzers.find((a) => a.handles(file));
}
