import { describe, expect, it } from 'vitest';
import { canonicalJson, canonicalRequirement, signJob, verifyJob, type JobPayload } from '../../runner';

const SECRET = 'test-secret-0123456789';
const payload = (over: Partial<JobPayload> = {}): JobPayload => ({
  v: 1, runId: 'r-1', taskId: 'lib:build', commit: 'a'.repeat(40), project: 'lib', target: 'build',
  requirement: canonicalRequirement({ labels: ['gpu'], gpus: 1 }), attempt: 1, ...over,
});

describe('job signing', () => {
  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[2,{"y":2,"z":1}]},"b":1}');
  });

  it('a signed job verifies, whatever the key order after a JSON round trip', () => {
    const job = signJob(payload({ configuration: 'ci', patchKey: 'fleet:run:r-1:patch' }), SECRET);
    expect(job.signature).toMatch(/^[0-9a-f]{64}$/);
    const reordered = JSON.parse(JSON.stringify({ signature: job.signature, payload: Object.fromEntries(Object.entries(job.payload).reverse()) }));
    expect(verifyJob(reordered, SECRET)).toEqual({ ok: true, payload: reordered.payload });
  });

  it('refuses unsigned jobs', () => {
    expect(verifyJob({ payload: payload() }, SECRET)).toMatchObject({ ok: false, code: 'FLEET_JOB_UNSIGNED' });
    expect(verifyJob({ payload: payload(), signature: '' }, SECRET)).toMatchObject({ ok: false, code: 'FLEET_JOB_UNSIGNED' });
  });

  it.each([
    ['target', { target: 'deploy' }],
    ['commit', { commit: 'b'.repeat(40) }],
    ['requirement', { requirement: canonicalRequirement() }],
    ['attempt', { attempt: 2 }],
  ])('refuses a job whose %s was changed after signing', (_, change) => {
    const job = signJob(payload(), SECRET);
    expect(verifyJob({ ...job, payload: { ...job.payload, ...change } }, SECRET)).toMatchObject({ ok: false, code: 'FLEET_JOB_BAD_SIGNATURE' });
  });

  it('refuses a signature made with another secret, and garbage signatures', () => {
    expect(verifyJob(signJob(payload(), 'other-secret'), SECRET)).toMatchObject({ code: 'FLEET_JOB_BAD_SIGNATURE' });
    expect(verifyJob({ payload: payload(), signature: 'zz' }, SECRET)).toMatchObject({ code: 'FLEET_JOB_BAD_SIGNATURE' });
  });

  it.each([
    [{ command: 'rm -rf /' }, /unexpected field "command"/],
    [{ project: '--help' }, /bad project/],
    [{ target: 'a b' }, /bad target/],
    [{ commit: 'HEAD' }, /commit must be a full hex object id/],
    [{ v: 2 }, /unsupported version 2/],
    [{ attempt: 0 }, /bad attempt/],
    [{ requirement: { gpus: -1 } }, /"gpus" must be a number >= 0/],
  ])('refuses a validly signed but malformed payload %j', (change, message) => {
    const r = verifyJob(signJob({ ...payload(), ...change } as JobPayload, SECRET), SECRET);
    expect(r).toMatchObject({ ok: false, code: 'FLEET_JOB_MALFORMED' });
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('an agent without a secret refuses everything; signing needs a secret', () => {
    expect(verifyJob(signJob(payload(), SECRET), '')).toMatchObject({ ok: false, code: 'FLEET_NO_SECRET' });
    expect(() => signJob(payload(), '')).toThrow(expect.objectContaining({ code: 'FLEET_NO_SECRET' }));
    expect(verifyJob(null, SECRET)).toMatchObject({ code: 'FLEET_JOB_MALFORMED' });
  });
});
