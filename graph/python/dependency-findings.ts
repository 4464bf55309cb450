import type { Diagnostic } from '../types';

/** Codes of findings about declared dependencies: correct or not, they are advice, never errors. */
export const PYTHON_DEPENDENCY_FINDINGS: ReadonlySet<string> = new Set([
  'PY_UNDECLARED_DEPENDENCY',
  'PY_TRANSITIVE_DEPENDENCY',
  'PY_DYNAMIC_DEPENDENCIES',
]);

/** Info-level codes: shown in `fleet graph --json`, counted but never printed one by one. */
export const PYTHON_INFO_CODES: ReadonlySet<string> = new Set(['PY_TRANSITIVE_DEPENDENCY', 'PY_DYNAMIC_DEPENDENCIES']);

/**
 * Splits diagnostics for Nx's terminal: problems (syntax, ambiguity, invalid config) are kept
 * one per line; dependency findings become one summary line with their counts and how to list
 * them, so that a workspace with hundreds of them does not bury the rest of Nx's output.
 */
export function summarizeDependencyFindings(diagnostics: readonly Diagnostic[]): {
  problems: Diagnostic[];
  summary?: string;
} {
  const problems = diagnostics.filter((d) => !PYTHON_DEPENDENCY_FINDINGS.has(d.code));
  const counts = new Map<string, number>();
  for (const d of diagnostics)
    if (PYTHON_DEPENDENCY_FINDINGS.has(d.code)) counts.set(d.code, (counts.get(d.code) ?? 0) + 1);
  if (counts.size === 0) return { problems };
  const total = [...counts.values()].reduce((a, b) => a + b, 0);
  const parts = [...counts].sort(([a], [b]) => (a < b ? -1 : 1)).map(([code, n]) => `${n} ${code}`);
  return {
    problems,
    summary: `${total} Python dependency finding${total === 1 ? '' : 's'} (${parts.join(', ')}); run \`fleet graph --json\` to list them`,
  };
}
