import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { extractFileImports } from '../../graph';
import type { ImportKind } from '../../graph';
import { extractDockerImports, isDockerfileName, type DockerImports } from '../../graph/docker';
import { pythonAnalyzer, pythonImportsJson, type PythonImportJson } from '../../graph/python';

/**
 * One element of `fleet imports --json` (docs/json-output.md). Dockerfiles also carry their
 * per-instruction `stages` and `instructions` (docs/dockerfiles.md).
 */
export interface FileImportsJson extends Partial<Pick<DockerImports, 'stages' | 'instructions'>> {
  file: string;
  /** Python files (.py, .pyi) list {@link PythonImportJson} items: `{ specifier, level, kind, weak, line }`. */
  imports: Array<{ specifier: string; kind: ImportKind; line: number } | PythonImportJson>;
}

/**
 * `fleet imports FILE... [--json]`: the raw import specifiers of each file, extracted exactly as
 * the file graph does. A file that cannot be analyzed (unknown type, unreadable) is reported on
 * stderr with its code; the others are still printed, and the exit code is 1.
 */
export function registerImportsCommand(program: Command): void {
  program
    .command('imports')
    .description('print the import specifiers each file contains, as the file graph extracts them')
    .argument('<files...>', 'source files')
    .option('--json', 'print the documented JSON shape (docs/json-output.md)')
    .action((files: string[], opts: { json?: boolean }) => {
      const results: FileImportsJson[] = [];
      let failed = false;
      for (const file of files) {
        const r = extractFileImports(path.resolve(file), file);
        if (!r.ok) {
          process.stderr.write(`fleet: ${r.message} [${r.code}]\n`);
          failed = true;
          continue;
        }
        for (const d of r.diagnostics)
          process.stderr.write(`fleet: ${file}${d.line ? `:${d.line}` : ''}: ${d.message} [${d.code}]\n`);
        const entry: FileImportsJson = {
          file,
          imports: r.imports.map(({ specifier, kind, line }) => ({ specifier, kind, line })),
        };
        if (pythonAnalyzer.handles(file))
          entry.imports = pythonImportsJson(fs.readFileSync(path.resolve(file), 'utf8'), file).imports;
        if (isDockerfileName(file)) {
          const { stages, instructions } = extractDockerImports(file, fs.readFileSync(path.resolve(file), 'utf8'));
          Object.assign(entry, { stages, instructions });
        }
        results.push(entry);
      }
      process.stdout.write(opts.json ? `${JSON.stringify(results, null, 2)}\n` : humanReadable(results));
      if (failed) process.exitCode = 1;
    });
}

function humanReadable(results: FileImportsJson[]): string {
  return results
    .map((r) => {
      const lines = r.imports.map(
        (i) =>
          `  ${String(i.line).padStart(4)}  ${i.kind.padEnd(9)} ${'level' in i ? '.'.repeat(i.level) : ''}${i.specifier}`,
      );
      return `${r.file}\n${lines.length ? lines.join('\n') : '  (no imports)'}\n`;
    })
    .join('');
}
