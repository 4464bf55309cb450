import type { GpuInfo } from './gpu-probe';
import type { Capabilities } from './hardware';
import { describeRequirement, gpuCount, type Requirement, needsGpus } from './requirement';

export type Satisfaction = { ok: true } | { ok: false; unmet: string[] };

const gb = (memoryMb: number): number => (memoryMb * 1048576) / 1e9;

/** GPUs big enough for the requirement's per-GPU memory minimum. */
function eligibleGpus(gpus: GpuInfo[], r: Requirement): GpuInfo[] {
  return gpus.filter((g) => gb(g.memoryMb) >= r.gpuMemoryGb);
}

/**
 * Whether an agent could ever run a task with this requirement (all of it: labels, GPU count and
 * memory, host memory, CPUs). `unmet` says what is missing, for the "no agent can run it" message.
 */
export function satisfies(c: Capabilities, r: Requirement): Satisfaction {
  const unmet: string[] = [];
  const missing = r.labels.filter((l) => !c.labels.includes(l));
  if (missing.length) unmet.push(`labels [${missing.join(', ')}]`);
  const need = gpuCount(r);
  const have = eligibleGpus(c.gpus, r).length;
  if (need > have)
    unmet.push(
      r.gpuMemoryGb > 0 ? `${need} GPU(s) with >= ${r.gpuMemoryGb} GB (has ${have})` : `${need} GPU(s) (has ${have})`,
    );
  if (r.memoryGb > c.memoryGb) unmet.push(`memoryGb >= ${r.memoryGb} (has ${c.memoryGb})`);
  if (r.cpus > c.cpus) unmet.push(`cpus >= ${r.cpus} (has ${c.cpus})`);
  return unmet.length ? { ok: false, unmet } : { ok: true };
}

/**
 * The device indices to give a task now, or undefined when not enough eligible GPUs are free.
 * Smallest eligible GPUs first, so big cards stay free for tasks that need them.
 */
export function assignGpus(gpus: GpuInfo[], busy: ReadonlySet<number>, r: Requirement): number[] | undefined {
  const need = gpuCount(r);
  if (need === 0) return [];
  const free = eligibleGpus(gpus, r)
    .filter((g) => !busy.has(g.index))
    .sort((a, b) => a.memoryMb - b.memoryMb || a.index - b.index);
  return free.length >= need
    ? free
        .slice(0, need)
        .map((g) => g.index)
        .sort((a, b) => a - b)
    : undefined;
}

/** "no live agent can run it" text: the requirement, then each live agent and what it lacks. */
/** Whether the agent takes the job: it satisfies the requirement, and its CPU-work policy allows a CPU-only job. */
export function agentTakes(a: { capabilities: Capabilities; cpuWorkOnGpuAgents?: string }, r: Requirement): boolean {
  if (!satisfies(a.capabilities, r).ok) return false;
  return !(a.cpuWorkOnGpuAgents === 'never' && a.capabilities.gpus.length > 0 && !needsGpus(r));
}

export function explainUnsatisfied(
  r: Requirement,
  agents: Array<{ id: string; capabilities: Capabilities; cpuWorkOnGpuAgents?: string }>,
): string {
  const lines = [`requires ${describeRequirement(r)}`];
  if (agents.length === 0) lines.push('no live agents');
  for (const a of agents) {
    const s = satisfies(a.capabilities, r);
    const c = a.capabilities;
    const what = `labels [${c.labels.join(', ')}], ${c.gpus.length} GPU(s), ${c.cpus} CPUs, ${c.memoryGb} GiB`;
    const why = !s.ok
      ? `: lacks ${s.unmet.join('; ')}`
      : agentTakes(a, r)
        ? ''
        : ': takes no CPU-only work (--cpu-work-on-gpu-agents never)';
    lines.push(`agent ${a.id} (${what})${why}`);
  }
  return lines.join('\n');
}
