import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Command } from 'commander';
import { selectTests } from '../../graph/test-selection';
import { AffectedInputError, changedFiles, workspaceFileReader } from './affected';
import { loadGraphIndex } from './why';

/** What `fleet test-changed` reads from its command line; everything else goes to the runner. */
export interface TestChangedArgs {
  projectRoot?: string;
  runner?: string;
  changedSince?: string;
  head?: string;
  /** Arguments for the runner (Nx's forwarded args: `nx run p:test-changed --coverage`). */
  rest: string[];
}

const OWN = ['--project-root', '--runner', '--changed-since', '--head'] as const;

/** Splits the command line: fleet's own options (`--x v` or `--x=v`), the runner's arguments. */
export function parseTestChangedArgs(argv: string[]): TestChangedArgs {
  const out: TestChangedArgs = { rest: [] };
  const set = (flag: (typeof OWN)[number], value: string | undefined): void => {
    if (value === undefined) throw new AffectedInputError('FLEET_AFFECTED_NO_CHANGE', `${flag} needs a value`);
    if (flag === '--project-root') out.projectRoot = value;
    else if (flag === '--runner') out.runner = value;
    else if (flag === '--changed-since') out.changedSince = value;
    else out.head = value;
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const eq = a.indexOf('=');
    const name = eq > 0 ? a.slice(0, eq) : a;
    const own = OWN.find((f) => f === name || f === name.replace(/^--changedSince$/, '--changed-since'));
    if (!own) out.rest.push(a);
    else if (eq > 0) set(own, a.slice(eq + 1));
    else set(own, argv[++i]);
  }
  return out;
}

/** The ref to compare with: --changed-since, then NX_BASE, nx.json `defaultBase`, `main` (as nx affected). */
export function defaultBase(root: string, env: NodeJS.ProcessEnv): string {
  if (env.NX_BASE) return env.NX_BASE;
  try {
    const nxJson = JSON.parse(fs.readFileSync(path.join(root, 'nx.json'), 'utf8')) as { defaultBase?: unknown };
    if (typeof nxJson.defaultBase === 'string' && nxJson.defaultBase) return nxJson.defaultBase;
  } catch {
    // No nx.json, or not JSON: Nx's own default.
  }
  return 'main';
}

function shellQuote(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/**
 * `fleet test-changed --project-root R --runner CMD [--changed-since REF] [--head REF] [args...]`:
 * what the inferred `<test>-changed` target runs (plugin option `changedTestTargets`). It selects
 * the project's test files as `fleet affected-tests` does and runs CMD in the project folder on
 * those files (paths relative to it, after the forwarded args), on all of them when the graph
 * cannot see a change, and on none (exit 0, saying so) when no test file is affected.
 */
export async function testChanged(argv: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<number> {
  const a = parseTestChangedArgs(argv);
  if (a.projectRoot === undefined || !a.runner)
    throw new AffectedInputError('FLEET_AFFECTED_NO_CHANGE', 'give --project-root <folder> and --runner <command>');
  const root = path.resolve(cwd);
  const base = a.changedSince ?? defaultBase(root, env);
  const changed = changedFiles(root, base, a.head);
  const g = await loadGraphIndex(root);
  const name = Object.entries(g.data.projects).find(([, p]) => p.root === a.projectRoot)?.[0];
  if (!name)
    throw new AffectedInputError('FLEET_AFFECTED_UNKNOWN_FILE', `${a.projectRoot}: not a project root of ${root}`);
  const selection = selectTests(g, changed, workspaceFileReader(root)).projects.find((p) => p.project === name);
  const since = `since ${base} (${changed.length} changed file${changed.length === 1 ? '' : 's'})`;
  const say = (line: string): void => void process.stderr.write(`fleet test-changed: ${name}: ${line}\n`);
  let files: string[] = [];
  if (!selection || selection.selected.length === 0) {
    say(`no test file can be affected by the changes ${since}; nothing to run`);
    return 0;
  }
  if (selection.all) say(`all ${selection.testFiles.length} test files: ${selection.allBecause} changed ${since}`);
  else {
    const prefix = a.projectRoot === '.' ? '' : `${a.projectRoot}/`;
    files = selection.selected.map((s) => s.file.slice(prefix.length));
    say(`${files.length} of ${selection.testFiles.length} test files, for the changes ${since}: ${files.join(' ')}`);
  }
  const command = [a.runner, ...a.rest.map(shellQuote), ...files.map(shellQuote)].join(' ');
  return new Promise((resolve) => {
    const child = spawn(command, { cwd: path.join(root, a.projectRoot!), env, stdio: 'inherit', shell: true });
    child.on('error', (err) => {
      say(`${a.runner}: ${err.message}`);
      resolve(1);
    });
    child.on('exit', (code, signal) => resolve(code ?? (signal ? 1 : 0)));
  });
}

/** `fleet test-changed ...` (cli/main.ts calls it directly): exit code 2 with one diagnostic for bad input. */
export async function runTestChanged(argv: string[]): Promise<number> {
  try {
    return await testChanged(argv, process.cwd(), process.env);
  } catch (err) {
    if (!(err instanceof AffectedInputError)) throw err;
    process.stderr.write(`fleet: ${err.message} [${err.code}]\n`);
    return 2;
  }
}

/** For `fleet --help` and `fleet test-changed --help`; the command itself runs through {@link runTestChanged}. */
export function registerTestChangedCommand(program: Command): void {
  program
    .command('test-changed')
    .description(
      "run a project's tests on the files a change can break (what the inferred <test>-changed target runs; plugin option changedTestTargets)",
    )
    .usage('--project-root <folder> --runner <command> [--changed-since <ref>] [--head <ref>] [runner args...]')
    .action(() => undefined);
}
