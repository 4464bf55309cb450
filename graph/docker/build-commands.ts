/**
 * `docker build` commands the repository itself runs: in project.json targets (`command`,
 * `options.command`, `options.commands`) and package.json scripts. Their `-f` and context
 * arguments tell which folder a Dockerfile is built from, which is what a user expects
 * nx-fleet to use (docs/dockerfiles.md, "Build context").
 */
import * as posix from 'node:path/posix';

/** One `docker build` found in the repository, resolved to workspace-relative paths. */
export interface FoundBuildCommand {
  /** The Dockerfile it builds (`<context>/Dockerfile` when no `-f`). */
  dockerfile: string;
  context: string;
  /** Where it was found, e.g. `apps/api/project.json (targets.docker)` or `package.json (scripts.image)`. */
  origin: string;
}

/** Flags of `docker build` / `buildx build` that take no value (every other flag takes one). */
const BOOLEAN_FLAGS = new Set([
  '--load',
  '--push',
  '--no-cache',
  '--pull',
  '-q',
  '--quiet',
  '--rm',
  '--force-rm',
  '--compress',
  '--squash',
  '--disable-content-trust',
  '--check',
]);
const SEPARATORS = new Set(['&&', '||', ';', '|', '&']);

/** Words of a shell command line: quotes removed, separators as words of their own. */
export function shellWords(command: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  for (let i = 0; i < command.length; i++) {
    const c = command[i];
    if (c === "'" || c === '"') {
      const close = command.indexOf(c, i + 1);
      word += command.slice(i + 1, close === -1 ? command.length : close);
      inWord = true;
      i = close === -1 ? command.length : close;
    } else if (c === '\\' && i + 1 < command.length) {
      word += command[++i];
      inWord = true;
    } else if (/\s/.test(c) || c === ';' || c === '|' || c === '&') {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
      if (c === ';' || c === '|' || c === '&') {
        const two = command.slice(i, i + 2);
        if (two === '&&' || two === '||') {
          words.push(two);
          i++;
        } else words.push(c);
      }
    } else {
      word += c;
      inWord = true;
    }
  }
  if (inWord) words.push(word);
  return words;
}

/** The `-f` and context arguments of each `docker build` in one command line (paths as written). */
export function dockerBuildArguments(command: string): Array<{ file?: string; context: string }> {
  const words = shellWords(command);
  const out: Array<{ file?: string; context: string }> = [];
  for (let i = 0; i < words.length; i++) {
    const start = buildStart(words, i);
    if (start === undefined) continue;
    let file: string | undefined;
    const positional: string[] = [];
    let j = start;
    for (; j < words.length && !SEPARATORS.has(words[j]); j++) {
      const w = words[j];
      if (w === '-f' || w === '--file') file = words[++j];
      else if (w.startsWith('--file=')) file = w.slice(7);
      else if (/^-f./.test(w)) file = w.slice(2);
      else if (w.startsWith('-') && w !== '-') {
        if (!w.includes('=') && !BOOLEAN_FLAGS.has(w)) j++;
      } else positional.push(w);
    }
    const context = positional[positional.length - 1];
    if (context !== undefined) out.push({ file, context });
    i = j;
  }
  return out;
}

/** Index after `docker build`, `docker image build` or `docker buildx build` at `i`. */
function buildStart(words: string[], i: number): number | undefined {
  if (words[i] !== 'docker' && words[i] !== 'podman') return undefined;
  if (words[i + 1] === 'build') return i + 2;
  if ((words[i + 1] === 'buildx' || words[i + 1] === 'image') && words[i + 2] === 'build') return i + 3;
  return undefined;
}

/**
 * Every `docker build` in the given project.json and package.json files whose paths are
 * literal (no `$`, no URL, no stdin). project.json commands run in the workspace root unless
 * `options.cwd` says otherwise (nx:run-commands); package.json scripts run in their folder.
 */
export function findBuildCommands(
  configFiles: readonly string[],
  readFile: (file: string) => string | undefined,
): FoundBuildCommand[] {
  const out: FoundBuildCommand[] = [];
  for (const file of configFiles) {
    const name = posix.basename(file);
    if (name !== 'project.json' && name !== 'package.json') continue;
    const text = readFile(file);
    if (!text || (!text.includes('docker') && !text.includes('podman'))) continue;
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch {
      continue; // reported by the TS/JS inference
    }
    const dir = posix.dirname(file);
    const commands = name === 'project.json' ? projectJsonCommands(json) : packageJsonScripts(json, dir);
    for (const c of commands) {
      for (const a of dockerBuildArguments(c.command)) {
        const cwd = c.cwd ?? '.';
        const resolved = resolveArguments(cwd, a);
        if (resolved) out.push({ ...resolved, origin: `${file} (${c.where})` });
      }
    }
  }
  return out;
}

function resolveArguments(
  cwd: string,
  a: { file?: string; context: string },
): { dockerfile: string; context: string } | undefined {
  const literal = (p: string) => !p.includes('$') && !p.includes('://') && p !== '-' && !p.startsWith('/');
  if (!literal(a.context) || (a.file !== undefined && !literal(a.file))) return undefined;
  const context = posix.normalize(posix.join(cwd, a.context));
  if (context.startsWith('..')) return undefined;
  const dockerfile =
    a.file === undefined ? posix.join(context, 'Dockerfile') : posix.normalize(posix.join(cwd, a.file));
  return { dockerfile: dockerfile.replace(/^\.\//, ''), context: context === '' ? '.' : context };
}

interface FoundCommand {
  command: string;
  /** Workspace-relative folder it runs in; undefined for the workspace root. */
  cwd?: string;
  where: string;
}

function projectJsonCommands(json: unknown): FoundCommand[] {
  const targets = (json as { targets?: Record<string, unknown> } | null)?.targets;
  if (!targets || typeof targets !== 'object') return [];
  const out: FoundCommand[] = [];
  for (const [name, t] of Object.entries(targets)) {
    const target = t as {
      command?: unknown;
      options?: { command?: unknown; commands?: unknown; cwd?: unknown };
    } | null;
    const cwd = typeof target?.options?.cwd === 'string' ? posix.normalize(target.options.cwd) : undefined;
    const where = `targets.${name}`;
    for (const c of [target?.command, target?.options?.command])
      if (typeof c === 'string') out.push({ command: c, cwd, where });
    const list = target?.options?.commands;
    if (Array.isArray(list)) {
      for (const c of list) {
        const command = typeof c === 'string' ? c : (c as { command?: unknown } | null)?.command;
        if (typeof command === 'string') out.push({ command, cwd, where });
      }
    }
  }
  return out;
}

function packageJsonScripts(json: unknown, dir: string): FoundCommand[] {
  const scripts = (json as { scripts?: Record<string, unknown> } | null)?.scripts;
  if (!scripts || typeof scripts !== 'object') return [];
  return Object.entries(scripts)
    .filter((e): e is [string, string] => typeof e[1] === 'string')
    .map(([name, command]) => ({ command, cwd: dir === '.' ? undefined : dir, where: `scripts.${name}` }));
}
