import { spawn, type ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { repoRoot } from '../../rig';

export interface ServeProcess {
  url: string;
  pid: number;
  child: ChildProcess;
  /** Every JSON line the server has printed so far. */
  lines(): Array<Record<string, unknown>>;
  /**
   * The request lines, once at least `count` have arrived. Tests that run nx with spawnSync block
   * this process's event loop, so the server's output is only read after nx exits.
   */
  requests(count: number): Promise<Array<Record<string, unknown>>>;
  /** Resident memory of the server process in bytes (Linux /proc). */
  rss(): number;
  /** SIGTERM and wait for the exit code. */
  stop(): Promise<number | null>;
  kill9(): Promise<void>;
}

/** The built CLI: tests run what users run. `npm test` builds first (pretest). */
export function fleetBin(): string {
  const bin = path.join(repoRoot(), 'dist', 'cli', 'main.js');
  if (!fs.existsSync(bin)) throw new Error('dist/cli/main.js is missing: run `npx tsc -b tsconfig.build.json` first');
  return bin;
}

/** Starts `fleet cache serve --port 0 ...` and waits for its `listening` line. */
export async function startServe(args: string[], env: Record<string, string> = {}): Promise<ServeProcess> {
  const child = spawn(process.execPath, [fleetBin(), 'cache', 'serve', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  child.stderr!.on('data', (c: Buffer) => (err += c.toString()));
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  const lines = (): Array<Record<string, unknown>> =>
    out
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as Record<string, unknown>);
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const l = lines().find((x) => x.msg === 'listening');
      if (l) (clearInterval(timer), resolve(String(l.url)));
      if (child.exitCode !== null)
        (clearInterval(timer), reject(new Error(`fleet cache serve exited ${child.exitCode}: ${err}${out}`)));
    }, 20);
  });
  return {
    url,
    pid: child.pid!,
    child,
    lines,
    requests: async (count) => {
      for (let i = 0; i < 200; i++) {
        const reqs = lines().filter((l) => l.msg === 'request');
        if (reqs.length >= count) return reqs;
        await new Promise((r) => setTimeout(r, 25));
      }
      return lines().filter((l) => l.msg === 'request');
    },
    rss: () => Number(/VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'))![1]) * 1024,
    stop: async () => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
      return exited;
    },
    kill9: async () => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGKILL');
      await exited;
    },
  };
}
