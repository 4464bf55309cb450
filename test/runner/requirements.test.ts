import { describe, expect, it } from 'vitest';
import { normalizeOptions, validateOptions } from '../../config';
import {
  agentTakes,
  assignGpus,
  canonicalRequirement,
  describeRequirement,
  explainUnsatisfied,
  globMatch,
  matchRule,
  parseRequirement,
  queueName,
  requirementKey,
  resolveRequirement,
  satisfies,
  type AssignmentRule,
  type Capabilities,
  type GpuInfo,
} from '../../runner';

const gpu = (index: number, memoryMb = 81559, name = 'NVIDIA H100 80GB HBM3'): GpuInfo => ({
  index,
  name,
  memoryMb,
  driverVersion: '550',
  vendor: 'nvidia',
});
const caps = (over: Partial<Capabilities> = {}): Capabilities => ({
  hostname: 'h',
  os: 'linux',
  arch: 'x64',
  cpus: 8,
  memoryGb: 31.3,
  gpus: [],
  labels: ['arch:x64', 'os:linux'],
  ...over,
});
const task = (project: string, target: string, over: Record<string, unknown> = {}) => ({
  project,
  target,
  tags: [] as string[],
  ...over,
});

describe('requirement model', () => {
  it('canonical form: lower-case unique sorted labels, zeros filled', () => {
    expect(canonicalRequirement({ labels: ['GPU', 'cuda:12', 'gpu'], gpus: 1 })).toEqual({
      labels: ['cuda:12', 'gpu'],
      gpus: 1,
      gpuMemoryGb: 0,
      memoryGb: 0,
      cpus: 0,
    });
  });

  it('equal requirements share a queue, different ones do not; no requirement is fleet-any', () => {
    const a = canonicalRequirement({ labels: ['b', 'a'], gpus: 1 });
    const b = canonicalRequirement({ gpus: 1, labels: ['a', 'b', 'a'] });
    expect(requirementKey(a)).toBe('labels=a,b;gpus=1;gpuMemoryGb=0;memoryGb=0;cpus=0');
    expect(queueName(a)).toBe(queueName(b));
    expect(queueName(a)).toMatch(/^fleet-[0-9a-f]{16}$/);
    expect(queueName(canonicalRequirement({ labels: ['a'] }))).not.toBe(queueName(a));
    expect(queueName(canonicalRequirement({}))).toBe('fleet-any');
  });

  it.each([
    [5, /must be an object/],
    [{ gpu: 1 }, /unknown field "gpu"; known fields are: labels, gpus, gpuMemoryGb, memoryGb, cpus/],
    [{ labels: 'gpu' }, /"labels" must be an array of strings/],
    [{ labels: ['ok', 'has space'] }, /label "has space" must match/],
    [{ gpus: -1 }, /"gpus" must be a number >= 0 \(got -1\)/],
    [{ gpus: 1.5 }, /"gpus" must be a whole number \(got 1.5\)/],
    [{ memoryGb: '32' }, /"memoryGb" must be a number >= 0 \(got "32"\)/],
  ])('parseRequirement rejects %j with a located message', (value, message) => {
    const r = parseRequirement(value, 'p:t metadata.fleet.requires');
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.code).toBe('FLEET_INVALID_REQUIREMENT');
      expect(r.message).toMatch(/^p:t metadata\.fleet\.requires: /);
      expect(r.message).toMatch(message);
    }
  });

  it('describes requirements for messages', () => {
    expect(describeRequirement(canonicalRequirement({ labels: ['gpu'], gpus: 2, memoryGb: 32 }))).toBe(
      'labels [gpu], gpus >= 2, memoryGb >= 32',
    );
    expect(describeRequirement(canonicalRequirement())).toBe('nothing');
  });
});

describe('requirement sources and precedence', () => {
  const rules: AssignmentRule[] = [
    { projects: ['trainer'], requires: { labels: ['a'] } },
    { projects: ['train*'], targets: ['train'], requires: { labels: ['b'] } },
    { projects: ['train*'], targets: ['train'], requires: { labels: ['c'] } },
    { targets: ['e2e'], configurations: ['ci'], requires: { labels: ['d'] } },
  ];

  it('globs: * and ? only, anchored, regex characters literal', () => {
    expect(globMatch('train*', 'trainer')).toBe(true);
    expect(globMatch('t?st', 'test')).toBe(true);
    expect(globMatch('a.b', 'axb')).toBe(false);
    expect(globMatch('@org/*', '@org/lib')).toBe(true);
    expect(globMatch('lib', 'lib2')).toBe(false);
  });

  it('the more specific rule wins, then the first listed', () => {
    expect(matchRule(rules, { project: 'trainer', target: 'train' })).toBe(1);
    expect(matchRule(rules, { project: 'trainer', target: 'test' })).toBe(0);
    expect(matchRule(rules, { project: 'x', target: 'e2e', configuration: 'ci' })).toBe(3);
    expect(matchRule(rules, { project: 'x', target: 'e2e' })).toBeUndefined();
  });

  it('target metadata.fleet.requires wins over rules and tags', () => {
    const r = resolveRequirement(
      task('trainer', 'train', { tags: ['gpu'], metadata: { fleet: { requires: { labels: ['gpu:h100'], gpus: 2 } } } }),
      { assignmentRules: rules },
    );
    expect(r).toEqual({
      ok: true,
      source: 'metadata',
      requirement: canonicalRequirement({ labels: ['gpu:h100'], gpus: 2 }),
    });
  });

  it('a matching rule wins over tags', () => {
    expect(resolveRequirement(task('trainer', 'train', { tags: ['gpu'] }), { assignmentRules: rules })).toMatchObject({
      source: 'rule',
      rule: 1,
      requirement: { labels: ['b'] },
    });
  });

  it('tag gpu means {labels: [gpu], gpus: 1} by default; tags merge; no source means no requirement', () => {
    expect(resolveRequirement(task('p', 't', { tags: ['gpu', 'other'] }))).toEqual({
      ok: true,
      source: 'tags',
      requirement: canonicalRequirement({ labels: ['gpu'], gpus: 1 }),
    });
    const tagRequirements = { gpu: { labels: ['gpu'], gpus: 1 }, big: { memoryGb: 64, labels: ['x'] } };
    expect(resolveRequirement(task('p', 't', { tags: ['gpu', 'big'] }), { tagRequirements })).toMatchObject({
      requirement: { labels: ['gpu', 'x'], gpus: 1, memoryGb: 64 },
    });
    expect(resolveRequirement(task('p', 't', { tags: ['gpu'] }), { tagRequirements: {} })).toMatchObject({
      source: 'none',
    });
    expect(resolveRequirement(task('p', 't'))).toEqual({
      ok: true,
      source: 'none',
      requirement: canonicalRequirement(),
    });
  });

  it('invalid metadata is a failure with a code, not a throw', () => {
    expect(resolveRequirement(task('p', 't', { metadata: { fleet: { requires: { gpus: 'one' } } } }))).toMatchObject({
      ok: false,
      code: 'FLEET_INVALID_REQUIREMENT',
    });
  });
});

describe('satisfies and GPU assignment', () => {
  const gpuBox = caps({
    gpus: [gpu(0), gpu(1), gpu(2, 24000, 'NVIDIA L4')],
    labels: ['arch:x64', 'gpu', 'gpu:h100', 'gpu:l4', 'os:linux'],
  });

  it('needs every label, enough GPUs with enough memory, host memory and CPUs', () => {
    expect(satisfies(gpuBox, canonicalRequirement({ labels: ['gpu'], gpus: 3 }))).toEqual({ ok: true });
    expect(satisfies(gpuBox, canonicalRequirement({ gpus: 3, gpuMemoryGb: 40 }))).toEqual({
      ok: false,
      unmet: ['3 GPU(s) with >= 40 GB (has 2)'],
    });
    expect(
      satisfies(caps(), canonicalRequirement({ labels: ['gpu', 'arch:x64'], gpus: 1, memoryGb: 64, cpus: 9 })),
    ).toEqual({
      ok: false,
      unmet: ['labels [gpu]', '1 GPU(s) (has 0)', 'memoryGb >= 64 (has 31.3)', 'cpus >= 9 (has 8)'],
    });
    expect(satisfies(caps(), canonicalRequirement())).toEqual({ ok: true });
  });

  it('an 80GB card satisfies gpuMemoryGb 80 (GB as sold, nvidia-smi reports MiB)', () => {
    expect(satisfies(gpuBox, canonicalRequirement({ gpuMemoryGb: 80 }))).toEqual({ ok: true });
  });

  it('assigns free eligible GPUs, smallest first, and none when too few are free', () => {
    expect(assignGpus(gpuBox.gpus, new Set(), canonicalRequirement({ gpus: 1 }))).toEqual([2]);
    expect(assignGpus(gpuBox.gpus, new Set(), canonicalRequirement({ gpus: 1, gpuMemoryGb: 40 }))).toEqual([0]);
    expect(assignGpus(gpuBox.gpus, new Set([0]), canonicalRequirement({ gpus: 2, gpuMemoryGb: 40 }))).toBeUndefined();
    expect(assignGpus(gpuBox.gpus, new Set([2]), canonicalRequirement({ gpus: 2 }))).toEqual([0, 1]);
    expect(assignGpus(gpuBox.gpus, new Set(), canonicalRequirement())).toEqual([]);
  });

  it('explains why no live agent fits', () => {
    const text = explainUnsatisfied(canonicalRequirement({ labels: ['gpu'], gpus: 1 }), [
      { id: 'cpu-1', capabilities: caps() },
    ]);
    expect(text).toBe(
      'requires labels [gpu], gpus >= 1\nagent cpu-1 (labels [arch:x64, os:linux], 0 GPU(s), 8 CPUs, 31.3 GiB): lacks labels [gpu]; 1 GPU(s) (has 0)',
    );
    expect(explainUnsatisfied(canonicalRequirement({ gpus: 1 }), [])).toContain('no live agents');
  });

  it('a GPU agent with --cpu-work-on-gpu-agents never takes no CPU-only task, and the explanation says so', () => {
    const never = { id: 'gpu-never', capabilities: gpuBox, cpuWorkOnGpuAgents: 'never' as const };
    const cpuOnly = canonicalRequirement({ labels: ['gpu'] });
    expect(agentTakes(never, cpuOnly)).toBe(false);
    expect(agentTakes(never, canonicalRequirement({ gpus: 1 }))).toBe(true);
    expect(agentTakes({ ...never, cpuWorkOnGpuAgents: 'when-idle' }, cpuOnly)).toBe(true);
    expect(agentTakes({ capabilities: caps(), cpuWorkOnGpuAgents: 'never' }, canonicalRequirement())).toBe(true);
    expect(explainUnsatisfied(cpuOnly, [never])).toMatch(
      /agent gpu-never \(.*\): takes no CPU-only work \(--cpu-work-on-gpu-agents never\)$/,
    );
  });
});

describe('distributed plugin options', () => {
  it('accepts rules and tag requirements, default {}', () => {
    const distributed = {
      assignmentRules: [{ projects: ['trainer'], targets: ['train'], requires: { labels: ['gpu'], gpus: 1 } }],
      tagRequirements: { big: { memoryGb: 64 } },
    };
    expect(validateOptions({ distributed })).toEqual([]);
    expect(normalizeOptions({ distributed }).distributed).toEqual(distributed);
    expect(normalizeOptions(undefined).distributed).toEqual({});
  });

  it.each([
    [
      { distributed: { rules: [] } },
      'distributed.rules',
      /^unknown option; known options are: assignmentRules, tagRequirements$/,
    ],
    [
      { distributed: { assignmentRules: [{ projects: ['a'] }] } },
      'distributed.assignmentRules.0',
      /^must have required property 'requires'/,
    ],
    [
      { distributed: { assignmentRules: [{ projects: [], requires: {} }] } },
      'distributed.assignmentRules.0.projects',
      /^must NOT have fewer than 1 items/,
    ],
    [
      { distributed: { assignmentRules: [{ requires: { gpus: 1.5 } }] } },
      'distributed.assignmentRules.0.requires.gpus',
      /^must be integer \(got 1.5\)$/,
    ],
    [
      { distributed: { tagRequirements: { gpu: { gpu: 1 } } } },
      'distributed.tagRequirements.gpu.gpu',
      /^unknown option; known options are: labels, gpus, gpuMemoryGb, memoryGb, cpus$/,
    ],
    [
      { distributed: { tagRequirements: { big: { memoryGb: -1 } } } },
      'distributed.tagRequirements.big.memoryGb',
      /^must be >= 0 \(got -1\)$/,
    ],
    [
      { distributed: { tagRequirements: { x: { labels: ['a b'] } } } },
      'distributed.tagRequirements.x.labels.0',
      /^must match pattern/,
    ],
  ])('rejects %j naming the option', (raw, option, message) => {
    const problems = validateOptions(raw);
    expect(problems).toHaveLength(1);
    expect(problems[0].option).toBe(option);
    expect(problems[0].message).toMatch(message);
  });
});
