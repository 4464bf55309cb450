import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseJsonc } from './parse-jsonc';
import type { Diagnostic, WorkspacePath } from './types';

/** A file outside the workspace file set that resolution read (a tsconfig `extends` from node_modules). */
export interface ExternalInput {
  path: string;
  mtimeMs?: number;
  size?: number;
  /** Set for existence probes (node_modules/<name>), instead of mtime and size. */
  exists?: boolean;
}

/**
 * The workspace as resolution sees it: the set of known files (resolution probes this set, not
 * the disk, so its result depends only on the file list and the config files' contents, which
 * is what makes the cache rule simple), plus cached reads of JSON config files.
 * One instance per build; nothing here outlives it.
 */
export class WorkspaceFiles {
  readonly diagnostics: Diagnostic[] = [];
  readonly externalInputs = new Map<string, ExternalInput>();
  private readonly json = new Map<string, unknown>();
  private dirs: Set<string> | undefined;

  constructor(
    readonly root: string,
    private readonly files: ReadonlySet<WorkspacePath>,
  ) {}

  has(rel: string): boolean {
    return this.files.has(rel);
  }

  /** True when some file of the set lies under `dir` (`.` is the root): probes skip missing folders at once. */
  hasDir(dir: string): boolean {
    if (!this.dirs) {
      const dirs = new Set<string>(['.', '']);
      for (const f of this.files) {
        for (let i = f.lastIndexOf('/'); i > 0; i = f.lastIndexOf('/', i - 1)) {
          const d = f.slice(0, i);
          if (dirs.has(d)) break;
          dirs.add(d);
        }
      }
      this.dirs = dirs;
    }
    return this.dirs.has(dir);
  }

  all(): Iterable<WorkspacePath> {
    return this.files;
  }

  /** Whether a path outside the file set exists (a node_modules package); recorded as an input. */
  existsOutside(abs: string): boolean {
    const known = this.externalInputs.get(abs);
    if (known?.exists !== undefined) return known.exists;
    const exists = fs.existsSync(abs);
    this.externalInputs.set(abs, { path: abs, exists });
    return exists;
  }

  /** Parsed content of a workspace JSON(C) file; undefined when missing or malformed (one diagnostic). */
  readJson(rel: string): unknown {
    if (this.json.has(rel)) return this.json.get(rel);
    let value: unknown;
    let text: string | undefined;
    try {
      text = fs.readFileSync(path.join(this.root, rel), 'utf8');
    } catch {
      text = undefined;
    }
    if (text !== undefined) value = this.parse(rel, text);
    this.json.set(rel, value);
    return value;
  }

  /** Like {@link readJson} for a file outside the file set (absolute path); records it as an input. */
  readExternalJson(abs: string): unknown {
    const key = `abs:${abs}`;
    if (this.json.has(key)) return this.json.get(key);
    let value: unknown;
    try {
      const stat = fs.statSync(abs);
      this.externalInputs.set(abs, { path: abs, mtimeMs: stat.mtimeMs, size: stat.size });
      value = this.parse(toWorkspacePath(this.root, abs), fs.readFileSync(abs, 'utf8'));
    } catch {
      value = undefined;
    }
    this.json.set(key, value);
    return value;
  }

  private parse(file: string, text: string): unknown {
    // package.json is strict JSON; tsconfig/jsconfig files allow comments and trailing commas.
    const isPackageJson = path.basename(file) === 'package.json';
    const r = parseJsonc(text, { jsonc: !isPackageJson });
    if (r.ok) return r.value;
    const code = isPackageJson ? 'PACKAGE_JSON_INVALID' : 'TSCONFIG_INVALID';
    // Same message shape as project inference's (graph/projects/read-json.ts), so the two agree.
    this.diagnostics.push({ file, line: r.line, code, message: `${file}:${r.line}:${r.column}: ${r.message}` });
    return undefined;
  }
}

/** Workspace-relative path with forward slashes (may start with `../` for files outside). */
export function toWorkspacePath(root: string, abs: string): WorkspacePath {
  return path.relative(root, abs).split(path.sep).join('/');
}
