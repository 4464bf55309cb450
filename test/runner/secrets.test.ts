import { describe, expect, it } from 'vitest';
import { COMMAND_SETTINGS } from '../../cli/settings';
import { withoutSecrets } from '../../runner';

// Every secret a command declares (and the Redis URL, which may hold a password), under its
// variable and its `_FILE` variant, is kept out of what tasks, installs and the replay get; the
// settings that tasks need (cache URL, trust level) are passed on.
describe('withoutSecrets', () => {
  it('removes every declared secret variable and its _FILE variant, and keeps what tasks need', () => {
    const specs = COMMAND_SETTINGS.flatMap((c) => c.settings.map((s) => ({ command: c.command, s })));
    const secret = specs.filter(({ s }) => s.secret || s.urlPassword);
    const names = [...new Set(secret.flatMap(({ s }) => [s.env, `${s.env}_FILE`]))];
    const env: NodeJS.ProcessEnv = Object.fromEntries(names.map((n) => [n, 'x']));
    const kept = ['FLEET_CACHE_URL', 'FLEET_TRUST', 'PATH', 'HOME', 'NX_SELF_HOSTED_REMOTE_CACHE_SERVER'];
    for (const k of kept) env[k] = 'y';
    const out = withoutSecrets(env);
    const leaked = names.filter((n) => n in out);
    expect(leaked).toEqual([]);
    for (const k of kept) expect(out[k], k).toBe('y');
    expect(names).toContain('FLEET_REDIS_URL');
    expect(names).toContain('FLEET_REDIS_URL_FILE');
    console.log(
      `withoutSecrets: ${secret.length} secret settings of ${COMMAND_SETTINGS.length} commands, ${names.length} variables removed, ${kept.length} kept`,
    );
  });
});
