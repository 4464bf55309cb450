import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { selectTests, type TestSelection } from '../../graph/test-selection';
import { AffectedInputError, changedFiles } from './affected';
import { loadGraphIndex, toWorkspacePath } from './why';

function humanReadable(s: TestSelection): string {
  const out = [`${s.changed.length} changed files; ${s.selectedFiles} of ${s.totalFiles} test files selected`];
  for (const p of s.projects) {
    if (p.selected.length === 0) continue;
    out.push(
      `  ${p.project}: ${p.selected.length}/${p.testFiles.length}${p.all ? ` (all: ${p.allBecause} is not in the import graph)` : ''}`,
    );
    if (!p.all)
      for (const f of p.selected)
        out.push(
          `    ${f.file}  ${
            f.reason.kind === 'changed-test'
              ? 'changed'
              : f.reason.kind === 'imports'
                ? `imports ${f.reason.changed}`
                : f.reason.kind === 'unresolved-import'
                  ? `${f.reason.file} has an import the graph cannot resolve`
                  : f.reason.kind === 'computed-import'
                    ? `${f.reason.file} has a computed import; ${f.reason.changed} is in its reach`
                    : ''
          }`,
        );
  }
  return `${out.join('\n')}\n`;
}

/** `fleet affected-tests (--base B [--head H] | --files F...) [--cwd DIR] [--json]`: test selection to the file. */
export function registerAffectedTestsCommand(program: Command): void {
  program
    .command('affected-tests')
    .description(
      'print the test files (vitest, jest, pytest) a change can break; all of a project when the graph cannot see the change',
    )
    .option('--base <ref>', 'compare against this git ref (from the merge base)')
    .option('--head <ref>', 'with --base: the other end (default: the working tree and untracked files)')
    .option('--files <files...>', 'the changed files, instead of git')
    .option('--cwd <dir>', 'workspace root', process.cwd())
    .option('--json', 'print the JSON shape (docs/json-output.md)')
    .action(async (opts: { base?: string; head?: string; files?: string[]; cwd: string; json?: boolean }) => {
      const root = path.resolve(opts.cwd);
      try {
        if (!opts.files === !opts.base)
          throw new AffectedInputError(
            'FLEET_AFFECTED_NO_CHANGE',
            'give the change: --base <ref> [--head <ref>] or --files <files...>',
          );
        const changed = opts.files
          ? opts.files.map((f) => toWorkspacePath(root, f))
          : changedFiles(root, opts.base as string, opts.head);
        const read = (f: string): string | undefined => {
          try {
            return fs.readFileSync(path.join(root, f), 'utf8');
          } catch {
            return undefined;
          }
        };
        const result = selectTests(await loadGraphIndex(root), changed, read);
        process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : humanReadable(result));
      } catch (err) {
        if (!(err instanceof AffectedInputError)) throw err;
        process.stderr.write(`fleet: ${err.message} [${err.code}]\n`);
        process.exitCode = 2;
      }
    });
}
