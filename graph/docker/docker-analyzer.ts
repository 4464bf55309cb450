import type { ExtractResult, LanguageAnalyzer } from '../types';
import { isDockerfileName } from './dockerfile-names';
import { analyzeDockerfile } from './model';

/**
 * Dockerfile "imports" for `fleet imports` and the file graph: each build-context source
 * (context-relative path or glob, resolved against the build context by the caller) and each
 * external image (`image:` + canonical name, e.g. `image:docker.io/library/node:20`), with its
 * line. The per-instruction detail is `extractDockerImports`.
 */
export const dockerAnalyzer: LanguageAnalyzer = {
  language: 'docker',
  handles: (file: string): boolean => isDockerfileName(file.replace(/\\/g, '/')),
  extract(text: string, file: string): ExtractResult {
    const model = analyzeDockerfile(text, { file });
    const imports: ExtractResult['imports'] = [
      ...model.contextSources.map((s) => ({ specifier: s.path, kind: 'static' as const, line: s.line })),
      ...model.externalImages
        .filter((u) => u.image.valid)
        .map((u) => ({ specifier: `${IMAGE_PREFIX}${u.image.canonical}`, kind: 'static' as const, line: u.line })),
    ].sort((a, b) => a.line - b.line);
    return { imports, diagnostics: model.diagnostics.map(({ line, code, message }) => ({ line, code, message })) };
  },
};

/** Prefix of image specifiers in {@link dockerAnalyzer}'s imports. */
export const IMAGE_PREFIX = 'image:';
