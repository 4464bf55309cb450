import * as fs from 'node:fs';
import { analyzerFor } from './analyzers';
import type { ExtractResult } from './types';

/** Why {@link extractFileImports} could not extract: stable codes for `fleet imports`. */
export type ExtractFailure =
  { code: 'UNKNOWN_FILE_TYPE'; message: string } | { code: 'FILE_UNREADABLE'; message: string };

/** Imports of one file on disk, with the analyzer the file graph uses for it. */
export function extractFileImports(
  absPath: string,
  displayName: string,
): ({ ok: true } & ExtractResult) | ({ ok: false } & ExtractFailure) {
  const analyzer = analyzerFor(absPath);
  if (!analyzer)
    return { ok: false, code: 'UNKNOWN_FILE_TYPE', message: `${displayName}: no import analyzer for this file type` };
  let text: string;
  try {
    text = fs.readFileSync(absPath, 'utf8');
  } catch (err) {
    return {
      ok: false,
      code: 'FILE_UNREADABLE',
      message: `${displayName}: cannot read: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`,
    };
  }
  return { ok: true, ...analyzer.extract(text, absPath) };
}
