import { describe, expect, it } from 'vitest';
import { CheckoutLease } from '../../runner/checkout-lease';

const tick = (ms = 5): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe('CheckoutLease', () => {
  it('tasks at the held commit share it; another commit waits until none uses it, and switches once', async () => {
    const lease = new CheckoutLease();
    const switches: string[] = [];
    const change = (key: string) => async () => void switches.push(key);
    expect(await lease.enter('c1', change('c1'))).toBeUndefined();
    expect(await lease.enter('c1', change('c1'))).toBeUndefined();
    expect(switches).toEqual(['c1']);
    let entered = false;
    const second = lease.enter('c2', change('c2')).then(() => (entered = true));
    await tick(120);
    expect(entered).toBe(false);
    lease.leave();
    await tick(120);
    expect(entered).toBe(false);
    lease.leave();
    await second;
    expect([switches, lease.holds]).toEqual([['c1', 'c2'], 'c2']);
    // A prepare while a task uses the checkout does nothing; an idle one switches.
    expect(await lease.prepare('c3', change('c3'))).toBeUndefined();
    lease.leave();
    expect(await lease.prepare('c3', change('c3'))).toEqual({ failed: undefined });
    expect(await lease.prepare('c3', change('c3'))).toBeUndefined();
  });

  it('a failed or throwing switch leaves the checkout held by nothing, and the next task tries again', async () => {
    const lease = new CheckoutLease();
    const failure = { code: 'FLEET_CHECKOUT_FAILED' as const, message: 'no such commit' };
    expect(await lease.enter('c1', async () => failure)).toEqual(failure);
    expect(lease.holds).toBe('');
    await expect(
      lease.enter('c1', async () => {
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(lease.holds).toBe('');
    expect(await lease.enter('c1', async () => undefined)).toBeUndefined();
    expect(lease.holds).toBe('c1');
  });
});
