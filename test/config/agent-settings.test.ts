import { describe, expect, it } from 'vitest';
import { agentSettings } from '../../cli/settings';
import { generateLevelKeys } from '../../runner';
import { checkAllProblemsAtOnce, checkEverySetting, emptyInput, type Sample } from './settings-harness';

const k1 = generateLevelKeys();
const k2 = generateLevelKeys();
const BASE = {
  FLEET_REDIS_URL: 'redis://127.0.0.1:1',
  FLEET_CACHE_URL: 'http://127.0.0.1:2',
  FLEET_PUBLIC_KEY: k1.publicKey,
};
const root = typeof process.getuid === 'function' && process.getuid() === 0;

const SAMPLES: Record<string, Sample> = {
  redisUrl: { valid: ['redis://a:1', 'rediss://b:2'], invalid: 'redis:nohost' },
  cacheUrl: { valid: ['http://a:1', 'https://b'], invalid: 'cache' },
  cacheToken: { valid: ['tok-a', 'tok-b'] },
  cacheMintToken: { valid: ['mint-a', 'mint-b'] },
  trust: { valid: ['trusted', 'gpu-pool'], invalid: '-x' },
  // A private key is refused on an agent, wherever it comes from.
  publicKey: { valid: [k1.publicKey, k2.publicKey], invalid: k1.privateKey },
  // Checked only where the test runs as root (the agent must be root to switch users).
  taskUser: { valid: ['nobody', 'daemon'], invalid: 'root' },
  isolateRuns: { valid: ['on', 'off'], invalid: 'sometimes' },
  labels: { valid: ['gpu,arm', 'x'] },
  slots: { valid: ['1', '8'], invalid: '0' },
  workdir: { valid: ['/a', '/b'] },
  id: { valid: ['a1', 'a2'] },
  cpuWorkOnGpuAgents: { valid: ['never', 'always'], invalid: 'sometimes' },
  sharedRedis: { valid: ['refuse', 'warn'], invalid: 'maybe' },
  maxAttempts: { valid: ['2', '4'], invalid: 'three' },
  lockTimeout: { valid: ['30', '1m'], invalid: '0s' },
  abandonAfter: { valid: ['60', '2m'], invalid: 'later' },
  installCommand: { valid: ['none', 'npm ci'] },
  idleExit: { valid: ['2', '10m'], invalid: '-3' },
  warm: { valid: [false, true], invalid: 'lukewarm' },
  daemon: { valid: [true, false], invalid: 'sometimes' },
  checkouts: { valid: ['1', '3'], invalid: '0' },
  costPerHour: { valid: ['0.5', '4'], invalid: '-1' },
  labelPrices: { valid: ['gpu:h100=4.5,gpu:l4=0.8', 'gpu=2'], invalid: 'gpu:h100' },
  cheaperWait: { valid: ['0', '2m'], invalid: 'later' },
  repos: { valid: ['web=https://git.example/web.git', 'a=/srv/a.git,b=/srv/b.git'], invalid: 'web' },
};

describe('fleet agent settings', () => {
  it('every option: valid and invalid from each source, and precedence', () => {
    const cmd = root
      ? agentSettings
      : { ...agentSettings, settings: agentSettings.settings.filter((s) => s.key !== 'taskUser') };
    const samples = root ? SAMPLES : Object.fromEntries(Object.entries(SAMPLES).filter(([k]) => k !== 'taskUser'));
    const n = checkEverySetting(cmd, samples, BASE);
    console.log(
      `fleet agent: ${agentSettings.settings.length} settings, ${n} cases checked${root ? '' : ' (taskUser skipped: not root)'}`,
    );
  });

  it('reports every invalid option at once', () => {
    const { taskUser: _skipped, ...samples } = SAMPLES;
    const cmd = { ...agentSettings, settings: agentSettings.settings.filter((s) => root || s.key !== 'taskUser') };
    expect(checkAllProblemsAtOnce(cmd, root ? SAMPLES : samples, BASE)).toBeGreaterThan(10);
  });

  it('defaults: slots = CPU count, workdir = cwd, maxAttempts 3, warm on, daemon left to the agent', () => {
    const r = agentSettings.resolve(emptyInput('agent', BASE));
    expect(r.ok && r.settings).toMatchObject({
      slots: 6,
      workdir: '/work/here',
      maxAttempts: 3,
      lockSeconds: 30,
      abandonAfterSeconds: 60,
      installCommand: 'auto',
      cpuWorkOnGpuAgents: 'when-idle',
      sharedRedis: 'warn',
      warmNx: true,
      labels: [],
    });
    expect(r.ok && r.settings.daemon).toBeUndefined();
    expect(r.ok && r.settings.checkouts).toBeUndefined();
    expect(r.ok && r.settings.isolateRuns).toBeUndefined();
  });

  it('--no-warm (false from the command line) and labels lower-cased', () => {
    const input = emptyInput('agent', { ...BASE, FLEET_AGENT_LABELS: 'GPU, Arm64 ' });
    input.flags.warm = false;
    const r = agentSettings.resolve(input);
    expect(r.ok && r.settings).toMatchObject({ warmNx: false, labels: ['gpu', 'arm64'] });
  });

  it('an agent given a signing key, or FLEET_SECRET, refuses with the codes of trust levels', () => {
    const r = agentSettings.resolve(
      emptyInput('agent', { ...BASE, FLEET_SIGNING_KEY: k1.privateKey, FLEET_SECRET: 's' }),
    );
    expect(r.ok ? [] : r.problems.map((p) => p.code)).toEqual(['FLEET_NO_PUBLIC_KEY', 'FLEET_SIGNING_KEY_ON_AGENT']);
    const missing = agentSettings.resolve(
      emptyInput('agent', { FLEET_REDIS_URL: 'redis://a:1', FLEET_CACHE_URL: 'http://b' }),
    );
    expect(missing.ok ? [] : missing.problems.map((p) => p.code)).toEqual(['FLEET_NO_PUBLIC_KEY']);
    const bad = agentSettings.resolve(emptyInput('agent', { ...BASE, FLEET_PUBLIC_KEY: k1.privateKey }));
    expect(bad.ok ? [] : bad.problems.map((p) => `${p.code} ${p.source}`)).toEqual(['FLEET_BAD_KEY FLEET_PUBLIC_KEY']);
  });
});
