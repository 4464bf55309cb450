import { describe, expect, it } from 'vitest';
import { resolveServeSettings, serveSettings } from '../../cache';
import { checkAllProblemsAtOnce, checkEverySetting, emptyInput, type Sample } from './settings-harness';

const SAMPLES: Record<string, Sample> = {
  port: { valid: ['0', '8080'], invalid: '99999' },
  host: { valid: ['0.0.0.0', '::1'] },
  store: { valid: ['fs:/tmp/a', 'redis://h:1'], invalid: 'nope' },
  maxSize: { valid: ['1GB', 'unlimited'], invalid: 'lots' },
  hardLimit: { valid: ['100GB', '200GB'], invalid: '-1' },
  maxEntrySize: { valid: ['1MiB', '2MiB'], invalid: 'big' },
  tokens: { valid: ['/a.yaml', '/b.yaml'] },
  tlsCert: { valid: ['/c.pem', '/d.pem'] },
  tlsKey: { valid: ['/k.pem', '/l.pem'] },
  fullStatus: { valid: ['403', '507'], invalid: '99' },
  tooLargeStatus: { valid: ['413', '403'], invalid: '600' },
  shutdownTimeout: { valid: ['0', '1m'], invalid: '2d' },
  log: { valid: ['off', 'json'], invalid: 'text' },
  directUploads: { valid: ['off', 'on'], invalid: 'maybe' },
  historyDb: { valid: ['/h.db', '/i.db'] },
};

describe('fleet cache serve settings', () => {
  it('every option: valid and invalid from each source, and precedence', () => {
    const n = checkEverySetting(serveSettings, SAMPLES, {});
    console.log(`fleet cache serve: ${serveSettings.settings.length} settings, ${n} cases checked`);
  });

  it('reports every invalid option at once, named by the flag, located at its source', () => {
    expect(checkAllProblemsAtOnce(serveSettings, SAMPLES, {})).toBe(10);
    const r = resolveServeSettings({ maxSize: 'lots', store: 'nope', port: '99999' });
    expect(r.ok ? [] : r.problems).toEqual([
      '--port: expected an integer from 0 to 65535, got "99999" [FLEET_INVALID_OPTION]',
      '--store: expected fs:DIR or redis://HOST:PORT, got "nope" [FLEET_INVALID_OPTION]',
      '--max-size: "lots" is not a size (e.g. 20GB, 512MiB, unlimited) [FLEET_INVALID_OPTION]',
    ]);
  });

  it('the computed defaults: hard limit = max size + 10%, entry size by store, shutdown in ms', () => {
    const fs = serveSettings.resolve(emptyInput('cacheServe', { FLEET_MAX_SIZE: '10GB' }));
    expect(fs.ok && fs.settings).toMatchObject({
      port: 8420,
      host: '127.0.0.1',
      store: { kind: 'fs', dir: '.fleet/cache' },
      maxSize: 10e9,
      hardLimit: 11e9,
      maxEntrySize: 16 * 1024 ** 3,
      shutdownTimeoutMs: 30_000,
      fullStatus: 403,
      tooLargeStatus: 413,
      log: 'json',
      directUploads: true,
    });
    const redis = serveSettings.resolve(emptyInput('cacheServe', { FLEET_STORE: 'redis://:pw@h:6379' }));
    expect(redis.ok && redis.settings.maxEntrySize).toBe(64 * 1024 ** 2);
    expect(redis.entries.find((e) => e.key === 'store')!.shown).toBe('redis://:***@h:6379');
  });

  it('checks between settings: hard limit below max size; TLS certificate without its key', () => {
    const r = serveSettings.resolve(
      emptyInput('cacheServe', { FLEET_MAX_SIZE: '10GB', FLEET_HARD_LIMIT: '5GB', FLEET_TLS_CERT: '/c' }),
    );
    expect(r.ok ? [] : r.problems.map((p) => `${p.label} ${p.source}: ${p.message}`)).toEqual([
      '--hard-limit FLEET_HARD_LIMIT: must not be below --max-size',
      '--tls-key --tls-key: --tls-cert and --tls-key: give both or neither',
    ]);
  });
});
