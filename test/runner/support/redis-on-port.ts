import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from '../../cache/support/free-port';
import { canConnect } from '../../cache/support/redis-server';

/**
 * A real redis-server that a test can stop and start again on the same port (no persistence, so a
 * restart loses every key: what a Redis without AOF/RDB does).
 */
export class RestartableRedis {
  private child: ChildProcess | undefined;
  private constructor(readonly port: number) {}

  static async start(): Promise<RestartableRedis> {
    const r = new RestartableRedis(await freePort());
    await r.up();
    return r;
  }

  get url(): string {
    return `redis://127.0.0.1:${this.port}`;
  }

  async up(): Promise<void> {
    this.child = spawn(
      'redis-server',
      ['--port', String(this.port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
      { stdio: 'ignore' },
    );
    for (let i = 0; i < 100 && !(await canConnect(this.port)); i++) await new Promise((r) => setTimeout(r, 50));
  }

  /** SIGTERM by PID and wait until it has exited. */
  async down(): Promise<void> {
    const c = this.child;
    this.child = undefined;
    if (!c || c.exitCode !== null || c.signalCode !== null) return;
    const exited = new Promise<void>((r) => c.once('exit', () => r()));
    process.kill(c.pid!, 'SIGTERM');
    await exited;
  }
}
