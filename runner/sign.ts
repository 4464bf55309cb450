import { sign, verify, type KeyObject } from 'node:crypto';
import type { JobPayload, SignedJob } from './job';
import { parseRequirement } from './requirement';
import { taskNameProblem, nxTaskArg } from './task-names';

export type JobRefusal =
  | 'FLEET_JOB_UNSIGNED'
  | 'FLEET_JOB_BAD_SIGNATURE'
  | 'FLEET_JOB_MALFORMED'
  | 'FLEET_JOB_WRONG_TRUST'
  | 'FLEET_NO_PUBLIC_KEY';

export type VerifiedJob = { ok: true; payload: JobPayload } | { ok: false; code: JobRefusal; message: string };

/** What an agent verifies with: the trust level it serves and that level's public key. */
export interface TrustKey {
  level: string;
  publicKey: KeyObject | undefined;
}

/** Separates job signatures from any other use of the same key. */
const DOMAIN = 'nx-fleet-job-v2\n';
const FIELDS = new Set([
  'v',
  'trust',
  'runId',
  'taskId',
  'commit',
  'patchKey',
  'patchSha256',
  'project',
  'target',
  'configuration',
  'requirement',
  'attempt',
  'timeoutMs',
  'repo',
  'returnOutputsLimit',
]);
const COMMIT = /^[0-9a-f]{40}([0-9a-f]{24})?$/;
const ID = /^[A-Za-z0-9][A-Za-z0-9_.:@/+-]*$/;
const SHA256 = /^[0-9a-f]{64}$/;
/** Repository ids (`fleet agent --repo id=url`). */
export const REPO_ID = /^[a-z0-9][a-z0-9_.-]{0,63}$/;
/** Trust level names: `trusted`, `untrusted`, or your own (`main`, `pr`). */
export const TRUST_LEVEL = /^[a-z][a-z0-9-]{0,31}$/;

/** JSON with object keys sorted at every level: the bytes that are signed. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

const signedBytes = (payload: unknown): Buffer => Buffer.from(DOMAIN + canonicalJson(payload), 'utf8');

/** Signs a job with its level's Ed25519 private key (check it with {@link payloadProblem} first). */
export function signJob(payload: JobPayload, privateKey: KeyObject): SignedJob {
  return { payload, signature: sign(null, signedBytes(payload), privateKey).toString('base64') };
}

function namesProblem(p: Record<string, unknown>): string | undefined {
  const problem =
    taskNameProblem('project', p.project) ??
    taskNameProblem('target', p.target) ??
    (p.configuration === undefined ? undefined : taskNameProblem('configuration', p.configuration));
  if (problem) return problem;
  // The task id is what Nx calls the task: it must name the same task the agent will run.
  if (p.taskId !== nxTaskArg(p.project as string, p.target as string, p.configuration as string | undefined))
    return 'taskId does not match project, target and configuration';
  return undefined;
}

/** Why a payload is not a job an agent may run, or undefined when it is one. */
export function payloadProblem(p: Record<string, unknown>): string | undefined {
  const extra = Object.keys(p).find((k) => !FIELDS.has(k));
  if (extra) return `unexpected field "${extra}" (a job carries no command)`;
  if (p.v !== 2) return `unsupported version ${JSON.stringify(p.v)}`;
  if (typeof p.trust !== 'string' || !TRUST_LEVEL.test(p.trust)) return 'bad trust level';
  const names = namesProblem(p);
  if (names) return names;
  if (typeof p.commit !== 'string' || !COMMIT.test(p.commit)) return 'commit must be a full hex object id';
  if (typeof p.runId !== 'string' || !ID.test(p.runId)) return 'bad runId';
  if (p.patchKey !== undefined && (typeof p.patchKey !== 'string' || !ID.test(p.patchKey))) return 'bad patchKey';
  // The patch is fetched by key from Redis: its digest is what the signature vouches for.
  if ((p.patchKey === undefined) !== (p.patchSha256 === undefined)) return 'patchKey and patchSha256 come together';
  if (p.patchSha256 !== undefined && (typeof p.patchSha256 !== 'string' || !SHA256.test(p.patchSha256)))
    return 'bad patchSha256';
  if (!Number.isInteger(p.attempt) || (p.attempt as number) < 1) return 'bad attempt';
  if (p.timeoutMs !== undefined && (!Number.isInteger(p.timeoutMs) || (p.timeoutMs as number) < 1))
    return 'bad timeoutMs';
  if (p.repo !== undefined && (typeof p.repo !== 'string' || !REPO_ID.test(p.repo))) return 'bad repo';
  if (
    p.returnOutputsLimit !== undefined &&
    (!Number.isSafeInteger(p.returnOutputsLimit) || (p.returnOutputsLimit as number) < 0)
  )
    return 'bad returnOutputsLimit';
  const r = parseRequirement(p.requirement, 'requirement');
  return r.ok ? undefined : r.message;
}

/**
 * Checks, in this order, that the job is for the agent's trust level, that its signature is the
 * level's (Ed25519), and that the payload is well formed. Never throws. The level is checked
 * first so that an untrusted job in a trusted queue is named as such, whoever signed it.
 */
export function verifyJob(raw: unknown, trust: TrustKey): VerifiedJob {
  if (!trust.publicKey)
    return {
      ok: false,
      code: 'FLEET_NO_PUBLIC_KEY',
      message: `the agent has no public key for trust level "${trust.level}"`,
    };
  const job = raw as Partial<SignedJob> | null;
  if (!job || typeof job !== 'object' || !job.payload || typeof job.payload !== 'object')
    return { ok: false, code: 'FLEET_JOB_MALFORMED', message: 'not a job' };
  const level = (job.payload as { trust?: unknown }).trust;
  if (level !== trust.level)
    return {
      ok: false,
      code: 'FLEET_JOB_WRONG_TRUST',
      message: `a job of trust level ${JSON.stringify(level)} on an agent of level "${trust.level}"`,
    };
  if (typeof job.signature !== 'string' || job.signature === '')
    return { ok: false, code: 'FLEET_JOB_UNSIGNED', message: 'job has no signature' };
  const given = /^[A-Za-z0-9+/]{86}==$/.test(job.signature) ? Buffer.from(job.signature, 'base64') : Buffer.alloc(0);
  let good = false;
  try {
    good = given.length === 64 && verify(null, signedBytes(job.payload), trust.publicKey, given);
  } catch {
    good = false;
  }
  if (!good)
    return {
      ok: false,
      code: 'FLEET_JOB_BAD_SIGNATURE',
      message: `not signed with the key of trust level "${trust.level}"`,
    };
  const problem = payloadProblem(job.payload as unknown as Record<string, unknown>);
  if (problem) return { ok: false, code: 'FLEET_JOB_MALFORMED', message: problem };
  return { ok: true, payload: job.payload };
}
