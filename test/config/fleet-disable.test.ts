import * as net from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createWorkspace, type TestWorkspace } from '../rig';

// FLEET_DISABLE=1, the emergency bypass: `fleet run` is plain nx, locally; `fleet agent` refuses.
// A TCP listener stands where Redis would be, to prove nothing connects to it.

const project = (name: string, command: string) =>
  JSON.stringify({ name, targets: { check: { executor: 'nx:run-commands', options: { command } } } });

describe('FLEET_DISABLE', () => {
  let ws: TestWorkspace;
  let redis: net.Server;
  let connections = 0;
  let redisUrl = '';

  beforeAll(async () => {
    ws = createWorkspace({
      files: {
        'nx.json': JSON.stringify({ plugins: [{ plugin: 'nx-fleet', options: { run: { maxAttempts: 'bogus' } } }] }),
        'package.json': JSON.stringify({ name: 'disable-ws', private: true }),
        'libs/good/project.json': project('good', 'node -e "console.log(\'good ran\')"'),
        'libs/bad/project.json': project('bad', 'node -e "console.log(\'bad ran\'); process.exit(3)"'),
        'libs/good/index.ts': 'export const good = 1;\n',
        'libs/bad/index.ts': 'export const bad = 1;\n',
      },
    });
    redis = net.createServer((s) => {
      connections++;
      s.destroy();
    });
    await new Promise<void>((r) => redis.listen(0, '127.0.0.1', r));
    redisUrl = `redis://127.0.0.1:${(redis.address() as net.AddressInfo).port}`;
  }, 120_000);

  afterAll(async () => {
    ws?.dispose();
    await new Promise((r) => redis?.close(r));
  });

  it('fleet run runs the same nx command locally: same exit code and output as plain nx, for a passing and a failing target', () => {
    // Broken fleet settings (no keys, maxAttempts "bogus" in nx.json) do not matter to the bypass.
    const cases = [
      ['run', 'good:check'],
      ['run', 'bad:check'],
      ['run-many', '-t', 'check'],
    ];
    for (const args of cases) {
      const plain = ws.nx([...args, '--skip-nx-cache']);
      const fleet = ws.fleet(['run', '--max-attempts', '2', ...args, '--skip-nx-cache'], {
        env: { FLEET_DISABLE: '1', FLEET_REDIS_URL: redisUrl },
      });
      expect(fleet.code, `${args.join(' ')}\n${fleet.stdout}\n${fleet.stderr}`).toBe(plain.code);
      expect(fleet.stderr).toContain('FLEET_DISABLE is set: running nx');
      for (const line of ['good ran', 'bad ran'])
        expect(fleet.stdout.includes(line), `${args.join(' ')}: ${line}`).toBe(plain.stdout.includes(line));
    }
    expect(ws.nx(['run', 'good:check']).code).toBe(0);
    expect(ws.nx(['run', 'bad:check']).code).not.toBe(0);
    expect(connections).toBe(0);
    console.log(`FLEET_DISABLE: ${cases.length} nx commands, exit codes equal to plain nx, 0 Redis connections`);
  });

  it('without FLEET_DISABLE (or with FLEET_DISABLE=0) the same fleet run validates its settings and fails', () => {
    for (const env of [{}, { FLEET_DISABLE: '0' }, { FLEET_DISABLE: 'off' }]) {
      const r = ws.fleet(['run', '--cache-token', 'tok-on-argv', 'run', 'good:check'], {
        env: { ...env, FLEET_REDIS_URL: redisUrl },
      });
      expect(r.code).toBe(1);
      // The deprecated secret flag still parses, warns once, and its value is never printed.
      expect(r.stderr.match(/warning: --cache-token is deprecated/g)).toHaveLength(1);
      expect(r.stdout + r.stderr).not.toContain('tok-on-argv');
      expect(r.stderr).toContain('nx.json plugins[0].options.run.maxAttempts');
      expect(r.stderr).toContain('[FLEET_NO_SIGNING_KEY]');
    }
    const bad = ws.fleet(['run', 'run', 'good:check'], { env: { FLEET_DISABLE: 'please' } });
    expect(bad.code).toBe(1);
    expect(bad.stderr).toContain('FLEET_DISABLE: expected 1 or 0');
    expect(connections).toBe(0);
  });

  it('fleet agent refuses to start with FLEET_DISABLED and a non-zero exit', () => {
    for (const value of ['1', 'true', 'YES', 'on']) {
      const r = ws.fleet(['agent', '--redis', redisUrl, '--cache', 'http://127.0.0.1:1'], {
        env: { FLEET_DISABLE: value },
      });
      expect(r.code).toBe(1);
      expect(r.stderr).toMatch(/FLEET_DISABLE is set: fleet agent does not start.*\[FLEET_DISABLED\]/);
      expect(r.stdout).toBe('');
    }
    expect(connections).toBe(0);
  });
});
