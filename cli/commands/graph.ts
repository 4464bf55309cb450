import type { Command } from 'commander';

/** `fleet graph [--cwd DIR] [--json] [--files]`: the inferred projects and file graph. */
export function registerGraphCommand(program: Command): void {
  program
    .command('graph')
    .description('print the projects nx-fleet infers and, with --files, the file-level dependency graph')
    .option('--cwd <dir>', 'workspace root', process.cwd())
    .option('--json', 'print the documented JSON shape (docs/json-output.md)')
    .option('--files', 'include the file-level graph')
    .action(async () => {
      throw Object.assign(new Error('fleet graph is being built'), { code: 'FLEET_UNAVAILABLE' });
    });
}
