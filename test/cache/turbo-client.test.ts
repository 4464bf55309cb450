import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../rig';
import { startServe, type ServeProcess } from './support/serve-process';
import { createTokens } from './support/tokens';

/**
 * A two-file npm workspace that turbo understands, with a cacheable `build` writing `out/result.txt`
 * and 6 MiB of random bytes (`out/blob.bin`): turbo's upload is then large enough to be read
 * straight from the socket (cache/socket-body.ts).
 */
function turboWorkspace(root: string): void {
  const write = (rel: string, text: string): void => {
    fs.mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
    fs.writeFileSync(path.join(root, rel), text);
  };
  write(
    'package.json',
    JSON.stringify({ name: 'turbo-ws', private: true, packageManager: 'npm@11.0.0', workspaces: ['packages/*'] }),
  );
  write(
    'package-lock.json',
    JSON.stringify({
      name: 'turbo-ws',
      lockfileVersion: 3,
      requires: true,
      packages: {
        '': { name: 'turbo-ws', workspaces: ['packages/*'] },
        'packages/a': { name: 'a' },
        'node_modules/a': { resolved: 'packages/a', link: true },
      },
    }),
  );
  write(
    'turbo.json',
    JSON.stringify({ $schema: 'https://turborepo.com/schema.json', tasks: { build: { outputs: ['out/**'] } } }),
  );
  write(
    'packages/a/package.json',
    JSON.stringify({
      name: 'a',
      scripts: {
        build: `node -e "const fs=require('fs');fs.mkdirSync('out',{recursive:true});fs.writeFileSync('out/result.txt','turbo built');fs.writeFileSync('out/blob.bin',require('crypto').randomBytes(6*1024*1024))"`,
      },
    }),
  );
  // Untracked build output (out/, .turbo/ logs) would otherwise change the task hash between runs.
  write('.gitignore', 'node_modules\n.turbo\nout\n');
  const git = (...args: string[]): void =>
    void spawnSync('git', args, {
      cwd: root,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@t.invalid',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@t.invalid',
      },
    });
  git('init', '-q', '-b', 'main');
  git('add', '-A');
  git('commit', '-q', '-m', 'initial');
}

// The real turbo CLI (npm package `turbo`) against our /v8 API, remote cache only.
describe('turbo client end to end', () => {
  let root: string;
  let s: ServeProcess;
  let token: string;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-turbo-'));
    turboWorkspace(path.join(root, 'ws'));
    const tokens = path.join(root, 'tokens.yaml');
    token = createTokens(tokens, { ci: ['--write', 'main'] }).ci;
    s = await startServe(['--store', `fs:${path.join(root, 'store')}`, '--tokens', tokens]);
  });
  afterAll(async () => {
    await s.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });
  const turbo = (): { code: number | null; out: string } => {
    const r = spawnSync(
      path.join(repoRoot(), 'node_modules', '.bin', 'turbo'),
      ['run', 'build', '--cache=remote:rw', '--output-logs=full'],
      {
        cwd: path.join(root, 'ws'),
        encoding: 'utf8',
        timeout: 120_000,
        env: {
          ...process.env,
          TURBO_API: s.url,
          TURBO_TOKEN: token,
          TURBO_TEAM: 'team',
          TURBO_TELEMETRY_DISABLED: '1',
          TURBO_NO_UPDATE_NOTIFIER: '1',
          DO_NOT_TRACK: '1',
          TURBO_UI: 'false',
          NO_COLOR: '1',
        },
      },
    );
    return { code: r.status, out: `${r.stdout}\n${r.stderr}` };
  };

  it('uploads on the first run and replays from the remote cache on the second', async () => {
    const first = turbo();
    expect(first.code, first.out).toBe(0);
    expect(first.out).toContain('cache miss');
    const reqs = await s.requests(2);
    expect(reqs.filter((l) => l.method === 'PUT').map((l) => [l.status, l.direct])).toEqual([[202, true]]);
    const built = fs.readFileSync(path.join(root, 'ws', 'packages/a/out/blob.bin'));
    fs.rmSync(path.join(root, 'ws', 'packages/a/out'), { recursive: true });
    fs.rmSync(path.join(root, 'ws', '.turbo'), { recursive: true, force: true });
    const second = turbo();
    expect(second.code, second.out).toBe(0);
    expect(second.out).toMatch(/remote cache hit|cache hit, replaying/);
    expect(fs.readFileSync(path.join(root, 'ws', 'packages/a/out/result.txt'), 'utf8')).toBe('turbo built');
    expect(fs.readFileSync(path.join(root, 'ws', 'packages/a/out/blob.bin')).equals(built)).toBe(true);
  });
});
