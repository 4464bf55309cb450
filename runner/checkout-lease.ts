import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { TaskFailureCode } from './job';

/** A failure to make the checkout ready: the task's result carries it. */
export interface CheckoutFailure {
  code: TaskFailureCode;
  message: string;
}

/**
 * Who may use an agent's one checkout: any number of tasks at the commit (and patch) it holds, and
 * a switch to another commit only when none is running. The key names what the checkout holds
 * (`commit:patchSha256`, with the run id in front on an isolating agent); `switching` while it changes.
 */
export class CheckoutLease {
  private key = '';
  private users = 0;

  /** What the checkout holds ('' when nothing known-good). */
  get holds(): string {
    return this.key;
  }

  /** Waits until the checkout holds `key` (switching with `change` when no task uses it), then counts a user. */
  async enter(key: string, change: () => Promise<CheckoutFailure | undefined>): Promise<CheckoutFailure | undefined> {
    while (this.key !== key && this.users > 0) await new Promise((r) => setTimeout(r, 50));
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
    if (this.users > 0 || this.key === key) return undefined;
    return { failed: await this.switchTo(key, change) };
  }

  private async switchTo(
    key: string,
    change: () => Promise<CheckoutFailure | undefined>,
  ): Promise<CheckoutFailure | undefined> {
    this.key = 'switching';
    this.users = 1;
    let failed: CheckoutFailure | undefined;
    let done = false;
    try {
      failed = await change();
      done = true;
    } finally {
      // A switch that threw left the checkout in an unknown state: the next task switches again.
      this.key = done && !failed ? key : '';
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
