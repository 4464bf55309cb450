import type { Diagnostic, WorkspacePath } from '../types';
import { parseJsonc } from '../parse-jsonc';
import type { WorkspaceReader } from './types';

/** Stable diagnostic codes of project inference. */
export const DiagnosticCodes = {
  packageJson: 'PACKAGE_JSON_INVALID',
  projectJson: 'PROJECT_JSON_INVALID',
  tsconfig: 'TSCONFIG_INVALID',
  tsconfigExtends: 'TSCONFIG_EXTENDS_NOT_FOUND',
  pnpmWorkspace: 'PNPM_WORKSPACE_INVALID',
  nameCollision: 'PROJECT_NAME_COLLISION',
} as const;

export type JsonRead =
  { kind: 'missing' } | { kind: 'ok'; value: Record<string, unknown> } | { kind: 'invalid'; diagnostic: Diagnostic };

/**
 * Reads a JSON object file. A syntax error (or a non-object document) becomes one diagnostic
 * with the file, line and the given stable code; the caller decides what to do without it.
 */
export function readJson(reader: WorkspaceReader, file: WorkspacePath, code: string, jsonc: boolean): JsonRead {
  const text = reader.readFile(file);
  if (text === undefined) return { kind: 'missing' };
  const parsed = parseJsonc(text, { jsonc });
  if (!parsed.ok) {
    const message = `${file}:${parsed.line}:${parsed.column}: ${parsed.message}`;
    return { kind: 'invalid', diagnostic: { file, line: parsed.line, code, message } };
  }
  if (parsed.value === null || typeof parsed.value !== 'object' || Array.isArray(parsed.value)) {
    return { kind: 'invalid', diagnostic: { file, line: 1, code, message: `${file}: expected a JSON object` } };
  }
  return { kind: 'ok', value: parsed.value as Record<string, unknown> };
}

/** `value[key]` when it is a plain object, else an empty object. */
export function objectAt(value: unknown, key: string): Record<string, unknown> {
  const v = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return v && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}

/** `value[key]` when it is an array of strings (other entries dropped), else undefined. */
export function stringsAt(value: unknown, key: string): string[] | undefined {
  const v = value && typeof value === 'object' ? (value as Record<string, unknown>)[key] : undefined;
  return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : undefined;
}
