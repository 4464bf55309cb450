import type { Redis } from 'ioredis';

/**
 * Notices when Redis has been unreachable for too long. ioredis queues commands while it
 * reconnects (BullMQ needs `maxRetriesPerRequest: null`), so a command never fails: without this
 * watch, a Redis that does not come back would make `fleet run` wait forever.
 */
export class RedisWatch {
  private downSince: number | undefined;
  private closed = false;
  private readonly timer: NodeJS.Timeout;
  private fail!: (err: Error) => void;
  /** Rejects once Redis has been down for `timeoutMs`; never resolves. */
  readonly lost: Promise<never>;

  constructor(
    clients: Redis[],
    private readonly timeoutMs: number,
    private readonly say: (line: string) => void,
    private readonly url: string,
  ) {
    this.lost = new Promise<never>((_, reject) => (this.fail = reject));
    this.lost.catch(() => undefined);
    for (const c of clients) {
      c.on('close', () => this.down());
      c.on('reconnecting', () => this.down());
      c.on('ready', () => this.up());
      // ioredis logs 'error' events as unhandled unless someone listens; the watch is that someone.
      c.on('error', () => undefined);
    }
    this.timer = setInterval(() => {
      if (this.downSince !== undefined && Date.now() - this.downSince > this.timeoutMs) {
        this.fail(
          Object.assign(
            new Error(`Redis at ${redact(this.url)} has been unreachable for ${Math.round(this.timeoutMs / 1000)}s`),
            { code: 'FLEET_REDIS_UNAVAILABLE' },
          ),
        );
      }
    }, 250);
    this.timer.unref();
  }

  private down(): void {
    if (this.closed || this.downSince !== undefined) return;
    this.downSince = Date.now();
    this.say(
      `Redis at ${redact(this.url)} is unreachable; waiting up to ${Math.round(this.timeoutMs / 1000)}s for it to come back`,
    );
  }

  private up(): void {
    if (this.downSince === undefined) return;
    this.say(`Redis is back after ${((Date.now() - this.downSince) / 1000).toFixed(1)}s`);
    this.downSince = undefined;
  }

  /** Races `work` against the watch. */
  guard<T>(work: Promise<T>): Promise<T> {
    return Promise.race([work, this.lost]);
  }

  close(): void {
    this.closed = true;
    clearInterval(this.timer);
  }
}

/** A Redis URL without its password, for messages. */
export function redact(url: string): string {
  return url.replace(
    /\/\/([^@/]*)@/,
    (_, auth: string) => `//${auth.includes(':') ? `${auth.split(':')[0]}:***` : '***'}@`,
  );
}
