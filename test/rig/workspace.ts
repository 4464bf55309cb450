import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/** The nx-fleet repository root (where its package.json and node_modules are). */
export function repoRoot(): string {
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'nx-fleet') return dir;
    const parent = path.dirname(dir);
    if (parent === dir) throw new Error(`nx-fleet repository root not found above ${__dirname}`);
    dir = parent;
  }
}

export interface RunResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface WorkspaceOptions {
  /** A folder to copy (without its node_modules, dist, .nx), e.g. `examples/polyglot`. */
  fixture?: string;
  /** Files to write (workspace-relative path -> content), after the fixture is copied. */
  files?: Record<string, string>;
  /** Where to create the workspace; default a new folder under the OS temp dir. */
  dir?: string;
  /** Make a first commit (default true). */
  commit?: boolean;
}

/** A real, temporary Nx workspace: files on disk, a git repository, linked node_modules. */
export class TestWorkspace {
  constructor(readonly root: string) {}

  path(rel: string): string {
    return path.join(this.root, rel);
  }

  write(rel: string, content: string): void {
    const file = this.path(rel);
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, content);
  }

  read(rel: string): string {
    return fs.readFileSync(this.path(rel), 'utf8');
  }

  remove(rel: string): void {
    fs.rmSync(this.path(rel), { recursive: true, force: true });
  }

  /** Environment for nx: no daemon, no cloud, no TUI, a cache folder inside this workspace. */
  env(extra: Record<string, string | undefined> = {}): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      NX_DAEMON: 'false',
      NX_NO_CLOUD: 'true',
      NX_TUI: 'false',
      NX_SKIP_NX_CACHE: undefined,
      NX_CACHE_DIRECTORY: this.path('.nx/cache'),
      NX_VERBOSE_LOGGING: undefined,
      NX_INTERACTIVE: 'false',
      FORCE_COLOR: '0',
      NO_COLOR: '1',
      ...extra,
    };
    // Vitest sets these for its own workers; they must not leak into nested vitest runs.
    for (const key of Object.keys(env)) if (key.startsWith('VITEST') || key === 'TEST') delete env[key];
    for (const [k, v] of Object.entries(extra)) if (v === undefined) delete env[k];
    return env;
  }

  /** Runs the repository's real `nx` in this workspace. */
  nx(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): RunResult {
    const nxBin = path.join(repoRoot(), 'node_modules', 'nx', 'dist', 'bin', 'nx.js');
    return toResult(
      spawnSync(process.execPath, [nxBin, ...args], {
        cwd: this.root,
        env: this.env(opts.env),
        encoding: 'utf8',
        timeout: opts.timeoutMs ?? 240_000,
        maxBuffer: 256 * 1024 * 1024,
      }),
    );
  }

  /** Like {@link nx} but throws with the output when nx exits non-zero. */
  nxOk(args: string[], opts: { env?: Record<string, string | undefined>; timeoutMs?: number } = {}): string {
    const r = this.nx(args, opts);
    if (r.code !== 0) throw new Error(`nx ${args.join(' ')} exited ${r.code}\n${r.stdout}\n${r.stderr}`);
    return r.stdout;
  }

  /** Runs the built `fleet` CLI in this workspace. */
  fleet(args: string[], opts: { env?: Record<string, string | undefined> } = {}): RunResult {
    const bin = path.join(repoRoot(), 'dist', 'cli', 'main.js');
    return toResult(
      spawnSync(process.execPath, [bin, ...args], {
        cwd: this.root,
        env: this.env(opts.env),
        encoding: 'utf8',
        timeout: 240_000,
        maxBuffer: 256 * 1024 * 1024,
      }),
    );
  }

  git(args: string[]): string {
    const r = spawnSync('git', args, { cwd: this.root, encoding: 'utf8', env: gitEnv() });
    if (r.status !== 0) throw new Error(`git ${args.join(' ')} failed: ${r.stderr}`);
    return r.stdout;
  }

  commit(message = 'change'): void {
    this.git(['add', '-A']);
    this.git(['commit', '-q', '--allow-empty', '-m', message]);
  }

  dispose(): void {
    fs.rmSync(this.root, { recursive: true, force: true });
  }
}

function toResult(r: SpawnSyncReturns<string>): RunResult {
  if (r.error) throw r.error;
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout ?? '', stderr: r.stderr ?? '' };
}

function gitEnv(): NodeJS.ProcessEnv {
  return {
    ...process.env,
    GIT_AUTHOR_NAME: 'fleet-test',
    GIT_AUTHOR_EMAIL: 'fleet-test@example.invalid',
    GIT_COMMITTER_NAME: 'fleet-test',
    GIT_COMMITTER_EMAIL: 'fleet-test@example.invalid',
    GIT_CONFIG_NOSYSTEM: '1',
  };
}

const SKIP_COPY = new Set(['node_modules', 'dist', '.nx', '.git']);

function copyTree(from: string, to: string): void {
  fs.mkdirSync(to, { recursive: true });
  for (const entry of fs.readdirSync(from, { withFileTypes: true })) {
    if (SKIP_COPY.has(entry.name)) continue;
    const src = path.join(from, entry.name);
    const dst = path.join(to, entry.name);
    if (entry.isDirectory()) copyTree(src, dst);
    else if (entry.isSymbolicLink()) fs.symlinkSync(fs.readlinkSync(src), dst);
    else fs.copyFileSync(src, dst);
  }
}

/** Expands npm/yarn/pnpm workspace globs of the simple kinds (`dir/*`, `dir/**`, `dir`). */
export function workspacePackageDirs(root: string): string[] {
  const patterns: string[] = [];
  const pkgFile = path.join(root, 'package.json');
  if (fs.existsSync(pkgFile)) {
    try {
      const ws = JSON.parse(fs.readFileSync(pkgFile, 'utf8')).workspaces;
      patterns.push(...(Array.isArray(ws) ? ws : (ws?.packages ?? [])));
    } catch {
      /* a malformed package.json is the plugin's diagnostic to give, not the rig's */
    }
  }
  const pnpm = path.join(root, 'pnpm-workspace.yaml');
  if (fs.existsSync(pnpm)) {
    for (const m of fs.readFileSync(pnpm, 'utf8').matchAll(/^\s*-\s*['"]?([^'"\n#]+?)['"]?\s*$/gm)) patterns.push(m[1]);
  }
  const dirs: string[] = [];
  for (const pattern of patterns) {
    if (pattern.startsWith('!')) continue;
    const base = pattern.replace(/\/\*\*?$/, '');
    const abs = path.join(root, base);
    if (!fs.existsSync(abs)) continue;
    if (base === pattern) dirs.push(abs);
    else
      for (const e of fs.readdirSync(abs, { withFileTypes: true }))
        if (e.isDirectory() && fs.existsSync(path.join(abs, e.name, 'package.json'))) dirs.push(path.join(abs, e.name));
  }
  return dirs;
}

/**
 * Gives a workspace a node_modules: a link to every package of the repository's node_modules,
 * `nx-fleet` linked to the repository (its built dist), and the workspace's own packages linked
 * by name, as npm workspaces would.
 */
export function linkNodeModules(root: string): void {
  const repo = repoRoot();
  const nm = path.join(root, 'node_modules');
  fs.mkdirSync(nm, { recursive: true });
  const repoNm = path.join(repo, 'node_modules');
  for (const name of fs.readdirSync(repoNm)) {
    if (name === '.bin' || name === '.package-lock.json' || name.startsWith('.')) continue;
    if (name.startsWith('@')) {
      fs.mkdirSync(path.join(nm, name), { recursive: true });
      for (const sub of fs.readdirSync(path.join(repoNm, name)))
        linkIfAbsent(path.join(repoNm, name, sub), path.join(nm, name, sub));
    } else linkIfAbsent(path.join(repoNm, name), path.join(nm, name));
  }
  linkIfAbsent(repo, path.join(nm, 'nx-fleet'));
  fs.mkdirSync(path.join(nm, '.bin'), { recursive: true });
  for (const bin of fs.readdirSync(path.join(repoNm, '.bin')))
    linkIfAbsent(path.join(repoNm, '.bin', bin), path.join(nm, '.bin', bin));
  // nx-fleet's own bin, as npm installs it (inferred targets such as `<test>-changed` run `fleet`).
  const fleetBin = path.join(nm, '.bin', 'fleet');
  if (!fs.existsSync(fleetBin))
    fs.writeFileSync(
      fleetBin,
      `#!/bin/sh\nexec "${process.execPath}" "${path.join(repo, 'dist', 'cli', 'main.js')}" "$@"\n`,
      {
        mode: 0o755,
      },
    );
  for (const dir of workspacePackageDirs(root)) {
    let name: string | undefined;
    try {
      name = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')).name;
    } catch {
      continue;
    }
    if (!name) continue;
    const link = path.join(nm, name);
    fs.mkdirSync(path.dirname(link), { recursive: true });
    fs.rmSync(link, { force: true, recursive: false });
    fs.symlinkSync(path.relative(path.dirname(link), dir), link);
  }
}

function linkIfAbsent(target: string, link: string): void {
  if (!fs.existsSync(link)) fs.symlinkSync(target, link);
}

/** Creates a temporary workspace from a fixture and/or files, git-initialised and committed. */
export function createWorkspace(opts: WorkspaceOptions = {}): TestWorkspace {
  const root = opts.dir ?? fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-ws-'));
  if (opts.fixture) copyTree(path.resolve(repoRoot(), opts.fixture), root);
  const ws = new TestWorkspace(root);
  for (const [rel, content] of Object.entries(opts.files ?? {})) ws.write(rel, content);
  const ignore = path.join(root, '.gitignore');
  if (!fs.existsSync(ignore)) fs.writeFileSync(ignore, 'node_modules\ndist\n.nx\n');
  linkNodeModules(root);
  ws.git(['init', '-q', '-b', 'main']);
  if (opts.commit !== false) ws.commit('initial');
  return ws;
}
