import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

export interface FakeGpu {
  name: string;
  memoryMb: number;
}

/**
 * A folder holding a fake `nvidia-smi` (a /bin/sh script using only builtins, so PATH may be just
 * this folder). `csv` overrides the query output (for malformed cases).
 */
export function fakeNvidiaSmiDir(gpus: FakeGpu[], opts: { csv?: string; cuda?: string } = {}): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-fake-smi-'));
  const csv = opts.csv ?? gpus.map((g, i) => `${i}, ${g.name}, ${g.memoryMb}, 550.54.15`).join('\n');
  const script = [
    '#!/bin/sh',
    'case "$1" in',
    `  --query-gpu=*) printf '%s\\n' '${csv.replace(/'/g, '')}' ;;`,
    `  *) printf '%s\\n' '| NVIDIA-SMI 550.54.15    Driver Version: 550.54.15    CUDA Version: ${opts.cuda ?? '12.4'}     |' ;;`,
    'esac',
  ].join('\n');
  fs.writeFileSync(path.join(dir, 'nvidia-smi'), script + '\n', { mode: 0o755 });
  return dir;
}

/** A folder with no tools at all: PATH=<it> means nvidia-smi and rocm-smi are missing. */
export function emptyToolDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-no-tools-'));
}
