import { describe, expect, it } from 'vitest';
import { createPublicKey } from 'node:crypto';
import {
  canonicalJson,
  canonicalRequirement,
  parsePrivateKey,
  parsePublicKey,
  signJob,
  verifyJob,
  type JobPayload,
} from '../../runner';
import { levelKeys } from './support/keys';

const TRUSTED = levelKeys('trusted');
const UNTRUSTED = levelKeys('untrusted');
const trusted = { level: 'trusted', publicKey: createPublicKey(TRUSTED.publicPem) };
const payload = (over: Partial<JobPayload> = {}): JobPayload => ({
  v: 2,
  trust: 'trusted',
  runId: 'r-1',
  taskId: 'lib:build',
  commit: 'a'.repeat(40),
  project: 'lib',
  target: 'build',
  requirement: canonicalRequirement({ labels: ['gpu'], gpus: 1 }),
  attempt: 1,
  ...over,
});

describe('job signing (Ed25519 per trust level)', () => {
  it('canonical JSON sorts keys at every level and drops undefined', () => {
    expect(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: undefined } })).toBe(
      '{"a":{"d":[2,{"y":2,"z":1}]},"b":1}',
    );
  });

  it('a signed job verifies with the public key alone, whatever the key order after a JSON round trip', () => {
    const job = signJob(
      payload({
        configuration: 'ci',
        taskId: 'lib:build:ci',
        patchKey: 'fleet:run:r-1:patch',
        patchSha256: 'f'.repeat(64),
      }),
      TRUSTED.privateKey,
    );
    expect(job.signature).toMatch(/^[A-Za-z0-9+/]{86}==$/);
    const reordered = JSON.parse(
      JSON.stringify({ signature: job.signature, payload: Object.fromEntries(Object.entries(job.payload).reverse()) }),
    );
    expect(verifyJob(reordered, trusted)).toEqual({ ok: true, payload: reordered.payload });
  });

  it('refuses unsigned jobs', () => {
    expect(verifyJob({ payload: payload() }, trusted)).toMatchObject({ ok: false, code: 'FLEET_JOB_UNSIGNED' });
    expect(verifyJob({ payload: payload(), signature: '' }, trusted)).toMatchObject({
      ok: false,
      code: 'FLEET_JOB_UNSIGNED',
    });
  });

  it.each([
    ['target', { target: 'deploy', taskId: 'lib:deploy' }],
    ['commit', { commit: 'b'.repeat(40) }],
    ['requirement', { requirement: canonicalRequirement() }],
    ['attempt', { attempt: 2 }],
    ['patch digest', { patchKey: 'k', patchSha256: '0'.repeat(64) }],
  ])('refuses a job whose %s was changed after signing', (_, change) => {
    const job = signJob(payload(), TRUSTED.privateKey);
    expect(verifyJob({ ...job, payload: { ...job.payload, ...change } }, trusted)).toMatchObject({
      ok: false,
      code: 'FLEET_JOB_BAD_SIGNATURE',
    });
  });

  it('a trusted agent refuses what the untrusted key signed, whatever the job says its level is', () => {
    // Signed by the untrusted level's coordinator, claiming to be trusted: a forged signature.
    expect(verifyJob(signJob(payload(), UNTRUSTED.privateKey), trusted)).toMatchObject({
      code: 'FLEET_JOB_BAD_SIGNATURE',
    });
    // Honestly an untrusted job, found in a trusted queue: refused for its level before its signature.
    expect(verifyJob(signJob(payload({ trust: 'untrusted' }), UNTRUSTED.privateKey), trusted)).toMatchObject({
      code: 'FLEET_JOB_WRONG_TRUST',
    });
    expect(verifyJob({ payload: payload(), signature: 'zz' }, trusted)).toMatchObject({
      code: 'FLEET_JOB_BAD_SIGNATURE',
    });
    expect(verifyJob({ payload: payload(), signature: 'A'.repeat(86) + '==' }, trusted)).toMatchObject({
      code: 'FLEET_JOB_BAD_SIGNATURE',
    });
  });

  it.each([
    [{ command: 'rm -rf /' }, /unexpected field "command"/],
    [{ project: '--help', taskId: '--help:build' }, /starts with "-"/],
    [{ target: 't', taskId: 'lib:t' }, /alias of nx run/],
    [{ target: 'a\nb', taskId: 'lib:a\nb' }, /control character/],
    [{ taskId: 'other:build' }, /taskId does not match/],
    [{ commit: 'HEAD' }, /commit must be a full hex object id/],
    [{ v: 1 }, /unsupported version 1/],
    [{ attempt: 0 }, /bad attempt/],
    [{ patchKey: 'fleet:run:r-1:patch' }, /patchKey and patchSha256 come together/],
    [{ requirement: { gpus: -1 } }, /"gpus" must be a number >= 0/],
  ])('refuses a validly signed but malformed payload %j', (change, message) => {
    const r = verifyJob(signJob({ ...payload(), ...change } as JobPayload, TRUSTED.privateKey), trusted);
    expect(r).toMatchObject({ ok: false, code: 'FLEET_JOB_MALFORMED' });
    if (!r.ok) expect(r.message).toMatch(message);
  });

  it('an agent without a public key refuses everything; agents are never given a private key', () => {
    expect(verifyJob(signJob(payload(), TRUSTED.privateKey), { level: 'trusted', publicKey: undefined })).toMatchObject(
      { ok: false, code: 'FLEET_NO_PUBLIC_KEY' },
    );
    expect(verifyJob(null, trusted)).toMatchObject({ code: 'FLEET_JOB_MALFORMED' });
    expect(parsePublicKey(TRUSTED.privatePem, 'FLEET_PUBLIC_KEY')).toMatchObject({
      ok: false,
      code: 'FLEET_BAD_KEY',
      message: expect.stringContaining('agents hold only public keys'),
    });
    expect(parsePrivateKey('not a key', 'FLEET_SIGNING_KEY')).toMatchObject({
      ok: false,
      code: 'FLEET_BAD_KEY',
      message: expect.stringContaining('FLEET_SIGNING_KEY'),
    });
  });
});
