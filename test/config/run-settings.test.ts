import { describe, expect, it } from 'vitest';
import { runSettings } from '../../cli/settings';
import { generateLevelKeys } from '../../runner';
import { checkAllProblemsAtOnce, checkEverySetting, ctx, emptyInput, type Sample } from './settings-harness';

const k1 = generateLevelKeys();
const k2 = generateLevelKeys();
const BASE = {
  FLEET_REDIS_URL: 'redis://127.0.0.1:1',
  FLEET_CACHE_URL: 'http://127.0.0.1:2',
  FLEET_SIGNING_KEY: k1.privateKey,
};

const SAMPLES: Record<string, Sample> = {
  redisUrl: { valid: ['redis://a:1', 'rediss://b:2'], invalid: 'http://a:1' },
  cacheUrl: { valid: ['http://a:1', 'https://b'], invalid: 'redis://a' },
  cacheToken: { valid: ['tok-a', 'tok-b'] },
  cacheMintToken: { valid: ['mint-a', 'mint-b'] },
  trust: { valid: ['trusted', 'untrusted'], invalid: 'Not A Level' },
  signingKey: { valid: [k1.privateKey, k2.privateKey], invalid: k1.publicKey },
  agentWait: { valid: ['0', '5m'], invalid: '-1' },
  summaryJson: { valid: ['a.json', 'b.json'] },
  pushRef: { valid: [true, false], invalid: 'nope' },
  retryFailed: { valid: ['0', '2'], invalid: '1.5' },
  retryFlaky: { valid: ['0', '3'], invalid: 'x' },
  maxAttempts: { valid: ['1', '5'], invalid: '0' },
  taskTimeout: { valid: ['15', '2m'], invalid: '0' },
  stream: { valid: ['on', 'off'], invalid: 'loud' },
  taskOutput: { valid: ['failed', 'none'], invalid: 'some' },
  redisTimeout: { valid: ['3', '90s'], invalid: 'soon' },
  outputStyle: { valid: ['stream', 'compact'], invalid: 'loud' },
  repo: { valid: ['web', 'ml-models'], invalid: 'Bad Id' },
  priority: { valid: ['0', '10'], invalid: '1001' },
  budget: { valid: ['2.5', '100'], invalid: '0' },
  returnOutputsLimit: { valid: ['500MiB', '1048576'], invalid: 'big' },
};

describe('fleet run settings', () => {
  it('every option: valid and invalid from each source, and precedence flag > file flag > env > env file > nx.json', () => {
    const n = checkEverySetting(runSettings, SAMPLES, BASE);
    console.log(`fleet run: ${runSettings.settings.length} settings, ${n} cases checked`);
  });

  it('reports every invalid option at once', () => {
    expect(checkAllProblemsAtOnce(runSettings, SAMPLES, BASE)).toBeGreaterThan(10);
  });

  it('defaults, in one place: maxAttempts 3, agentWait 300 s, trust trusted', () => {
    const r = runSettings.resolve(emptyInput('run', BASE));
    expect(r.ok && r.settings).toMatchObject({
      maxAttempts: 3,
      agentWaitSeconds: 300,
      redisTimeoutSeconds: 60,
      retryFailed: 0,
      retryFlaky: 1,
      trust: 'trusted',
      pushRef: false,
      stream: false,
      taskOutput: 'all',
      returnOutputsLimit: 1024 ** 3,
    });
  });

  it('FLEET_PUSH_REF=0 does not push; durations become the seconds the coordinator takes', () => {
    const input = emptyInput('run', {
      ...BASE,
      FLEET_PUSH_REF: '0',
      FLEET_TASK_TIMEOUT: '1m',
      FLEET_AGENT_WAIT: '1500ms',
    });
    const r = runSettings.resolve(input);
    expect(r.ok && r.settings).toMatchObject({ pushRef: false, taskTimeoutSeconds: 60, agentWaitSeconds: 1.5 });
  });

  it('required settings name every place they can be set; missing keys keep their codes', () => {
    const r = runSettings.resolve({ flags: {}, env: {}, nxJson: { index: 0, options: {} }, ctx });
    expect(r.ok).toBe(false);
    const problems = r.ok ? [] : r.problems;
    expect(problems.map((p) => p.code).sort()).toEqual([
      'FLEET_MISSING_OPTION',
      'FLEET_MISSING_OPTION',
      'FLEET_NO_SIGNING_KEY',
    ]);
    expect(problems.find((p) => p.key === 'redisUrl')!.message).toContain(
      '--redis, --redis-file, FLEET_REDIS_URL, FLEET_REDIS_URL_FILE or nx.json plugins[0].options.run.redisUrl',
    );
  });

  it('a secret in nx.json, a password in an nx.json URL, FLEET_SECRET and unknown keys are located problems', () => {
    const input = emptyInput('run', { ...BASE, FLEET_SECRET: 'old' });
    input.nxJson!.options.run = { cacheToken: 'x', redisUrl: 'redis://:pw@h:1', maxAtempts: 2 };
    const r = runSettings.resolve(input);
    const problems = r.ok ? [] : r.problems;
    expect(problems.map((p) => [p.code, p.source])).toEqual([
      ['FLEET_UNKNOWN_OPTION', 'nx.json plugins[2].options.run.maxAtempts'],
      ['FLEET_SECRET_IN_NX_JSON', 'nx.json plugins[2].options.run.redisUrl'],
      ['FLEET_SECRET_IN_NX_JSON', 'nx.json plugins[2].options.run.cacheToken'],
      ['FLEET_NO_SIGNING_KEY', 'FLEET_SIGNING_KEY'],
    ]);
    expect(problems[0].message).toContain('known options are: redisUrl, cacheUrl, trust, agentWait');
  });

  it('the secret on --cache-token still works, with one deprecation warning; a password on --redis warns too', () => {
    const input = emptyInput('run', BASE);
    input.flags.cacheToken = 'on-the-command-line';
    input.flags.redisUrl = 'redis://:pw@h:1';
    const r = runSettings.resolve(input);
    expect(r.ok && r.settings.cacheToken).toBe('on-the-command-line');
    expect(r.warnings).toHaveLength(2);
    expect(r.warnings[0]).toMatch(/--redis with a password in the URL is deprecated.*FLEET_REDIS_URL or --redis-file/);
    expect(r.warnings[1]).toMatch(/--cache-token is deprecated.*FLEET_CACHE_TOKEN or --cache-token-file/);
    expect(JSON.stringify(r.entries)).not.toContain('on-the-command-line');
    expect(JSON.stringify(r.entries)).not.toContain(':pw@');
  });

  it('a variable and its _FILE together conflict; an unreadable file is located', () => {
    const input = emptyInput('run', { ...BASE, FLEET_CACHE_TOKEN: 'a', FLEET_CACHE_TOKEN_FILE: '/nonexistent/token' });
    const r = runSettings.resolve(input);
    const codes = r.ok ? [] : r.problems.map((p) => `${p.code} ${p.source}`);
    expect(codes).toEqual(['FLEET_OPTION_FILE_UNREADABLE FLEET_CACHE_TOKEN_FILE']);
    const both = emptyInput('run', { ...BASE, FLEET_CACHE_TOKEN: 'a', FLEET_CACHE_TOKEN_FILE: __filename });
    const r2 = runSettings.resolve(both);
    expect(r2.ok ? [] : r2.problems.map((p) => p.code)).toEqual(['FLEET_CONFLICTING_OPTIONS']);
  });
});
