import { spawn } from 'node:child_process';
import * as path from 'node:path';

export interface NxTaskOptions {
  workdir: string;
  /** `project:target[:configuration]`. */
  taskId: string;
  env: NodeJS.ProcessEnv;
  onLine(stream: 'stdout' | 'stderr', line: string): void;
}

export type NxTaskOutcome = { exitCode: number | null; signal: string | null } | { error: string };

/** The workspace's own nx (what its lockfile pinned); fleet's nx when the checkout has none. */
export function resolveNxBin(workdir: string): string {
  try {
    return require.resolve('nx/bin/nx.js', { paths: [workdir] });
  } catch {
    return path.join(path.dirname(require.resolve('nx/package.json')), 'bin', 'nx.js');
  }
}

function lineSplitter(emit: (line: string) => void): { push(chunk: Buffer): void; end(): void } {
  let rest = '';
  return {
    push(chunk) {
      const parts = (rest + chunk.toString()).split('\n');
      rest = parts.pop() ?? '';
      for (const p of parts) emit(p.replace(/\r$/, ''));
    },
    end() {
      if (rest) emit(rest);
      rest = '';
    },
  };
}

/** Runs `nx run <taskId>` (no shell: the task id is one argument) and streams its lines. */
export function runNxTask(o: NxTaskOptions): Promise<NxTaskOutcome> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [resolveNxBin(o.workdir), 'run', o.taskId], {
      cwd: o.workdir,
      env: o.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = lineSplitter((l) => o.onLine('stdout', l));
    const err = lineSplitter((l) => o.onLine('stderr', l));
    child.stdout.on('data', (c: Buffer) => out.push(c));
    child.stderr.on('data', (c: Buffer) => err.push(c));
    child.once('error', (e) => resolve({ error: e.message }));
    child.once('close', (exitCode, signal) => {
      out.end();
      err.end();
      resolve({ exitCode, signal });
    });
  });
}
