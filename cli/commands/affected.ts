import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { affectedBy, type AffectedFile, type AffectedResult, type ProjectReason } from '../../graph/query';
import { loadGraphIndex, toWorkspacePath } from './why';

/** A failure of `fleet affected` before any graph work: one diagnostic, exit code 2. */
export class AffectedInputError extends Error {
  constructor(
    readonly code: 'FLEET_AFFECTED_GIT_FAILED' | 'FLEET_AFFECTED_UNKNOWN_FILE' | 'FLEET_AFFECTED_NO_CHANGE',
    message: string,
  ) {
    super(message);
  }
}

function git(root: string, args: string[]): string {
  try {
    return execFileSync('git', args, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const stderr = String((err as { stderr?: string }).stderr ?? (err as Error).message).trim();
    throw new AffectedInputError('FLEET_AFFECTED_GIT_FAILED', `git ${args.join(' ')}: ${stderr.split('\n')[0]}`);
  }
}

/**
 * The changed files between `base` and `head` as Nx computes them: from the merge base; without
 * a head, the working tree against it plus untracked files. Workspace-relative (`--relative`).
 */
export function changedFiles(root: string, base: string, head?: string): string[] {
  const mergeBase = git(root, ['merge-base', base, head ?? 'HEAD']).trim();
  const lines = git(root, ['diff', '--name-only', '--relative', mergeBase, ...(head ? [head] : [])]).split('\n');
  if (!head) lines.push(...git(root, ['ls-files', '--others', '--exclude-standard']).split('\n'));
  return [...new Set(lines.filter((l) => l !== ''))].sort();
}

function reasonText(r: ProjectReason): string {
  if (r.kind === 'touched') return `owns ${r.file}`;
  if (r.kind === 'global') return `${r.file} changed (affects every project)`;
  return `depends on ${r.touched} (owns ${r.file}): ${[r.chain[0].from, ...r.chain.map((s) => s.to)].join(' -> ')}`;
}

function fileChain(f: AffectedFile): string {
  if (f.chain.length === 0) return 'changed';
  return (
    [...f.chain]
      .reverse()
      .map((s) => `${s.from}${s.line ? `:${s.line}` : ''}`)
      .join(' -> ') + ` -> ${f.changed}`
  );
}

function humanReadable(r: AffectedResult): string {
  const out = [`${r.changed.length} changed files`];
  out.push(`${r.projects.length} affected projects`);
  for (const p of r.projects)
    out.push(`  ${p.project}  ${reasonText(p.reason)}${p.byFiles ? '' : '  [no file imports the change]'}`);
  out.push(`${r.tasks.length} affected tasks`);
  for (const t of r.tasks) out.push(`  ${t.task}`);
  out.push(`${r.testFiles.length} affected test files`);
  for (const f of r.testFiles) out.push(`  ${f.file}  ${fileChain(f)}`);
  out.push(`${r.files.length} affected files`);
  for (const f of r.files) out.push(`  ${f.file}  ${fileChain(f)}`);
  return `${out.join('\n')}\n`;
}

/** `fleet affected [--base B [--head H] | --files F...] [--cwd DIR] [--json]`. */
export function registerAffectedCommand(program: Command): void {
  withChangeOptions(
    program
      .command('affected')
      .description(
        'print the files, projects, tasks and test files a change affects, each with the chain that makes it affected',
      ),
  ).action((opts: ChangeOptions) =>
    reportingInputErrors(async () => {
      const root = path.resolve(opts.cwd);
      const changed = changedFromOptions(root, opts);
      const g = await loadGraphIndex(root);
      if (opts.files) {
        const unknown = changed.filter((f) => !g.fileId.has(f) && !fs.existsSync(path.join(root, f)));
        if (unknown.length > 0)
          throw new AffectedInputError(
            'FLEET_AFFECTED_UNKNOWN_FILE',
            `${unknown.join(', ')}: not a file of the workspace (paths are relative to ${root} or to the current folder)`,
          );
      }
      const result = affectedBy(g, changed);
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : humanReadable(result));
    }),
  );
}

/** The change options `fleet affected` and `fleet affected-tests` share. */
export interface ChangeOptions {
  base?: string;
  head?: string;
  files?: string[];
  cwd: string;
  json?: boolean;
}

/** Adds `--base/--head/--files/--cwd/--json` (one wording for both commands). */
export function withChangeOptions(cmd: Command): Command {
  return cmd
    .option('--base <ref>', 'compare against this git ref (from the merge base, as nx affected)')
    .option('--head <ref>', 'with --base: the other end (default: the working tree and untracked files)')
    .option('--files <files...>', 'the changed files, instead of git')
    .option('--cwd <dir>', 'workspace root', process.cwd())
    .option('--json', 'print the documented JSON shape (docs/json-output.md)');
}

/** The changed files the options name (workspace-relative); a missing or double change is an input error. */
export function changedFromOptions(root: string, opts: ChangeOptions): string[] {
  if (opts.files && opts.base)
    throw new AffectedInputError('FLEET_AFFECTED_NO_CHANGE', 'give --files or --base, not both');
  if (!opts.files && !opts.base)
    throw new AffectedInputError(
      'FLEET_AFFECTED_NO_CHANGE',
      'give the change: --base <ref> [--head <ref>] or --files <files...>',
    );
  return opts.files
    ? opts.files.map((f) => toWorkspacePath(root, f))
    : changedFiles(root, opts.base as string, opts.head);
}

/** Reads a workspace file's text for the test selection (undefined: it is gone, or unreadable). */
export function workspaceFileReader(root: string): (file: string) => string | undefined {
  return (f) => {
    try {
      return fs.readFileSync(path.join(root, f), 'utf8');
    } catch {
      return undefined;
    }
  };
}

/** Runs a change command's body: an input error is one diagnostic and exit code 2. */
export async function reportingInputErrors(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    if (!(err instanceof AffectedInputError)) throw err;
    process.stderr.write(`fleet: ${err.message} [${err.code}]\n`);
    process.exitCode = 2;
  }
}
