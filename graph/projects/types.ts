/**
 * Types of TS/JS project inference. Types only. The target shape is structurally Nx's
 * `TargetConfiguration` (graph/ does not import Nx, so the `fleet` CLI can infer without it).
 */
import type { Diagnostic, WorkspacePath } from '../types';

/** One entry of a target's `inputs`, as Nx reads it. */
export type TargetInput =
  | string
  | { fileset: string; dependencies?: boolean }
  | { externalDependencies: string[] }
  | { env: string }
  | { runtime: string }
  | { input: string; dependencies?: boolean };

/** An inferred target, in Nx's `TargetConfiguration` shape. */
export interface InferredTarget {
  /** An `nx:run-commands` target has a command; an executor target names its executor instead. */
  command?: string;
  executor?: string;
  options: { cwd: string; [option: string]: unknown };
  cache: boolean;
  inputs: TargetInput[];
  outputs: string[];
  dependsOn?: string[];
  /** Shown by `nx show project` and Nx Console. */
  metadata: {
    technologies: string[];
    description: string;
    help: { command: string; example: Record<string, unknown> };
  };
}

/** How a project root came to be. */
export type ProjectSource =
  /** A package.json matched by the workspaces globs: Nx core creates this project. */
  | 'package-json'
  /** A folder with project.json: Nx core creates this project. */
  | 'project-json'
  /** A folder with tsconfig.json and sources but no package.json: nx-fleet creates it. */
  | 'tsconfig';

export type Language = 'typescript' | 'javascript';

/** One inferred project. */
export interface InferredProject {
  name: string;
  /** Workspace-relative root, `.` for the workspace root. */
  root: WorkspacePath;
  source: ProjectSource;
  /** The file that makes this folder a project (package.json, project.json or tsconfig.json). */
  configFile: WorkspacePath;
  /** True when Nx core already creates this project; the plugin then only adds targets. */
  createdByNxCore: boolean;
  languages: Language[];
  targets: Record<string, InferredTarget>;
  /** Targets the user wrote (project.json, package.json scripts, `nx.targets`): never inferred over. */
  userTargets: string[];
}

/** Result of inference: never throws for a bad file; each bad file is one diagnostic. */
export interface InferenceResult {
  projects: InferredProject[];
  diagnostics: Diagnostic[];
}

/** Read access to the workspace; paths are workspace-relative with forward slashes. */
export interface WorkspaceReader {
  /** The file's text, or undefined when it does not exist or is not a file. */
  readFile(path: WorkspacePath): string | undefined;
  /** Entries of a folder (names only, with a flag for folders); empty when it does not exist. */
  readDir(path: WorkspacePath): Array<{ name: string; dir: boolean }>;
}
