import type { ExtractResult, LanguageAnalyzer } from '../types';
import { extractImports } from './extract-imports';
import type { PythonImport } from './types';

const PYTHON = /\.pyi?$/;

/**
 * Python import extraction in the shape every language shares (graph/analyzers.ts): relative
 * imports keep their dots in `specifier` (`..pkg`), `import`/`from` are `static`, string
 * imports (`importlib.import_module("x")`) `dynamic`. `fleet imports --json` prints the
 * richer {@link PythonImport} instead (level, kind, weak), via {@link pythonImportsJson}.
 */
export const pythonAnalyzer: LanguageAnalyzer = {
  language: 'python',
  handles: (file: string): boolean => PYTHON.test(file),
  extract(text: string, file: string): ExtractResult {
    const r = extractImports(text, file);
    return {
      imports: r.imports.map((i) => ({
        specifier: '.'.repeat(i.level) + i.specifier,
        kind: i.kind === 'string' ? 'dynamic' : 'static',
        line: i.line,
      })),
      diagnostics: r.diagnostics.map(({ line, code, message }) => ({ line, code, message })),
    };
  },
};

/** One import as `fleet imports --json` prints it for a Python file (docs/json-output.md). */
export interface PythonImportJson {
  specifier: string;
  level: number;
  kind: PythonImport['kind'];
  weak: boolean;
  line: number;
}

/** The `fleet imports --json` items of a Python file, and its problems (at most one syntax error). */
export function pythonImportsJson(
  text: string,
  file: string,
): { imports: PythonImportJson[]; diagnostics: ExtractResult['diagnostics'] } {
  const r = extractImports(text, file);
  return {
    imports: r.imports.map(({ specifier, level, kind, weak, line }) => ({ specifier, level, kind, weak, line })),
    diagnostics: r.diagnostics.map(({ line, code, message }) => ({ line, code, message })),
  };
}
