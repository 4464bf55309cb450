import { parse as parseYaml } from 'yaml';
import type { Diagnostic } from '../types';
import { globToRegExp } from '../glob-to-regexp';
import { DiagnosticCodes, readJson, stringsAt } from './read-json';
import type { WorkspaceReader } from './types';

/** Which package.json files are workspace packages, decided the way Nx core decides it. */
export interface WorkspaceGlobs {
  /** True for a workspace-relative package.json path that Nx core makes a project of. */
  isWorkspacePackage(packageJsonPath: string): boolean;
  /** The root package.json, parsed (undefined when missing or malformed). */
  rootPackageJson: Record<string, unknown> | undefined;
  diagnostics: Diagnostic[];
}

/**
 * Reads the npm/yarn `workspaces` field, `pnpm-workspace.yaml` and `lerna.json` package
 * globs. Mirrors Nx core's package.json plugin (nx/src/plugins/package-json) so that
 * "Nx core creates this project" is predicted exactly; the root package.json counts only
 * when it has an `nx` field, as in Nx.
 */
export function readWorkspaceGlobs(reader: WorkspaceReader): WorkspaceGlobs {
  const diagnostics: Diagnostic[] = [];
  const root = readJson(reader, 'package.json', DiagnosticCodes.packageJson, false);
  if (root.kind === 'invalid') diagnostics.push(root.diagnostic);
  const rootPackageJson = root.kind === 'ok' ? root.value : undefined;
  const patterns: string[] = [];
  const ws = rootPackageJson?.workspaces;
  patterns.push(...(Array.isArray(ws) ? ws.filter((x) => typeof x === 'string') : (stringsAt(ws, 'packages') ?? [])));
  patterns.push(...readPnpmPatterns(reader, diagnostics));
  const lerna = readJson(reader, 'lerna.json', 'LERNA_JSON_INVALID', false);
  if (lerna.kind === 'ok') {
    const pkgs = stringsAt(lerna.value, 'packages');
    patterns.push(...(pkgs?.length ? pkgs : ['packages/*']));
  }
  const toPkg = (p: string) => (p.endsWith('/package.json') ? p : `${p.replace(/\/+$/, '')}/package.json`);
  const positive = patterns.filter((p) => !p.startsWith('!')).map((p) => globToRegExp(toPkg(p), false));
  const negative = patterns.filter((p) => p.startsWith('!')).map((p) => globToRegExp(toPkg(p.slice(1)), false));
  if (negative.length && !positive.length) positive.push(globToRegExp('**/package.json', false));
  const rootIsProject = rootPackageJson !== undefined && rootPackageJson.nx !== undefined;
  return {
    rootPackageJson,
    diagnostics,
    isWorkspacePackage: (p) =>
      p === 'package.json' ? rootIsProject : positive.some((r) => r.test(p)) && !negative.some((r) => r.test(p)),
  };
}

function readPnpmPatterns(reader: WorkspaceReader, diagnostics: Diagnostic[]): string[] {
  const text = reader.readFile('pnpm-workspace.yaml');
  if (text === undefined) return [];
  try {
    const doc = parseYaml(text) as unknown;
    return stringsAt(doc, 'packages') ?? [];
  } catch (e) {
    const line = (e as { linePos?: Array<{ line: number }> }).linePos?.[0]?.line;
    const message = `pnpm-workspace.yaml${line ? `:${line}` : ''}: ${(e as Error).message.split('\n')[0]}`;
    diagnostics.push({ file: 'pnpm-workspace.yaml', line, code: DiagnosticCodes.pnpmWorkspace, message });
    return [];
  }
}
