import * as path from 'node:path';
import type { Command } from 'commander';
import { selectTests, type TestSelection } from '../../graph/test-selection';
import {
  changedFromOptions,
  reportingInputErrors,
  withChangeOptions,
  workspaceFileReader,
  type ChangeOptions,
} from './affected';
import { loadGraphIndex } from './why';

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
  withChangeOptions(
    program
      .command('affected-tests')
      .description(
        'print the test files (vitest, jest, pytest) a change can break; all of a project when the graph cannot see the change',
      ),
  ).action((opts: ChangeOptions) =>
    reportingInputErrors(async () => {
      const root = path.resolve(opts.cwd);
      const changed = changedFromOptions(root, opts);
      const result = selectTests(await loadGraphIndex(root), changed, workspaceFileReader(root));
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : humanReadable(result));
    }),
  );
}
