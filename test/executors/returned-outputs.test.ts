import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  entryProblem,
  outputRoots,
  outputsArtifactKey,
  receiveOutputs,
  sendOutputs,
  type ReturnedOutputsRequest,
} from '../../runner/returned-outputs';
import { payloadProblem } from '../../runner/sign';
import { agentTaskEnv } from '../../runner/task-env';
import { startServe, type ServeProcess } from '../cache/support/serve-process';

/**
 * The outputs of an offloaded `cache: false` task, packed on the agent's side and unpacked on the
 * caller's (runner/returned-outputs.ts), against a real `fleet cache serve` over loopback HTTP.
 * The caller trusts nothing in the archive: crafted archives (raw tar headers written here, so
 * they hold exactly the paths an attacker would choose) are refused whole, before anything in
 * the workspace is removed or written.
 */

// ---- a raw tar writer: 512-byte ustar headers, nothing sanitised -----------------------------
const octal = (n: number, len: number) => n.toString(8).padStart(len - 1, '0') + '\0';
function header(name: string, type: string, size: number, linkname = '', mode = 0o644): Buffer {
  const h = Buffer.alloc(512);
  h.write(name, 0, 100, 'utf8');
  h.write(octal(mode, 8), 100, 'ascii');
  h.write(octal(0, 8), 108, 'ascii');
  h.write(octal(0, 8), 116, 'ascii');
  h.write(octal(size, 12), 124, 'ascii');
  h.write(octal(1_700_000_000, 12), 136, 'ascii');
  h.fill(' ', 148, 156);
  h.write(type, 156, 'ascii');
  h.write(linkname, 157, 100, 'utf8');
  h.write('ustar\0', 257, 'ascii');
  h.write('00', 263, 'ascii');
  let sum = 0;
  for (const b of h) sum += b;
  h.write(octal(sum, 7) + ' ', 148, 'ascii');
  return h;
}
type RawEntry = { name: string; type?: string; body?: Buffer | string; link?: string; mode?: number };
function rawTarGz(entries: RawEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const body = Buffer.from(e.body ?? '');
    parts.push(header(e.name, e.type ?? '0', body.length, e.link ?? '', e.mode));
    parts.push(body, Buffer.alloc((512 - (body.length % 512)) % 512));
  }
  parts.push(Buffer.alloc(1024));
  return gzipSync(Buffer.concat(parts));
}

const OUTPUTS = ['libs/ml/out', 'dist/ml/**/*.txt', '!libs/ml/out/tmp'];

describe('returned outputs of offloaded cache: false tasks', () => {
  let open: ServeProcess;
  let small: ServeProcess;
  const temp: string[] = [];
  const dir = (prefix: string) => {
    const d = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), prefix));
    temp.push(d);
    return d;
  };
  let runs = 0;
  const request = (workspaceRoot: string, extra: Partial<ReturnedOutputsRequest> = {}): ReturnedOutputsRequest => ({
    workspaceRoot,
    taskId: 'ml:train-live',
    runId: `r-test-${runs}`,
    outputs: OUTPUTS,
    limit: 1024 ** 2,
    cacheUrl: open.url,
    ...extra,
  });
  const put = async (runId: string, body: Buffer, url = open.url) =>
    (
      await fetch(`${url}/v1/cache/${outputsArtifactKey(runId, 'ml:train-live')}`, {
        method: 'PUT',
        body,
        headers: { 'content-length': String(body.length) },
      })
    ).status;
  /** A caller's workspace with outputs of an earlier run and a file next to them. */
  const callerWorkspace = () => {
    const root = dir('fleet-caller-');
    fs.mkdirSync(path.join(root, 'libs/ml/out'), { recursive: true });
    fs.writeFileSync(path.join(root, 'libs/ml/out/stale.txt'), 'from an earlier run\n');
    fs.writeFileSync(path.join(root, 'package.json'), '{"name":"caller"}\n');
    return root;
  };
  /** Every file and link under `root`, with its content or target: what a refusal must leave as it was. */
  const snapshot = (root: string): Record<string, string> => {
    const out: Record<string, string> = {};
    const walk = (rel: string) => {
      for (const name of fs.readdirSync(path.join(root, rel))) {
        const r = rel ? `${rel}/${name}` : name;
        const st = fs.lstatSync(path.join(root, r));
        if (st.isDirectory()) walk(r);
        else
          out[r] = st.isSymbolicLink()
            ? `-> ${fs.readlinkSync(path.join(root, r))}`
            : fs.readFileSync(path.join(root, r), 'utf8');
      }
    };
    walk('');
    return out;
  };

  beforeAll(async () => {
    open = await startServe(['--store', `fs:${dir('fleet-ro-store-')}`]);
    small = await startServe(['--store', `fs:${dir('fleet-ro-small-')}`, '--max-entry-size', '4KiB']);
  }, 60_000);
  afterAll(async () => {
    await open?.stop();
    await small?.stop();
    for (const d of temp) fs.rmSync(d, { recursive: true, force: true });
  });

  it('round trip: the declared outputs (folders, links inside, glob matches) and nothing else; stale outputs replaced; no set-id bits', async () => {
    runs++;
    const agent = dir('fleet-agent-ws-');
    const w = (rel: string, body: string | Buffer, mode?: number) => {
      fs.mkdirSync(path.dirname(path.join(agent, rel)), { recursive: true });
      fs.writeFileSync(path.join(agent, rel), body, { mode });
    };
    w('libs/ml/out/model.txt', 'weights\n');
    w('libs/ml/out/checkpoints/epoch-1.bin', randomBytes(3000));
    w('libs/ml/out/run.sh', '#!/bin/sh\n', 0o755);
    fs.chmodSync(path.join(agent, 'libs/ml/out/run.sh'), 0o4755);
    fs.mkdirSync(path.join(agent, 'libs/ml/out/empty'));
    fs.symlinkSync('checkpoints/epoch-1.bin', path.join(agent, 'libs/ml/out/latest'));
    w('libs/ml/out/tmp/scratch.txt', 'excluded by !libs/ml/out/tmp\n');
    w('libs/ml/src.txt', 'not an output\n');
    w('dist/ml/a/report.txt', 'report\n');
    w('dist/ml/a/big.bin', 'not matched by the glob\n');
    // An output outside the workspace travels neither way, and both sides say so.
    const elsewhere = `../elsewhere-${process.pid}`;
    const outputs = [...OUTPUTS, elsewhere];
    const sent = await sendOutputs(request(agent, { outputs }));
    expect(sent).toMatchObject({ ok: true, files: 4 });
    expect(sent.ok && sent.message).toContain(`(not returned, outside the workspace: ${elsewhere})`);
    const caller = callerWorkspace();
    const got = await receiveOutputs(request(caller, { outputs }));
    expect(got, JSON.stringify(got)).toMatchObject({ ok: true, files: 4 });
    expect(got.ok && got.message).toContain(`(not returned, outside the workspace: ${elsewhere})`);
    expect(fs.existsSync(path.join(caller, elsewhere))).toBe(false);
    expect(snapshot(caller)).toEqual({
      'package.json': '{"name":"caller"}\n',
      'libs/ml/out/model.txt': 'weights\n',
      'libs/ml/out/checkpoints/epoch-1.bin': fs.readFileSync(
        path.join(agent, 'libs/ml/out/checkpoints/epoch-1.bin'),
        'utf8',
      ),
      'libs/ml/out/run.sh': '#!/bin/sh\n',
      'libs/ml/out/latest': '-> checkpoints/epoch-1.bin',
      'dist/ml/a/report.txt': 'report\n',
    });
    expect(fs.statSync(path.join(caller, 'libs/ml/out/empty')).isDirectory()).toBe(true);
    expect(fs.statSync(path.join(caller, 'libs/ml/out/run.sh')).mode & 0o7777).toBe(0o755);
  });

  it('the key is the run and the task: another run or task finds nothing', async () => {
    runs++;
    const agent = dir('fleet-agent-ws-');
    fs.mkdirSync(path.join(agent, 'libs/ml/out'), { recursive: true });
    fs.writeFileSync(path.join(agent, 'libs/ml/out/model.txt'), 'x');
    expect((await sendOutputs(request(agent))).ok).toBe(true);
    const caller = callerWorkspace();
    const before = snapshot(caller);
    for (const other of [{ runId: `r-test-${runs}-other` }, { taskId: 'ml:train' }]) {
      const got = await receiveOutputs(request(caller, other));
      expect(got).toMatchObject({ ok: false, code: 'FLEET_OFFLOAD_OUTPUTS_MISSING' });
    }
    expect(snapshot(caller)).toEqual(before);
    expect((await receiveOutputs(request(caller))).ok).toBe(true);
  });

  it('over the limit on the agent: nothing is uploaded, the error names the task, the size and the limit', async () => {
    runs++;
    const agent = dir('fleet-agent-ws-');
    fs.mkdirSync(path.join(agent, 'libs/ml/out'), { recursive: true });
    fs.writeFileSync(path.join(agent, 'libs/ml/out/weights.bin'), randomBytes(20_000));
    const sent = await sendOutputs(request(agent, { limit: 10_000 }));
    expect(sent.ok).toBe(false);
    if (sent.ok) return;
    expect(sent.code).toBe('FLEET_OFFLOAD_OUTPUTS_TOO_LARGE');
    expect(sent.message).toContain(
      'ml:train-live: its outputs are 19.5 KiB (20000 bytes), over the limit of 9.8 KiB (10000 bytes)',
    );
    expect((await receiveOutputs(request(callerWorkspace()))).ok).toBe(false);
  });

  it("over the cache server's --max-entry-size: the server refuses, the agent says so with the same code", async () => {
    runs++;
    const agent = dir('fleet-agent-ws-');
    fs.mkdirSync(path.join(agent, 'libs/ml/out'), { recursive: true });
    fs.writeFileSync(path.join(agent, 'libs/ml/out/weights.bin'), randomBytes(20_000));
    const sent = await sendOutputs(request(agent, { cacheUrl: small.url }));
    expect(sent).toMatchObject({ ok: false, code: 'FLEET_OFFLOAD_OUTPUTS_TOO_LARGE' });
    expect(!sent.ok && sent.message).toContain('--max-entry-size');
  });

  it('over the limit on the caller: neither the download nor an archive that unpacks larger (a gzip bomb) is unpacked', async () => {
    runs++;
    const caller = callerWorkspace();
    const before = snapshot(caller);
    // Incompressible: the download itself passes the limit.
    expect(await put(`r-test-${runs}`, rawTarGz([{ name: 'libs/ml/out/w.bin', body: randomBytes(50_000) }]))).toBe(200);
    const big = await receiveOutputs(request(caller, { limit: 20_000 }));
    expect(big).toMatchObject({ ok: false, code: 'FLEET_OFFLOAD_OUTPUTS_TOO_LARGE' });
    // 8 MB that gzip packs about 30 to 1 (under node-tar's own ratio guard of 1000): the sum of
    // the entries' sizes is over the limit, though the download is not.
    runs++;
    const compressible = Buffer.alloc(8e6, 'a');
    for (let i = 0; i < compressible.length; i += 64) compressible[i] = Math.floor(Math.random() * 256);
    expect(await put(`r-test-${runs}`, rawTarGz([{ name: 'libs/ml/out/w.bin', body: compressible }]))).toBe(200);
    const bomb = await receiveOutputs(request(caller, { limit: 1e6 }));
    expect(bomb).toMatchObject({ ok: false, code: 'FLEET_OFFLOAD_OUTPUTS_TOO_LARGE' });
    expect(!bomb.ok && bomb.message).toContain('(8000000 bytes), over the limit of 976.6 KiB (1000000 bytes)');
    // 8 MB of zeros (a few KiB on the wire): node-tar itself stops at a ratio of 1000.
    runs++;
    expect(await put(`r-test-${runs}`, rawTarGz([{ name: 'libs/ml/out/zeros.bin', body: Buffer.alloc(8e6) }]))).toBe(
      200,
    );
    const zeros = await receiveOutputs(request(caller, { limit: 1e6 }));
    expect(zeros).toMatchObject({ ok: false, code: 'FLEET_OFFLOAD_OUTPUTS_UNSAFE' });
    expect(!zeros.ok && zeros.message).toContain('decompression ratio');
    expect(snapshot(caller)).toEqual(before);
  });

  const outside = path.join(fs.realpathSync(os.tmpdir()), `fleet-escape-${process.pid}`);
  const attacks: Array<[string, RawEntry[], string]> = [
    ['a path with ..', [{ name: '../escape.txt', body: 'x' }], 'not a plain relative path'],
    ['.. inside an output path', [{ name: 'libs/ml/out/../../../escape.txt', body: 'x' }], 'not a plain relative path'],
    ['an absolute path', [{ name: `${outside}/abs.txt`, body: 'x' }], 'not a plain relative path'],
    [
      'a file outside the declared outputs',
      [{ name: 'package.json', body: '{"scripts":{"postinstall":"evil"}}' }],
      '"package.json": not inside the task\'s declared outputs',
    ],
    [
      'a git hook',
      [{ name: '.git/hooks/pre-commit', body: '#!/bin/sh\nevil\n', mode: 0o755 }],
      '".git/hooks/pre-commit": not inside',
    ],
    ['an excluded output', [{ name: 'libs/ml/out/tmp/x.txt', body: 'x' }], '"libs/ml/out/tmp/x.txt": not inside'],
    [
      'a glob output entry not matching its glob',
      [{ name: 'dist/ml/evil.sh', body: 'x' }],
      '"dist/ml/evil.sh": not inside',
    ],
    [
      'a symlink to an absolute path',
      [{ name: 'libs/ml/out/link', type: '2', link: '/etc' }],
      'a link to "/etc", which is absolute',
    ],
    [
      'a symlink climbing out',
      [{ name: 'libs/ml/out/link', type: '2', link: '../../../..' }],
      "which leaves the task's declared outputs",
    ],
    [
      'a symlink that climbs through another link',
      [
        // b is fine (it points at the outputs' own folder); a reads as out/b/x but resolves to libs/x.
        { name: 'libs/ml/out/b', type: '2', link: '../out' },
        { name: 'libs/ml/out/a', type: '2', link: 'b/b/b/../../x' },
      ],
      '"libs/ml/out/a": a link to "b/b/b/../../x", which has ".."',
    ],
    [
      'a symlink to the project, then a file through it',
      [
        { name: 'libs/ml/out/up', type: '2', link: '..' },
        { name: 'libs/ml/out/up/project.json', body: '{}' },
      ],
      '"libs/ml/out/up": a link to "..", which leaves',
    ],
    [
      'a hard link to a file outside the outputs',
      [{ name: 'libs/ml/out/h', type: '1', link: 'package.json' }],
      'a link to "package.json", which leaves',
    ],
    [
      'a hard link to an absolute path',
      [{ name: 'libs/ml/out/h', type: '1', link: '/etc/passwd' }],
      'a link to "/etc/passwd", which is absolute',
    ],
    ['a fifo', [{ name: 'libs/ml/out/fifo', type: '6' }], 'a FIFO entry'],
    ['a character device', [{ name: 'libs/ml/out/dev', type: '3' }], 'a CharacterDevice entry'],
    [
      'good entries first, one bad at the end',
      [
        { name: 'libs/ml/out/model.txt', body: 'good' },
        { name: 'libs/ml/out/../../../escape.txt', body: 'x' },
      ],
      '"libs/ml/out/../../../escape.txt": not a plain relative path',
    ],
  ];
  it.each(attacks)('refuses %s: nothing removed, nothing written', async (_name, entries, reason) => {
    runs++;
    const caller = callerWorkspace();
    fs.mkdirSync(path.join(caller, '.git/hooks'), { recursive: true });
    const before = snapshot(caller);
    expect(await put(`r-test-${runs}`, rawTarGz(entries))).toBe(200);
    const got = await receiveOutputs(request(caller));
    expect(got).toMatchObject({ ok: false, code: 'FLEET_OFFLOAD_OUTPUTS_UNSAFE' });
    expect(!got.ok && got.message).toContain(
      'ml:train-live: its returned outputs were refused, nothing was unpacked: ',
    );
    expect(!got.ok && got.message).toContain(reason);
    expect(snapshot(caller)).toEqual(before);
    expect(fs.existsSync(path.join(caller, '..', 'escape.txt'))).toBe(false);
    expect(fs.existsSync(outside)).toBe(false);
  });

  it('refuses a link in the outputs that leaves them, on the agent already', async () => {
    runs++;
    const agent = dir('fleet-agent-ws-');
    fs.mkdirSync(path.join(agent, 'libs/ml/out'), { recursive: true });
    fs.symlinkSync(path.join(os.homedir(), '.ssh', 'id_ed25519'), path.join(agent, 'libs/ml/out/key'));
    const sent = await sendOutputs(request(agent));
    expect(sent).toMatchObject({ ok: false, code: 'FLEET_OFFLOAD_OUTPUTS_UNSAFE' });
  });

  it('invariant: every entry path and link target that is accepted lies inside the declared outputs', () => {
    const { roots } = outputRoots(OUTPUTS);
    const parts = ['libs', 'ml', 'out', 'tmp', 'dist', 'a', 'x.txt', '..', '.', '', '/', '\\', 'out..', '...'];
    const prefixes = ['libs/ml/out/', 'libs/ml/out', 'dist/ml/', 'libs/ml/', 'dist/', './', '/', ''];
    const pick = <T>(list: T[]) => list[Math.floor(Math.random() * list.length)];
    const randomPath = () =>
      pick(prefixes) +
      Array.from({ length: Math.floor(Math.random() * 5) }, () => pick(parts)).join(Math.random() < 0.9 ? '/' : '');
    const inside = (p: string) => {
      const norm = path.posix.normalize(p);
      if (norm.startsWith('/') || norm === '..' || norm.startsWith('../')) return false;
      const plain = norm === 'libs/ml/out' || norm.startsWith('libs/ml/out/');
      const excluded = norm === 'libs/ml/out/tmp' || norm.startsWith('libs/ml/out/tmp/');
      return (plain && !excluded) || norm === 'dist/ml' || norm.startsWith('dist/ml/');
    };
    /** Where a link may point: anywhere in an output's folder (the excluded part is still in it). */
    const linkInside = (p: string) => {
      const norm = path.posix.normalize(p);
      return ['libs/ml/out', 'dist/ml'].some((b) => norm === b || norm.startsWith(`${b}/`));
    };
    let accepted = 0;
    for (let i = 0; i < 20_000; i++) {
      const type = ['0', 'Directory', 'SymbolicLink', 'Link'][i % 4];
      const entry = {
        path: randomPath(),
        type: type === '0' ? 'File' : type,
        linkpath: type === 'SymbolicLink' || type === 'Link' ? randomPath() : undefined,
      };
      if (entryProblem(entry, roots) !== undefined) continue;
      accepted++;
      expect(inside(entry.path), JSON.stringify(entry)).toBe(true);
      if (entry.type === 'File' && path.posix.normalize(entry.path).startsWith('dist/'))
        expect(entry.path.endsWith('.txt'), JSON.stringify(entry)).toBe(true);
      if (entry.linkpath !== undefined) {
        const target =
          entry.type === 'SymbolicLink'
            ? path.posix.join(path.posix.dirname(entry.path), entry.linkpath)
            : entry.linkpath;
        expect(entry.linkpath.startsWith('/'), JSON.stringify(entry)).toBe(false);
        // No `..` after a name: links in the path cannot make it climb further than it reads.
        const segs = entry.linkpath.replace(/^(\.\/)+/, '').split('/');
        const firstName = segs.findIndex((seg) => seg !== '..');
        expect(firstName < 0 || !segs.slice(firstName).includes('..'), JSON.stringify(entry)).toBe(true);
        expect(linkInside(target), JSON.stringify(entry)).toBe(true);
      }
    }
    // The generator does produce acceptable entries, so the loop checked something.
    expect(accepted).toBeGreaterThan(100);
  });

  it('the request is a signed field of the job, and only a job that carries it puts the variables in its task', () => {
    const payload = {
      v: 2,
      trust: 'untrusted',
      runId: 'r-1',
      taskId: 'ml:train-live',
      commit: 'a'.repeat(40),
      project: 'ml',
      target: 'train-live',
      requirement: { labels: [], gpus: 0, gpuMemoryGb: 0, memoryGb: 0, cpus: 0 },
      attempt: 1,
    };
    for (const ok of [0, 1, 1024 ** 3]) expect(payloadProblem({ ...payload, returnOutputsLimit: ok })).toBeUndefined();
    for (const bad of [-1, 1.5, '1GiB', null, Infinity])
      expect(payloadProblem({ ...payload, returnOutputsLimit: bad }), String(bad)).toBe('bad returnOutputsLimit');
    // An operator's (or a leftover) request in the agent's own environment never reaches a task.
    const base = { FLEET_RETURN_OUTPUTS_RUN: 'r-0', FLEET_RETURN_OUTPUTS_TASK: 'x:y', FLEET_RETURN_OUTPUTS_LIMIT: '1' };
    const o = { workdir: '/w', cacheUrl: 'http://c', resultsDir: '/r', daemon: false, gpus: [0], base };
    const none = agentTaskEnv(o);
    expect(Object.keys(none).filter((k) => k.startsWith('FLEET_RETURN_OUTPUTS'))).toEqual([]);
    const asked = agentTaskEnv({ ...o, returnOutputs: { runId: 'r-1', taskId: 'ml:train-live', limit: 0 } });
    expect(asked).toMatchObject({
      FLEET_RETURN_OUTPUTS_RUN: 'r-1',
      FLEET_RETURN_OUTPUTS_TASK: 'ml:train-live',
      FLEET_RETURN_OUTPUTS_LIMIT: 'unlimited',
    });
  });
});
