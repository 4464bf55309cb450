import { spawn } from 'node:child_process';
import * as net from 'node:net';
import { freePort } from './free-port';

export interface RedisProcess {
  url: string;
  pid: number;
  stop(): Promise<void>;
}

/**
 * A real redis-server on a free loopback port, no persistence; stopped by its PID. With a
 * password (`requirepass`), the URL carries it and every unauthenticated command gets NOAUTH.
 * The password goes to redis-server on stdin (a config file `-`), never in its argv.
 */
export async function startRedis(opts: { password?: string } = {}): Promise<RedisProcess> {
  const port = await freePort();
  const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'];
  const child = spawn('redis-server', opts.password ? ['-', ...args] : args, {
    stdio: [opts.password ? 'pipe' : 'ignore', 'ignore', 'ignore'],
  });
  if (opts.password) child.stdin!.end(`requirepass "${opts.password}"\n`);
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  for (let i = 0; i < 100; i++) {
    if (await canConnect(port)) break;
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    url: `redis://${opts.password ? `:${opts.password}@` : ''}127.0.0.1:${port}`,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode === null) process.kill(child.pid!, 'SIGTERM');
      await exited;
    },
  };
}

export function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1');
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}
