import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { bearer, request } from '../cache/support/http-client';
import { startServe, type ServeProcess } from '../cache/support/serve-process';
import { createTokens } from '../cache/support/tokens';

/**
 * `fleet cache serve --history-db` as users start it: a real process that serves the central run
 * history beside the cache, with the cache's token scopes, and keeps it across restarts.
 */
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-serve-history-'));
const servers: ServeProcess[] = [];
afterAll(async () => {
  for (const s of servers) await s.stop();
  fs.rmSync(dir, { recursive: true, force: true });
});

const run = (runId: string, hash: string) => ({
  format: 1,
  runId,
  namespace: 'claimed-elsewhere',
  command: 'nx run-many -t test',
  argv: ['run-many', '-t', 'test'],
  branch: 'main',
  commit: 'c0ffee',
  machine: 'ci-1',
  startTime: 1_000,
  endTime: 2_000,
  tasks: [
    {
      taskId: 'app:test',
      project: 'app',
      target: 'test',
      configuration: null,
      hash,
      status: 'success',
      cache: 'miss',
      startTime: 1_000,
      endTime: 2_000,
      exitCode: 0,
      outputBytes: 3,
      hashDetails: null,
      manifest: null,
    },
  ],
});

const post = (url: string, token: string, body: unknown) =>
  request(`${url}/v1/fleet/history/runs`, {
    method: 'POST',
    headers: { ...bearer(token), 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(body)),
  });

describe('fleet cache serve --history-db (real process, real HTTP)', () => {
  const tokensFile = path.join(dir, 'tokens.json');
  const tokens = createTokens(tokensFile, {
    main: ['--write', 'main'],
    pr: ['--write', 'pr-1', '--read', 'main,pr-1'],
  });
  const args = ['--store', `fs:${path.join(dir, 'cache')}`, '--tokens', tokensFile];

  it('stores posted runs in the token namespace, answers reads by scope, and keeps them across a restart', async () => {
    const db = path.join(dir, 'central.db');
    const a = await startServe([...args, '--history-db', db]);
    servers.push(a);
    expect((await post(a.url, tokens.main, { runs: [run('run-main-1', 'h1')] })).status).toBe(200);
    expect((await post(a.url, tokens.pr, { runs: [run('run-pr-1', 'h2')] })).status).toBe(200);
    expect((await post(a.url, 'flc_not_a_token', { runs: [run('run-x', 'h3')] })).status).toBe(401);
    const bad = await post(a.url, tokens.main, { runs: [{ format: 1 }, run('run-main-2', 'h4')] });
    expect(bad.status).toBe(200);
    expect(JSON.parse(bad.body.toString())).toMatchObject({ accepted: 1, rejected: [{ runId: null }] });
    expect((await post(a.url, tokens.main, { notRuns: true })).status).toBe(400);
    await a.stop();

    const b = await startServe([...args], { FLEET_CENTRAL_HISTORY_DB: db });
    servers.push(b);
    const main = await request(`${b.url}/v1/fleet/history/runs`, { headers: bearer(tokens.main) });
    expect(main.status).toBe(200);
    const mainText = main.body.toString();
    expect(mainText).toContain('run-main-1');
    expect(mainText).not.toContain('run-pr-1');
    const pr = await request(`${b.url}/v1/fleet/history/runs`, { headers: bearer(tokens.pr) });
    expect(pr.body.toString()).toContain('run-pr-1');
    expect(pr.body.toString()).toContain('run-main-1');
    const producer = await request(`${b.url}/v1/fleet/history/producer/h1`, { headers: bearer(tokens.pr) });
    expect(producer.status).toBe(200);
    expect(producer.body.toString()).toContain('run-main-1');
  });

  it('without --history-db there is no central history, and a bad file stops the server with a located error', async () => {
    const c = await startServe([...args]);
    servers.push(c);
    expect((await request(`${c.url}/v1/fleet/history/runs`, { headers: bearer(tokens.main) })).status).toBe(404);
    const notDb = path.join(dir, 'not-a-db');
    fs.writeFileSync(notDb, 'this is not SQLite, it is text long enough to be read as a header'.repeat(20));
    await expect(startServe([...args, '--history-db', notDb])).rejects.toThrow(/--history-db: .*not-a-db/);
  });
});
