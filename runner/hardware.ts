import * as os from 'node:os';
import { probeGpus, type GpuInfo, type HardwareDiagnostic } from './gpu-probe';

/**
 * What an agent offers. Stable JSON (`fleet hardware --json`, the agent's heartbeat key).
 * @example {"hostname":"gpu-1","os":"linux","arch":"x64","cpus":16,"memoryGb":125.7,
 *   "gpus":[{"index":0,"name":"NVIDIA H100 80GB HBM3","memoryMb":81559,"driverVersion":"550.54","vendor":"nvidia"}],
 *   "cudaVersion":"12.4","labels":["arch:x64","cuda:12","gpu","gpu:h100","os:linux"]}
 */
export interface Capabilities {
  hostname: string;
  os: string;
  arch: string;
  cpus: number;
  memoryGb: number;
  gpus: GpuInfo[];
  cudaVersion?: string;
  /** Derived labels plus configured ones, sorted and unique. */
  labels: string[];
}

export interface HardwareReport {
  capabilities: Capabilities;
  diagnostics: HardwareDiagnostic[];
}

export interface DetectHardwareOptions {
  /** Configured labels (`--labels`, `FLEET_AGENT_LABELS`). */
  labels?: string[];
  /** Environment for the vendor tools (its PATH decides which nvidia-smi runs). */
  env?: NodeJS.ProcessEnv;
  timeoutMs?: number;
}

/** "NVIDIA H100 80GB HBM3" → "h100", "Tesla V100-SXM2-16GB" → "v100", "NVIDIA GeForce RTX 4090" → "rtx4090". */
export function gpuModelSlug(name: string): string {
  const tokens = name
    .toLowerCase()
    .split(/[\s\-_/]+/)
    .filter(Boolean);
  const i = tokens.findIndex((t) => /\d/.test(t));
  if (i < 0)
    return (
      tokens.filter((t) => !['nvidia', 'amd', 'tesla', 'geforce', 'quadro', 'radeon'].includes(t)).join('') || 'unknown'
    );
  // A bare number ("4090") belongs to its series word ("rtx").
  const model = /^\d+$/.test(tokens[i]) && i > 0 ? tokens[i - 1] + tokens[i] : tokens[i];
  return model.replace(/[^a-z0-9.]/g, '');
}

const ARCH: Record<string, string> = { x64: 'x64', arm64: 'arm64', ia32: 'x86', arm: 'arm' };
const OS: Record<string, string> = { linux: 'linux', darwin: 'macos', win32: 'windows' };

/** Labels every matcher can rely on: `gpu`, `gpu:<model>`, `gpu:<vendor>`, `cuda:<major>`, `arch:<a>`, `os:<o>`. */
export function deriveLabels(c: Omit<Capabilities, 'labels' | 'hostname'>): string[] {
  const labels = [`arch:${ARCH[c.arch] ?? c.arch}`, `os:${OS[c.os] ?? c.os}`];
  if (c.gpus.length > 0) labels.push('gpu');
  for (const g of c.gpus) labels.push(`gpu:${gpuModelSlug(g.name)}`, `gpu:${g.vendor}`);
  if (c.cudaVersion) labels.push(`cuda:${c.cudaVersion.split('.')[0]}`);
  return labels;
}

/** Splits `a,b, c` (flag or env) into trimmed, lower-case labels. */
export function parseLabels(text: string | undefined): string[] {
  return (text ?? '')
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
}

/** Detects this machine's capabilities. Never throws for missing or odd GPU tools: those become diagnostics. */
export function detectHardware(opts: DetectHardwareOptions = {}): HardwareReport {
  const probe = probeGpus(opts.env ?? process.env, opts.timeoutMs);
  const base = {
    os: process.platform as string,
    arch: process.arch as string,
    cpus: os.availableParallelism(),
    memoryGb: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    gpus: probe.gpus,
    ...(probe.cudaVersion ? { cudaVersion: probe.cudaVersion } : {}),
  };
  const labels = [...new Set([...deriveLabels(base), ...(opts.labels ?? [])])].sort();
  return { capabilities: { hostname: os.hostname(), ...base, labels }, diagnostics: probe.diagnostics };
}
