import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { GraphIndex, resolveEndpoint, why, type WhyResult } from '../../graph/query';
import { computeGraph } from './graph';

/** The graph the queries read: `fleet graph --files --lines`, indexed. */
export async function loadGraphIndex(root: string): Promise<GraphIndex> {
  return new GraphIndex(await computeGraph(root, true, true));
}

/**
 * A path as the user typed it, made workspace-relative: relative to the current folder when it
 * names something there inside the workspace, else taken as workspace-relative already.
 */
export function toWorkspacePath(root: string, text: string): string {
  const abs = path.resolve(text);
  const rel = path.relative(root, abs);
  if (fs.existsSync(abs) && rel !== '' && !rel.startsWith('..') && !path.isAbsolute(rel))
    return rel.split(path.sep).join('/');
  return text.replace(/\\/g, '/').replace(/^\.\//, '');
}

function humanReadable(r: WhyResult): string {
  if (!r.found) return `${r.from} does not depend on ${r.to}\n`;
  const out = [`${r.from} -> ${r.to}: ${r.chain.length} step${r.chain.length === 1 ? '' : 's'}`];
  if (r.kind === 'files')
    for (const s of r.chain) out.push(`  ${s.from}${s.line ? `:${s.line}` : ''}  imports  ${s.to}`);
  else
    for (const s of r.chain)
      out.push(
        `  ${s.from} -> ${s.to}  (${s.type}${
          s.sourceFile
            ? `; ${s.sourceFile}${s.line ? `:${s.line}` : ''}${s.targetFile ? ` imports ${s.targetFile}` : ''}`
            : ''
        })`,
      );
  return `${out.join('\n')}\n`;
}

/** `fleet why <from> <to> [--cwd DIR] [--json]`: the shortest import chain between two files or projects. */
export function registerWhyCommand(program: Command): void {
  program
    .command('why')
    .description('print the shortest import chain from one file or project to another, with the line of each import')
    .argument('<from>', 'a project name or a file')
    .argument('<to>', 'a project name or a file')
    .option('--cwd <dir>', 'workspace root', process.cwd())
    .option('--json', 'print the documented JSON shape (docs/json-output.md)')
    .action(async (fromText: string, toText: string, opts: { cwd: string; json?: boolean }) => {
      const root = path.resolve(opts.cwd);
      const g = await loadGraphIndex(root);
      const from = resolveEndpoint(g, g.data.projects[fromText] ? fromText : toWorkspacePath(root, fromText));
      const to = resolveEndpoint(g, g.data.projects[toText] ? toText : toWorkspacePath(root, toText));
      const bad = [from, to].filter((e) => 'code' in e);
      if (bad.length > 0) {
        for (const e of bad) if ('code' in e) process.stderr.write(`fleet: ${e.message} [${e.code}]\n`);
        process.exitCode = 2;
        return;
      }
      if ('code' in from || 'code' in to) return;
      const result = why(g, from, to);
      process.stdout.write(opts.json ? `${JSON.stringify(result, null, 2)}\n` : humanReadable(result));
      if (!result.found) process.exitCode = 1;
    });
}
