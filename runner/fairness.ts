import { canonicalRequirement, needsGpus, type Requirement } from './requirement';
import { REPO_ID } from './sign';

/**
 * Fairness between concurrent runs. BullMQ's open-source edition has priorities but no group
 * round-robin, so every run gets queues of its own (one per requirement: `<class queue>.<runId>`),
 * registered with the run, its `--priority` and its repository. Agents serve the queues of the
 * highest run priority first; among the runs of one priority, the run this agent has served least
 * comes first, ties in rotation (after the run last served). A run that arrives late starts with at
 * most `credit` tasks less than the most-served run, not with zero: a 5-task run started while a
 * 200-task run is in flight gets the agent's slots for its few tasks first (it finishes about as
 * fast as alone), and a large run that arrives late gets `credit` tasks ahead and then takes turns,
 * so no run waits for more than `credit` tasks of each other run on an agent (no starvation either
 * way). Runs that are all there from the start are served strictly in turn.
 */

/** The default credit of a late run (tasks per agent and group); agents use max(8, 2 x slots). */
export const FAIR_CREDIT = 8;

/** What the coordinator registers about a run's queue beside its requirement (`fleet:queues` value). */
export interface QueueMeta {
  /** The run whose jobs the queue holds; absent for the shared class queues (older coordinators). */
  run?: string;
  /** `fleet run --priority`: queues of a higher one are served first. Default 0. */
  priority?: number;
  /** The repository id the run's jobs name (`fleet run --repo`); absent: the agents' default repository. */
  repo?: string;
}

export interface RegistryEntry {
  name: string;
  requirement: Requirement;
  meta: QueueMeta;
}

const RUN_ID = /^[A-Za-z0-9_.-]{1,128}$/;

/** The queue of one run's jobs of one requirement class (BullMQ names hold no ':'). */
export function runQueueName(classQueue: string, runId: string): string {
  return `${classQueue}.${runId}`;
}

/** The registry value: the canonical requirement with the run's fields beside it. */
export function registryValue(requirement: Requirement, meta: QueueMeta): string {
  const out: Record<string, unknown> = { ...requirement };
  if (meta.run !== undefined) out.run = meta.run;
  if (meta.priority) out.priority = meta.priority;
  if (meta.repo !== undefined) out.repo = meta.repo;
  return JSON.stringify(out);
}

/**
 * Reads a registry value, or undefined for one that is not JSON of the expected shape (anyone who
 * can write Redis can write the registry: a bad entry is skipped, never a crash). The meta is a
 * routing hint only: the job's signed payload decides what runs, and in which repository.
 */
export function parseRegistryEntry(name: string, json: string): RegistryEntry | undefined {
  let v: unknown;
  try {
    v = JSON.parse(json);
  } catch {
    return undefined;
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return undefined;
  const o = v as Record<string, unknown>;
  const meta: QueueMeta = {};
  if (typeof o.run === 'string' && RUN_ID.test(o.run)) meta.run = o.run;
  if (typeof o.priority === 'number' && Number.isInteger(o.priority)) meta.priority = o.priority;
  if (typeof o.repo === 'string' && REPO_ID.test(o.repo)) meta.repo = o.repo;
  if (o.labels !== undefined && (!Array.isArray(o.labels) || o.labels.some((l) => typeof l !== 'string')))
    return undefined;
  for (const k of ['gpus', 'gpuMemoryGb', 'memoryGb', 'cpus'])
    if (o[k] !== undefined && (typeof o[k] !== 'number' || !Number.isFinite(o[k]) || (o[k] as number) < 0))
      return undefined;
  return { name, requirement: canonicalRequirement(o as Partial<Requirement>), meta };
}

/**
 * The order an agent looks at its queues in: GPU queues first (the expensive hardware goes to the
 * work that needs it), then higher run priority, then the runs of one priority by the service this
 * agent gave them (least first, a late run's lag bounded by the credit), equals in rotation
 * starting after the run it last took a job of. Pure bookkeeping, no I/O.
 */
export class FairOrder {
  /** Per (GPU?, priority) group: the run last served. */
  private readonly last = new Map<string, string>();
  /** Per group: tasks taken of each run (raised to the most-served run's count less the credit). */
  private readonly service = new Map<string, Map<string, number>>();

  constructor(private readonly credit = FAIR_CREDIT) {}

  private static group(e: RegistryEntry): string {
    return `${needsGpus(e.requirement) ? 'gpu' : 'cpu'}:${e.meta.priority ?? 0}`;
  }

  order<T extends RegistryEntry>(entries: T[]): T[] {
    const groups = new Map<string, T[]>();
    for (const e of entries) {
      const g = FairOrder.group(e);
      let list = groups.get(g);
      if (!list) groups.set(g, (list = []));
      list.push(e);
    }
    const keys = [...groups.keys()].sort((a, b) => {
      const [ga, pa] = a.split(':');
      const [gb, pb] = b.split(':');
      return Number(gb === 'gpu') - Number(ga === 'gpu') || Number(pb) - Number(pa);
    });
    const out: T[] = [];
    for (const k of keys) {
      const list = groups.get(k)!.sort((a, b) => cmp(a.meta.run ?? '', b.meta.run ?? '') || cmp(a.name, b.name));
      const last = this.last.get(k);
      // Rotate: the first queue of a run after the last one served comes first.
      const i = last === undefined ? 0 : list.findIndex((e) => (e.meta.run ?? '') > last);
      const rotated = i <= 0 ? list : [...list.slice(i), ...list.slice(0, i)];
      // Then the least served first (a stable sort keeps the rotation among equals).
      const counts = this.counts(k, rotated);
      out.push(...rotated.sort((a, b) => counts.get(a.meta.run ?? '')! - counts.get(b.meta.run ?? '')!));
    }
    return out;
  }

  /**
   * The group's service counts of the runs listed, a late run's raised to the most-served one's
   * less the credit; runs no longer listed are forgotten (their queues left the registry).
   */
  private counts(group: string, list: RegistryEntry[]): Map<string, number> {
    const counts = this.groupService(group);
    const runs = new Set(list.map((e) => e.meta.run ?? ''));
    for (const r of [...counts.keys()]) if (!runs.has(r)) counts.delete(r);
    const floor = Math.max(0, ...counts.values()) - this.credit;
    for (const r of runs) counts.set(r, Math.max(counts.get(r) ?? 0, floor));
    return counts;
  }

  /** A job of this queue was taken: its run counts one more service and goes to the back of its group. */
  served(e: RegistryEntry): void {
    const g = FairOrder.group(e);
    const run = e.meta.run ?? '';
    this.last.set(g, run);
    const counts = this.groupService(g);
    counts.set(run, (counts.get(run) ?? 0) + 1);
  }

  /** The service counts of one group (created empty). */
  private groupService(group: string): Map<string, number> {
    let counts = this.service.get(group);
    if (!counts) this.service.set(group, (counts = new Map()));
    return counts;
  }
}

const cmp = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
