import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { deriveLabels, detectHardware, gpuModelSlug, parseLabels } from '../../runner';
import { fleetBin } from '../cache/support/serve-process';
import { emptyToolDir, fakeNvidiaSmiDir } from './support/fake-gpu-tools';

const dirs: string[] = [];
const track = (d: string): string => {
  dirs.push(d);
  return d;
};
afterAll(() => dirs.forEach((d) => fs.rmSync(d, { recursive: true, force: true })));

function fleetHardware(pathDir: string, extraEnv: Record<string, string> = {}, args: string[] = ['--json']) {
  const r = spawnSync(process.execPath, [fleetBin(), 'hardware', ...args], {
    env: { ...process.env, PATH: pathDir, ...extraEnv },
    encoding: 'utf8',
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('fleet hardware', () => {
  it('reports two GPUs from nvidia-smi, the CUDA version and the derived labels', () => {
    const dir = track(
      fakeNvidiaSmiDir([
        { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 },
        { name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 },
      ]),
    );
    const r = fleetHardware(dir);
    expect(r.code).toBe(0);
    const { capabilities: c, diagnostics } = JSON.parse(r.stdout);
    expect(diagnostics).toEqual([]);
    expect(c.gpus).toEqual([
      { index: 0, name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, driverVersion: '550.54.15', vendor: 'nvidia' },
      { index: 1, name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559, driverVersion: '550.54.15', vendor: 'nvidia' },
    ]);
    expect(c.cudaVersion).toBe('12.4');
    expect(c.labels).toEqual(expect.arrayContaining(['gpu', 'gpu:h100', 'gpu:nvidia', 'cuda:12', `os:linux`]));
    expect(c.cpus).toBeGreaterThan(0);
    expect(c.memoryGb).toBeGreaterThan(0);
  });

  it('zero GPUs (nvidia-smi prints nothing) means no gpu label and no diagnostic', () => {
    const r = fleetHardware(track(fakeNvidiaSmiDir([])));
    const { capabilities: c, diagnostics } = JSON.parse(r.stdout);
    expect(r.code).toBe(0);
    expect(c.gpus).toEqual([]);
    expect(c.labels).not.toContain('gpu');
    expect(diagnostics).toEqual([]);
  });

  it('missing tools mean no GPU, never an error', () => {
    const r = fleetHardware(track(emptyToolDir()));
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ capabilities: { gpus: [] }, diagnostics: [] });
  });

  it('malformed nvidia-smi output gives a diagnostic and keeps the good lines', () => {
    const dir = track(
      fakeNvidiaSmiDir([], {
        csv: '0, NVIDIA A100-SXM4-40GB, 40960, 535.1\ngarbage line\n1, NVIDIA A100, lots, 535.1',
      }),
    );
    const r = fleetHardware(dir);
    expect(r.code).toBe(0);
    const report = JSON.parse(r.stdout);
    expect(report.capabilities.gpus.map((g: { index: number }) => g.index)).toEqual([0]);
    expect(report.capabilities.labels).toContain('gpu:a100');
    expect(report.diagnostics).toHaveLength(2);
    expect(report.diagnostics[0]).toMatchObject({ code: 'FLEET_HW_MALFORMED_OUTPUT', tool: 'nvidia-smi' });
    expect(r.stderr).toContain('FLEET_HW_MALFORMED_OUTPUT');
  });

  it('adds labels from FLEET_AGENT_LABELS, and --labels wins over it', () => {
    const dir = track(emptyToolDir());
    expect(
      JSON.parse(fleetHardware(dir, { FLEET_AGENT_LABELS: 'Fast-Disk, zone:eu' }).stdout).capabilities.labels,
    ).toEqual(expect.arrayContaining(['fast-disk', 'zone:eu']));
    const flagged = JSON.parse(
      fleetHardware(dir, { FLEET_AGENT_LABELS: 'zone:eu' }, ['--json', '--labels', 'zone:us']).stdout,
    );
    expect(flagged.capabilities.labels).toContain('zone:us');
    expect(flagged.capabilities.labels).not.toContain('zone:eu');
  });

  it('prints a human summary without --json', () => {
    const r = fleetHardware(track(fakeNvidiaSmiDir([{ name: 'NVIDIA L4', memoryMb: 23034 }])), {}, []);
    expect(r.stdout).toContain('GPU 0: NVIDIA L4');
    expect(r.stdout).toMatch(/labels: .*gpu:l4/);
  });
});

describe('hardware helpers', () => {
  it.each([
    ['NVIDIA H100 80GB HBM3', 'h100'],
    ['Tesla V100-SXM2-16GB', 'v100'],
    ['NVIDIA GeForce RTX 4090', 'rtx4090'],
    ['NVIDIA A100-SXM4-40GB', 'a100'],
    ['NVIDIA L4', 'l4'],
    ['NVIDIA RTX A6000', 'a6000'],
  ])('slug of %s is %s', (name, slug) => expect(gpuModelSlug(name)).toBe(slug));

  it('derives arch and os labels without GPUs', () => {
    expect(deriveLabels({ os: 'linux', arch: 'arm64', cpus: 4, memoryGb: 8, gpus: [] })).toEqual([
      'arch:arm64',
      'os:linux',
    ]);
  });

  it('parses label lists', () => expect(parseLabels(' a, B ,,c ')).toEqual(['a', 'b', 'c']));

  it('detectHardware in-process with a fake PATH', () => {
    const dir = track(fakeNvidiaSmiDir([{ name: 'NVIDIA H100 80GB HBM3', memoryMb: 81559 }], { cuda: '13.0' }));
    const r = detectHardware({ env: { PATH: dir }, labels: ['x'] });
    expect(r.capabilities.labels).toEqual(expect.arrayContaining(['cuda:13', 'gpu', 'x']));
  });
});
