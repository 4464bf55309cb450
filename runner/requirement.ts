import { createHash } from 'node:crypto';

/**
 * What a task needs from an agent. Canonical form: labels lower-case, unique, sorted; every
 * number present (0 = no minimum). Two tasks with equal canonical requirements share a queue.
 * @example {"labels":["gpu","gpu:h100"],"gpus":1,"gpuMemoryGb":40,"memoryGb":0,"cpus":0}
 */
export interface Requirement {
  labels: string[];
  /** GPUs the task gets for itself (CUDA_VISIBLE_DEVICES). */
  gpus: number;
  /** Minimum memory of each assigned GPU, in GB (10^9 bytes, as cards are sold). */
  gpuMemoryGb: number;
  /** Minimum memory of the agent's machine, in GiB as the OS reports it. */
  memoryGb: number;
  cpus: number;
}

/** A requirement as written in nx.json or project.json: every field optional. */
export type RequirementInput = Partial<Requirement>;

export type RequirementResult =
  { ok: true; requirement: Requirement } | { ok: false; code: 'FLEET_INVALID_REQUIREMENT'; message: string };

const NUMBERS = ['gpus', 'gpuMemoryGb', 'memoryGb', 'cpus'] as const;
const LABEL = /^[a-z0-9][a-z0-9:._/-]*$/;

/** Fills defaults and sorts; the input is assumed valid (see {@link parseRequirement}). */
export function canonicalRequirement(input: RequirementInput = {}): Requirement {
  const labels = [...new Set((input.labels ?? []).map((l) => l.trim().toLowerCase()).filter(Boolean))].sort();
  return {
    labels,
    gpus: input.gpus ?? 0,
    gpuMemoryGb: input.gpuMemoryGb ?? 0,
    memoryGb: input.memoryGb ?? 0,
    cpus: input.cpus ?? 0,
  };
}

/** Validates untyped JSON (e.g. `metadata.fleet.requires`); `where` names it in the message. */
export function parseRequirement(value: unknown, where: string): RequirementResult {
  const bad = (message: string): RequirementResult => ({
    ok: false,
    code: 'FLEET_INVALID_REQUIREMENT',
    message: `${where}: ${message}`,
  });
  if (value === null || typeof value !== 'object' || Array.isArray(value))
    return bad('must be an object like {"labels": ["gpu"], "gpus": 1}');
  const v = value as Record<string, unknown>;
  const unknown = Object.keys(v).filter((k) => k !== 'labels' && !(NUMBERS as readonly string[]).includes(k));
  if (unknown.length) return bad(`unknown field "${unknown[0]}"; known fields are: labels, ${NUMBERS.join(', ')}`);
  if (v.labels !== undefined) {
    if (!Array.isArray(v.labels)) return bad('"labels" must be an array of strings');
    const wrong = v.labels.find((l) => typeof l !== 'string' || !LABEL.test(l.trim().toLowerCase()));
    if (wrong !== undefined) return bad(`label ${JSON.stringify(wrong)} must match ${LABEL.source}`);
  }
  for (const k of NUMBERS) {
    const n = v[k];
    if (n !== undefined && (typeof n !== 'number' || !Number.isFinite(n) || n < 0))
      return bad(`"${k}" must be a number >= 0 (got ${JSON.stringify(n)})`);
  }
  if (v.gpus !== undefined && !Number.isInteger(v.gpus))
    return bad(`"gpus" must be a whole number (got ${JSON.stringify(v.gpus)})`);
  return { ok: true, requirement: canonicalRequirement(v as RequirementInput) };
}

/** The canonical text of a requirement: equal requirements give equal keys. */
export function requirementKey(r: Requirement): string {
  return `labels=${r.labels.join(',')};gpus=${r.gpus};gpuMemoryGb=${r.gpuMemoryGb};memoryGb=${r.memoryGb};cpus=${r.cpus}`;
}

/** Whether a task needs GPUs assigned (and so counts against an agent's free GPUs). */
export function needsGpus(r: Requirement): boolean {
  return r.gpus > 0 || r.gpuMemoryGb > 0;
}

/** The GPUs to assign: at least one when only a GPU memory minimum is given. */
export function gpuCount(r: Requirement): number {
  return r.gpus > 0 ? r.gpus : r.gpuMemoryGb > 0 ? 1 : 0;
}

/**
 * `fleet-any` for no requirement, else `fleet-<16 hex of the key>` (BullMQ names cannot hold ':');
 * queues of a trust level other than `trusted` are `fleet-<level>-any`, `fleet-<level>-<16 hex>`.
 */
export function queueName(r: Requirement, trust = 'trusted'): string {
  const key = requirementKey(r);
  const level = trust === 'trusted' ? '' : `${trust}-`;
  if (key === requirementKey(canonicalRequirement())) return `fleet-${level}any`;
  return `fleet-${level}${createHash('sha256').update(key).digest('hex').slice(0, 16)}`;
}

/** Human form for messages: `labels [gpu, gpu:h100], gpus >= 1`. */
export function describeRequirement(r: Requirement): string {
  const parts = r.labels.length ? [`labels [${r.labels.join(', ')}]`] : [];
  for (const k of NUMBERS) if (r[k] > 0) parts.push(`${k} >= ${r[k]}`);
  return parts.length ? parts.join(', ') : 'nothing';
}
