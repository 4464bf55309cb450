import { createHmac, timingSafeEqual } from 'node:crypto';
import type { JobPayload, SignedJob } from './job';
import { parseRequirement } from './requirement';

export type JobRefusal = 'FLEET_JOB_UNSIGNED' | 'FLEET_JOB_BAD_SIGNATURE' | 'FLEET_JOB_MALFORMED' | 'FLEET_NO_SECRET';

export type VerifiedJob = { ok: true; payload: JobPayload } | { ok: false; code: JobRefusal; message: string };

/** Separates job signatures from any other use of the same secret. */
const DOMAIN = 'nx-fleet-job-v1\n';
const FIELDS = new Set(['v', 'runId', 'taskId', 'commit', 'patchKey', 'project', 'target', 'configuration', 'requirement', 'attempt', 'timeoutMs']);
/** Names nx accepts; a leading '-' is refused so a field can never become an nx flag. */
const NAME = /^[A-Za-z0-9@_.][A-Za-z0-9@_./:+-]*$/;
const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$/;

/** JSON with object keys sorted at every level: the bytes that are signed. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function mac(payload: unknown, secret: string): Buffer {
  return createHmac('sha256', secret).update(DOMAIN + canonicalJson(payload)).digest();
}

/** Signs a job. Throws on an empty secret: that is a configuration error of the coordinator. */
export function signJob(payload: JobPayload, secret: string): SignedJob {
  if (!secret) throw Object.assign(new Error('FLEET_SECRET is empty: jobs must be signed'), { code: 'FLEET_NO_SECRET' });
  return { payload, signature: mac(payload, secret).toString('hex') };
}

/** Why a payload is not a job an agent may run, or undefined when it is one. */
export function payloadProblem(p: Record<string, unknown>): string | undefined {
  const extra = Object.keys(p).find((k) => !FIELDS.has(k));
  if (extra) return `unexpected field "${extra}" (a job carries no command)`;
  if (p.v !== 1) return `unsupported version ${JSON.stringify(p.v)}`;
  for (const k of ['project', 'target'] as const) if (typeof p[k] !== 'string' || !NAME.test(p[k] as string)) return `bad ${k}`;
  if (p.configuration !== undefined && (typeof p.configuration !== 'string' || !NAME.test(p.configuration))) return 'bad configuration';
  if (typeof p.commit !== 'string' || !COMMIT.test(p.commit)) return 'commit must be a full hex object id';
  for (const k of ['runId', 'taskId'] as const) if (typeof p[k] !== 'string' || !ID.test(p[k] as string)) return `bad ${k}`;
  if (p.patchKey !== undefined && (typeof p.patchKey !== 'string' || !ID.test(p.patchKey))) return 'bad patchKey';
  if (!Number.isInteger(p.attempt) || (p.attempt as number) < 1) return 'bad attempt';
  if (p.timeoutMs !== undefined && (!Number.isInteger(p.timeoutMs) || (p.timeoutMs as number) < 1)) return 'bad timeoutMs';
  const r = parseRequirement(p.requirement, 'requirement');
  return r.ok ? undefined : r.message;
}

/** Checks the signature (constant time) and the payload's shape. Never throws. */
export function verifyJob(raw: unknown, secret: string): VerifiedJob {
  if (!secret) return { ok: false, code: 'FLEET_NO_SECRET', message: 'the agent has no FLEET_SECRET' };
  const job = raw as Partial<SignedJob> | null;
  if (!job || typeof job !== 'object' || !job.payload || typeof job.payload !== 'object') return { ok: false, code: 'FLEET_JOB_MALFORMED', message: 'not a job' };
  if (typeof job.signature !== 'string' || job.signature === '') return { ok: false, code: 'FLEET_JOB_UNSIGNED', message: 'job has no signature' };
  const given = /^[0-9a-f]{64}$/.test(job.signature) ? Buffer.from(job.signature, 'hex') : Buffer.alloc(0);
  const expected = mac(job.payload, secret);
  if (given.length !== expected.length || !timingSafeEqual(given, expected)) return { ok: false, code: 'FLEET_JOB_BAD_SIGNATURE', message: 'signature does not match' };
  const problem = payloadProblem(job.payload as unknown as Record<string, unknown>);
  if (problem) return { ok: false, code: 'FLEET_JOB_MALFORMED', message: problem };
  return { ok: true, payload: job.payload };
}
