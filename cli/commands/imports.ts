import type { Command } from 'commander';

/** `fleet imports FILE... [--json]`: the raw import specifiers of each file. */
export function registerImportsCommand(program: Command): void {
  program
    .command('imports')
    .description('print the import specifiers each file contains, as the file graph extracts them')
    .argument('<files...>', 'source files')
    .option('--json', 'print the documented JSON shape (docs/json-output.md)')
    .action(async () => {
      throw Object.assign(new Error('fleet imports is being built'), { code: 'FLEET_UNAVAILABLE' });
    });
}
