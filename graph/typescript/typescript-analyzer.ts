import type { ExtractResult, LanguageAnalyzer } from '../types';
import { extractImports } from './extract-imports';

const SOURCE = /\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
/** TypeScript parses JSX in these (it does not in .ts/.mts/.cts, where `<T>x` is a type assertion). */
const NO_JSX = /\.(?:ts|mts|cts)$/;
const DECLARATION = /\.d\.(?:[^/]+\.)?[mc]?ts$/;

/** TS/JS import extraction: the one used by the file graph and by `fleet imports`. */
export const typescriptAnalyzer: LanguageAnalyzer = {
  language: 'typescript',
  handles: (file: string): boolean => SOURCE.test(file),
  extract(text: string, file: string): ExtractResult {
    return extractImports(text, { jsx: !NO_JSX.test(file), declaration: DECLARATION.test(file) });
  },
};
