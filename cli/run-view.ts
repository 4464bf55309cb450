import type { RunSnapshot } from '../runner';

/** `12.3s`, `2m05s`. */
export function elapsed(ms: number): string {
  const s = Math.max(0, ms) / 1000;
  if (s < 60) return `${s.toFixed(1)}s`;
  const m = Math.floor(s / 60);
  return `${m}m${String(Math.floor(s % 60)).padStart(2, '0')}s`;
}

function fit(text: string, width: number): string {
  return [...text].length <= width ? text : `${[...text].slice(0, Math.max(0, width - 1)).join('')}~`;
}

/**
 * The live block of a run on a terminal: a bar of done/total, one line per agent with its task
 * and how long it has run, and the tasks queued per requirement (tasks no live agent can run yet
 * say they are waiting for one). Pure: the same snapshot and clock give the same lines.
 */
export function renderLive(s: RunSnapshot, now: number, width = 100): string[] {
  const w = Math.max(40, width);
  const pct = s.total ? Math.floor((100 * s.done) / s.total) : 0;
  const barWidth = Math.max(10, Math.min(40, w - 40));
  const full = s.total ? Math.round((barWidth * s.done) / s.total) : 0;
  // ASCII only: terminals differ on the width of block and shade characters, and a line that
  // wraps would leave the block's old lines behind when it is redrawn.
  const bar = `[${'#'.repeat(full)}${'-'.repeat(barWidth - full)}]`;
  const phase = s.phase === 'planning' ? ' - planning' : s.phase === 'replaying' ? ' - replaying from the cache' : '';
  const lines = [
    fit(
      `fleet ${s.runId}  ${bar} ${s.done}/${s.total} (${pct}%)${s.failed ? `, ${s.failed} failed` : ''}, ${elapsed(now - s.startedAt)}${phase}`,
      w,
    ),
  ];
  const idW = Math.min(24, Math.max(5, ...s.agents.map((a) => a.agent.length)));
  for (const a of s.agents)
    lines.push(
      fit(`  ${a.agent.padEnd(idW)}  ${a.taskId ? `${a.taskId}  ${elapsed(now - (a.since ?? now))}` : 'idle'}`, w),
    );
  if (s.agents.length === 0) lines.push('  no agent has taken a task yet');
  if (s.queued.length)
    lines.push(
      fit(
        `  queued: ${s.queued.map((q) => `${q.count} ${q.requirement}${q.waiting ? ' (waiting for an agent that can run them)' : ''}`).join('; ')}`,
        w,
      ),
    );
  return lines;
}

/** One concise progress line for logs that are not a terminal (CI). */
export function progressLine(s: RunSnapshot, now: number): string {
  const running = s.agents.filter((a) => a.taskId);
  const queued = s.queued.reduce((n, q) => n + q.count, 0);
  const waiting = s.queued.filter((q) => q.waiting);
  return `${s.done}/${s.total} done${s.failed ? ` (${s.failed} failed)` : ''} after ${elapsed(now - s.startedAt)}; running ${running.length}${running.length ? `: ${running.map((a) => `${a.taskId} on ${a.agent} ${elapsed(now - (a.since ?? now))}`).join(', ')}` : ''}; queued ${queued}${waiting.length ? ` (${waiting.map((q) => `${q.count} ${q.requirement}`).join(', ')} waiting for a capable agent)` : ''}`;
}

export interface ViewStream {
  write(text: string): unknown;
  columns?: number;
}

/**
 * Draws {@link renderLive} at the bottom of a terminal and keeps it there: lines printed meanwhile
 * (task headers and output, messages) go above it. Redraws on each change and every 200 ms.
 */
export class LiveView {
  private drawn = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly out: ViewStream,
    private readonly snapshot: () => RunSnapshot,
    private readonly clock: () => number = Date.now,
  ) {}

  start(): void {
    this.draw();
    this.timer = setInterval(() => this.draw(), 200);
    this.timer.unref();
  }

  /**
   * Writes `above` (lines that stay) and the block in place of the block drawn before: up to its
   * first line, each line erased as it is written, the rest of the old block erased after the
   * new one. Erasing line by line and never from the top-left corner: tmux (scroll-on-clear)
   * pushes a screen erased from there into its history, which would fill it with old blocks.
   */
  private frame(above: string[], block: string[]): void {
    const up = this.drawn ? `\r\u001b[${this.drawn}A` : '';
    const body = [...above, ...block].map((l) => `\u001b[2K${l}\n`).join('');
    this.out.write(`${up}${body}\u001b[0J`);
    this.drawn = block.length;
  }

  /** Prints a line above the live block. */
  print(line: string): void {
    this.frame([line], this.lines());
  }

  private lines(): string[] {
    return renderLive(this.snapshot(), this.clock(), (this.out.columns ?? 100) - 1);
  }

  draw(): void {
    this.frame([], this.lines());
  }

  /** Removes the block (the final summary follows). */
  stop(): void {
    clearInterval(this.timer);
    if (this.drawn) this.out.write(`\r\u001b[${this.drawn}A\u001b[0J`);
    this.drawn = 0;
  }
}
