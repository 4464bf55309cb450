/**
 * What of an agent's `nx run <task>` output is the task's own. Nx prints around it: the
 * "NX   Running target ..." banner, one line per dependency it re-checked ("✔  nx run dep:t
 * [remote cache]"), the task's header ("> nx run p:t [local cache]"), and after it the summary
 * block ("NX   Successfully ran target ...", "Nx read the output from the cache ...", run
 * duration, cache and critical-path lines). A user of Nx's own terminal output or of Nx Cloud
 * sees only the command's output under the task's name, so fleet keeps what lies between the
 * task's header and the last summary banner of the outer nx.
 *
 * When the task's header is not there (nx failed before running it: a graph error, a dependency
 * that failed on the agent), everything is kept: an error is never hidden.
 */

const ESC = String.fromCharCode(27);
const ANSI = new RegExp(`${ESC}\\[[0-9;?]*[ -/]*[@-~]`, 'g');

/** A line without colour codes or a trailing carriage return. */
export function plainLine(line: string): string {
  return line.replace(ANSI, '').replace(/\r$/, '');
}

function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The header line Nx prints before a task's own output: `> nx run <task>` (plus a cache note). */
export function isTaskHeader(line: string, taskId: string): boolean {
  return new RegExp(`^\\s*>\\s+nx run ${escapeRegExp(taskId)}(\\s+\\[[^\\]]*\\])?\\s*$`).test(plainLine(line));
}

/**
 * The first line of the outer nx's closing block for this task's project and target (so that a
 * task that runs nx itself keeps its inner nx's banners).
 */
export function isClosingBanner(line: string, project: string, target: string): boolean {
  const l = plainLine(line);
  const p = escapeRegExp(project);
  const t = escapeRegExp(target);
  return new RegExp(
    `^\\s*NX\\s+(Successfully ran target ${t} for project ${p}\\b|Ran target ${t} for project ${p}\\b|Running target ${t} for project ${p}\\b.*failed)`,
  ).test(l);
}

/** Drops blank lines at both ends. */
function trimBlank(lines: string[]): string[] {
  let a = 0;
  let b = lines.length;
  while (a < b && plainLine(lines[a]).trim() === '') a++;
  while (b > a && plainLine(lines[b - 1]).trim() === '') b--;
  return lines.slice(a, b);
}

/** The task's own output of a whole `nx run` output (see the module comment). */
export function taskOwnOutput(lines: string[], task: { taskId: string; project: string; target: string }): string[] {
  let start = -1;
  for (let i = lines.length - 1; i >= 0; i--)
    if (isTaskHeader(lines[i], task.taskId)) {
      start = i;
      break;
    }
  if (start < 0) return trimBlank(lines.map((l) => l.replace(/\r$/, '')));
  let end = lines.length;
  for (let i = lines.length - 1; i > start; i--)
    if (isClosingBanner(lines[i], task.project, task.target)) {
      end = i;
      break;
    }
  return trimBlank(lines.slice(start + 1, end).map((l) => l.replace(/\r$/, '')));
}

/**
 * The same cut for lines as they arrive (`--output-style stream`): nothing before the task's
 * header, nothing from the outer closing banner on. Without a header by the end, `flush` gives
 * back what was held (an error before the task ran).
 */
export class OwnOutputFilter {
  private state: 'before' | 'own' | 'after' = 'before';
  private held: string[] = [];

  constructor(private readonly task: { taskId: string; project: string; target: string }) {}

  /** The line to show now, or undefined. */
  push(line: string): string | undefined {
    if (this.state === 'before') {
      if (isTaskHeader(line, this.task.taskId)) {
        this.state = 'own';
        this.held = [];
      } else if (this.held.length < 2000) this.held.push(line);
      return undefined;
    }
    if (this.state === 'own' && isClosingBanner(line, this.task.project, this.task.target)) this.state = 'after';
    return this.state === 'own' ? line.replace(/\r$/, '') : undefined;
  }

  /** At the task's end: the held lines when no header came (nx failed before the task ran). */
  flush(): string[] {
    const out = this.state === 'before' ? trimBlank(this.held) : [];
    this.held = [];
    return out;
  }
}
