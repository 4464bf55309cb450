import { spawnSync } from 'node:child_process';

/** One GPU as the vendor tool reports it. `index` is the device index CUDA/ROCm use. */
export interface GpuInfo {
  index: number;
  name: string;
  memoryMb: number;
  driverVersion: string;
  vendor: 'nvidia' | 'amd';
}

/** Something odd about the machine that did not stop detection (partial results over all-or-nothing). */
export interface HardwareDiagnostic {
  code: 'FLEET_HW_MALFORMED_OUTPUT' | 'FLEET_HW_TOOL_FAILED';
  tool: string;
  message: string;
}

export interface GpuProbe {
  gpus: GpuInfo[];
  cudaVersion?: string;
  diagnostics: HardwareDiagnostic[];
}

type ToolRun = { kind: 'missing' } | { kind: 'failed'; message: string } | { kind: 'ok'; stdout: string };

/** Runs a vendor tool; a missing tool is not a failure (most machines have no GPU). */
function runTool(tool: string, args: string[], env: NodeJS.ProcessEnv, timeoutMs: number): ToolRun {
  const r = spawnSync(tool, args, { env, encoding: 'utf8', timeout: timeoutMs });
  if (r.error) {
    const code = (r.error as NodeJS.ErrnoException).code;
    return code === 'ENOENT' || code === 'EACCES' ? { kind: 'missing' } : { kind: 'failed', message: r.error.message };
  }
  if (r.status !== 0)
    return {
      kind: 'failed',
      message: `exited ${r.status ?? r.signal}: ${(r.stderr || r.stdout).trim().slice(0, 300)}`,
    };
  return { kind: 'ok', stdout: r.stdout };
}

/** Parses `--query-gpu=index,name,memory.total,driver_version --format=csv,noheader,nounits` lines. */
export function parseNvidiaSmiCsv(text: string): { gpus: GpuInfo[]; bad: string[] } {
  const gpus: GpuInfo[] = [];
  const bad: string[] = [];
  for (const line of text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean)) {
    const cells = line.split(',').map((c) => c.trim());
    const index = Number(cells[0]);
    const memoryMb = Number(cells[2]);
    if (cells.length !== 4 || !Number.isInteger(index) || index < 0 || !Number.isFinite(memoryMb) || !cells[1]) {
      bad.push(line);
      continue;
    }
    gpus.push({ index, name: cells[1], memoryMb, driverVersion: cells[3], vendor: 'nvidia' });
  }
  return { gpus, bad };
}

/** The "CUDA Version: 12.4" in nvidia-smi's plain header; the query API has no field for it. */
export function parseCudaVersion(text: string): string | undefined {
  return /CUDA Version:\s*([0-9]+(?:\.[0-9]+)*)/.exec(text)?.[1];
}

function probeNvidia(env: NodeJS.ProcessEnv, timeoutMs: number): GpuProbe {
  const q = runTool(
    'nvidia-smi',
    ['--query-gpu=index,name,memory.total,driver_version', '--format=csv,noheader,nounits'],
    env,
    timeoutMs,
  );
  if (q.kind === 'missing') return { gpus: [], diagnostics: [] };
  if (q.kind === 'failed')
    return { gpus: [], diagnostics: [{ code: 'FLEET_HW_TOOL_FAILED', tool: 'nvidia-smi', message: q.message }] };
  const { gpus, bad } = parseNvidiaSmiCsv(q.stdout);
  const diagnostics: HardwareDiagnostic[] = bad.map((line) => ({
    code: 'FLEET_HW_MALFORMED_OUTPUT',
    tool: 'nvidia-smi',
    message: `unexpected line (want "index, name, memory MiB, driver"): ${JSON.stringify(line.slice(0, 200))}`,
  }));
  if (gpus.length === 0) return { gpus, diagnostics };
  const header = runTool('nvidia-smi', [], env, timeoutMs);
  return { gpus, cudaVersion: header.kind === 'ok' ? parseCudaVersion(header.stdout) : undefined, diagnostics };
}

/** `rocm-smi --showproductname --showmeminfo vram --json`: `{card0: {"Card series": ..., "VRAM Total Memory (B)": ...}}`. */
export function parseRocmSmiJson(text: string): GpuInfo[] | undefined {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (!data || typeof data !== 'object') return undefined;
  const gpus: GpuInfo[] = [];
  for (const [key, value] of Object.entries(data as Record<string, Record<string, string>>)) {
    const m = /^card(\d+)$/.exec(key);
    if (!m || !value || typeof value !== 'object') continue;
    const name = value['Card series'] ?? value['Card SKU'] ?? value['Card model'] ?? 'AMD GPU';
    const bytes = Number(value['VRAM Total Memory (B)'] ?? 0);
    gpus.push({
      index: Number(m[1]),
      name,
      memoryMb: Math.round(bytes / 1048576),
      driverVersion: value['Driver version'] ?? '',
      vendor: 'amd',
    });
  }
  return gpus;
}

function probeRocm(env: NodeJS.ProcessEnv, timeoutMs: number): GpuProbe {
  const r = runTool('rocm-smi', ['--showproductname', '--showmeminfo', 'vram', '--json'], env, timeoutMs);
  if (r.kind === 'missing') return { gpus: [], diagnostics: [] };
  if (r.kind === 'failed')
    return { gpus: [], diagnostics: [{ code: 'FLEET_HW_TOOL_FAILED', tool: 'rocm-smi', message: r.message }] };
  const gpus = parseRocmSmiJson(r.stdout);
  if (gpus) return { gpus, diagnostics: [] };
  return {
    gpus: [],
    diagnostics: [{ code: 'FLEET_HW_MALFORMED_OUTPUT', tool: 'rocm-smi', message: 'output is not the expected JSON' }],
  };
}

/** NVIDIA first, then ROCm; a machine with both reports both (indices are per vendor). */
export function probeGpus(env: NodeJS.ProcessEnv, timeoutMs = 10_000): GpuProbe {
  const nv = probeNvidia(env, timeoutMs);
  const amd = probeRocm(env, timeoutMs);
  return {
    gpus: [...nv.gpus, ...amd.gpus],
    cudaVersion: nv.cudaVersion,
    diagnostics: [...nv.diagnostics, ...amd.diagnostics],
  };
}
