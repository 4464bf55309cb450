import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { watch, type FSWatcher } from 'chokidar';

/** Folders never watched: build outputs and tool state (watching them costs inotify watches and feeds loops). */
export const UNWATCHED_FOLDERS = new Set([
  'node_modules',
  'dist',
  '.git',
  '.nx',
  'coverage',
  '.pytest_cache',
  '__pycache__',
]);

const UNWATCHED_PART = new RegExp(
  `(?:^|/)(?:${[...UNWATCHED_FOLDERS].map((p) => p.replace(/\./g, '\\.')).join('|')})(?:/|$)`,
);

/** A batch of changes: workspace-relative paths, sorted, each once (added, changed or deleted alike). */
export interface ChangeBatch {
  files: string[];
  /** Milliseconds from the first event of the batch to the batch being handed over. */
  collectedMs: number;
  /** When the first event of the batch arrived (performance.now()). */
  firstEventAt: number;
}

/**
 * From this many files a batch is a bulk operation (a branch switch, a codegen run, an unpacked
 * archive): its events arrive as fast as the watcher can stat the files, and on a loaded machine
 * the gaps between them pass the plain debounce, so it waits {@link BULK_QUIET_MS} of quiet.
 */
export const BULK_FILES = 50;
export const BULK_QUIET_MS = 500;

export interface FileWatcherOptions {
  root: string;
  /** Quiet time after the last event before a batch is handed over (default 50 ms). */
  debounceMs?: number;
  /** A batch is handed over at the latest this long after its first event, quiet or not (default 10 s). */
  maxWaitMs?: number;
  onBatch(batch: ChangeBatch): void;
  onError(err: WatchError): void;
}

/** A watcher failure the user can act on: one message, one code. */
export class WatchError extends Error {
  constructor(
    readonly code: 'FLEET_WATCH_LIMIT' | 'FLEET_WATCH_FAILED',
    message: string,
  ) {
    super(message);
  }
}

/** The message for a full inotify table (ENOSPC from inotify_add_watch), with the way out. */
export function watchLimitMessage(root: string): string {
  return (
    `the system's limit on inotify watches is reached while watching ${root}. ` +
    'Raise it (root): `sudo sysctl fs.inotify.max_user_watches=524288` now, and ' +
    '`echo fs.inotify.max_user_watches=524288 | sudo tee /etc/sysctl.d/90-inotify.conf` to keep it; ' +
    "in a container the limit is the host's (or /proc/sys/user/max_inotify_watches of its user namespace); " +
    'or close other watchers (IDEs, other `watch` processes)'
  );
}

/** Turns a watcher error into what to tell the user. */
export function toWatchError(root: string, err: unknown): WatchError {
  const code = (err as NodeJS.ErrnoException)?.code;
  if (code === 'ENOSPC') return new WatchError('FLEET_WATCH_LIMIT', watchLimitMessage(root));
  if (code === 'EMFILE')
    return new WatchError(
      'FLEET_WATCH_FAILED',
      `too many open files while watching ${root}: raise \`ulimit -n\` (e.g. \`ulimit -n 65536\`)`,
    );
  return new WatchError('FLEET_WATCH_FAILED', `watching ${root} failed: ${(err as Error)?.message ?? String(err)}`);
}

/**
 * Drops the paths git ignores (build outputs, caches a project declares in .gitignore); outside a
 * git repository every path is kept. Without blocking: `fleet watch` starts it and rebuilds the
 * graph while git answers, so the spawn of git adds no latency.
 */
export function withoutIgnoredAsync(root: string, files: string[]): Promise<string[]> {
  if (files.length === 0) return Promise.resolve(files);
  return new Promise((resolve) => {
    const child = spawn('git', ['check-ignore', '--stdin', '-z'], { cwd: root, stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.on('error', () => resolve(files));
    child.on('close', (status) => resolve(keptByCheckIgnore(files, status, out)));
    child.stdin.on('error', () => {}); // git exiting early (not a repository) closes its stdin
    child.stdin.end(files.join('\0'));
  });
}

function keptByCheckIgnore(files: string[], status: number | null, stdout: string): string[] {
  // 0: some ignored, 1: none ignored, 128: not a repository (or another git failure).
  if (status !== 0) return files;
  const ignored = new Set(stdout.split('\0').filter((f) => f !== ''));
  return files.filter((f) => !ignored.has(f));
}

/**
 * A chokidar watcher over the workspace that hands over debounced batches: every event within
 * `debounceMs` of the previous one joins the same batch (a branch switch touching thousands of
 * files is one batch), capped at `maxWaitMs` so a constant trickle still gets built.
 */
export class FileWatcher {
  private watcher: FSWatcher | undefined;
  private pending = new Set<string>();
  private firstEventAt = 0;
  private quietTimer: NodeJS.Timeout | undefined;
  private maxTimer: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(private readonly o: FileWatcherOptions) {}

  /** Starts watching; resolves once the initial scan is done (events after that are changes). */
  start(): Promise<void> {
    const root = path.resolve(this.o.root);
    return new Promise((resolve, reject) => {
      let ready = false;
      const w = watch(root, {
        ignoreInitial: true,
        persistent: true,
        // Called with absolute paths; the root itself is never ignored.
        ignored: (p: string) => {
          const rel = path.relative(root, p).split(path.sep).join('/');
          return rel !== '' && UNWATCHED_PART.test(rel);
        },
      });
      this.watcher = w;
      const onPath = (p: string): void => this.add(path.relative(root, p).split(path.sep).join('/'));
      w.on('add', onPath).on('change', onPath).on('unlink', onPath).on('unlinkDir', onPath);
      w.on('error', (err: unknown) => {
        const e = toWatchError(root, err);
        if (!ready) reject(e);
        else this.o.onError(e);
      });
      w.on('ready', () => {
        ready = true;
        resolve();
      });
    });
  }

  private add(rel: string): void {
    if (this.closed || rel === '' || rel.startsWith('..')) return;
    if (this.pending.size === 0) {
      this.firstEventAt = performance.now();
      this.maxTimer = setTimeout(() => this.flush(true), this.o.maxWaitMs ?? 10_000);
    }
    this.pending.add(rel);
    this.waitQuiet();
  }

  private waitQuiet(): void {
    const debounce = this.o.debounceMs ?? 50;
    const quiet = this.pending.size >= BULK_FILES ? Math.max(debounce, BULK_QUIET_MS) : debounce;
    clearTimeout(this.quietTimer);
    this.quietTimer = setTimeout(() => this.flush(false), quiet);
  }

  private flush(deadline = true): void {
    // git holds index.lock for the whole of a checkout, merge or rebase step: the batch is not over.
    if (!deadline && !this.closed && fs.existsSync(path.join(this.o.root, '.git', 'index.lock'))) {
      this.waitQuiet();
      return;
    }
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    if (this.closed || this.pending.size === 0) return;
    const files = [...this.pending].sort();
    this.pending = new Set();
    const now = performance.now();
    this.o.onBatch({ files, collectedMs: now - this.firstEventAt, firstEventAt: this.firstEventAt });
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.quietTimer);
    clearTimeout(this.maxTimer);
    await this.watcher?.close();
  }
}
