import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { TaskFailureCode } from './job';

/** A failure to make the checkout ready: the task's result carries it. */
export interface CheckoutFailure {
  code: TaskFailureCode;
  message: string;
}

/**
 * Who may use one checkout of an agent: any number of tasks at the commit (and patch) it holds, and
 * a switch to another commit only when none is running. The key names what the checkout holds
 * (`commit:patchSha256`, with the run id in front on an isolating agent); `switching` while it changes.
 */
export class CheckoutLease {
  private key = '';
  private users = 0;
  /** Tasks waiting in {@link enter} for the checkout to hold their key. */
  private waiting = 0;
  /** What a switch in progress moves the checkout to ('' when none is), and from. */
  private switchingTo = '';
  private switchingFrom = '';

  /** What the checkout holds ('' when nothing known-good). */
  get holds(): string {
    return this.key;
  }

  /** What it holds, or is switching to: a task of that key belongs here. */
  get target(): string {
    return this.switchingTo || this.key;
  }

  /** During a switch: what the checkout held before it ('' when nothing known-good). */
  get previous(): string {
    return this.switchingFrom;
  }

  /** No task uses it, none waits for it and it is not switching: it may be switched to another key. */
  get idle(): boolean {
    return this.users === 0 && this.waiting === 0;
  }

  /** Waits until the checkout holds `key` (switching with `change` when no task uses it), then counts a user. */
  async enter(key: string, change: () => Promise<CheckoutFailure | undefined>): Promise<CheckoutFailure | undefined> {
    if (this.key !== key && this.users > 0) {
      this.waiting++;
      try {
        while (this.key !== key && this.users > 0) await new Promise((r) => setTimeout(r, 50));
      } finally {
        this.waiting--;
      }
    }
    if (this.key !== key) {
      const failed = await this.switchTo(key, change);
      if (failed) return failed;
    }
    this.users++;
    return undefined;
  }

  /** A task that entered is done with the checkout. */
  leave(): void {
    this.users--;
  }

  /**
   * Switches ahead of any task when the checkout is idle and holds something else (a run's
   * prepare message); undefined when it did not try.
   */
  async prepare(
    key: string,
    change: () => Promise<CheckoutFailure | undefined>,
  ): Promise<{ failed?: CheckoutFailure } | undefined> {
    if (!this.idle || this.key === key) return undefined;
    return { failed: await this.switchTo(key, change) };
  }

  private async switchTo(
    key: string,
    change: () => Promise<CheckoutFailure | undefined>,
  ): Promise<CheckoutFailure | undefined> {
    this.switchingFrom = this.key;
    this.key = 'switching';
    this.switchingTo = key;
    this.users = 1;
    let failed: CheckoutFailure | undefined;
    let done = false;
    try {
      failed = await change();
      done = true;
    } finally {
      // A switch that threw left the checkout in an unknown state: the next task switches again.
      this.key = done && !failed ? key : '';
      this.switchingTo = '';
      this.users = 0;
    }
    return failed;
  }
}

/** What the checkout should hold: the signed job's commit and patch (the digest is what it must hash to). */
export interface CheckoutTarget {
  runId: string;
  commit: string;
  patchKey?: string;
  patchSha256?: string;
}

/**
 * The run's patch, checked against the digest the job's signature covers: whoever can write
 * Redis could otherwise replace it and run any code on every agent.
 */
export async function verifiedPatch(
  redis: Redis,
  t: CheckoutTarget,
  log: (event: Record<string, unknown>) => void,
): Promise<{ ok: true; patch?: string } | ({ ok: false } & CheckoutFailure)> {
  if (!t.patchKey) return { ok: true };
  const bytes = await redis.getBuffer(t.patchKey);
  if (!bytes)
    return {
      ok: false,
      code: 'FLEET_PATCH_FAILED',
      message: `the run's patch ${t.patchKey} is gone from Redis (expired, or Redis lost its data)`,
    };
  const digest = createHash('sha256').update(bytes).digest('hex');
  if (digest !== t.patchSha256) {
    const message = `the run's patch in Redis (${t.patchKey}) has SHA-256 ${digest}, not ${t.patchSha256} as the job was signed with: it was replaced after signing; not applied`;
    log({
      msg: 'patch tampered',
      code: 'FLEET_PATCH_TAMPERED',
      runId: t.runId,
      patchKey: t.patchKey,
      expected: t.patchSha256,
      found: digest,
    });
    return { ok: false, code: 'FLEET_PATCH_TAMPERED', message };
  }
  return { ok: true, patch: bytes.toString('utf8') };
}

/** The checkout key of a job: an isolating agent's checkout is one run's, even at the same commit. */
export function checkoutKey(t: CheckoutTarget, isolate: boolean): string {
  return `${isolate ? `${t.runId}:` : ''}${t.commit}:${t.patchSha256 ?? ''}`;
}
