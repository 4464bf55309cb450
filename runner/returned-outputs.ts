import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as https from 'node:https';
import * as os from 'node:os';
import * as path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { gzipSync } from 'node:zlib';
import * as tar from 'tar';
import { formatSize, parseSize } from '../config/settings/parse-size';

/**
 * The outputs of an offloaded `cache: false` task, brought back from the agent to the caller
 * (docs/local-execution.md#gpu-targets-on-a-machine-without-a-gpu-offload). Nx caches nothing of
 * such a task, so its outputs would stay on the agent; instead the task's own nx on the agent
 * packs its declared outputs (a tar.gz) and PUTs them to the remote cache Nx uses there, with the
 * token Nx uses there, under a key of the run and the task. The caller's replay GETs them with
 * its own replay token and unpacks them into the workspace.
 *
 * Nothing new crosses a trust boundary: the upload is made by the task's own process (the task
 * user on an isolating agent) with the token the task holds anyway, so it writes only what the
 * task could write itself: an untrusted run's token writes only that run's namespace
 * (cache/run-tokens.ts), and the caller's read token reads only `main` and its own run's
 * namespace. The caller trusts nothing in the archive: every entry must lie inside one of the
 * task's declared outputs (as the caller's own project graph declares them), with no `..`, no
 * absolute path, no link leaving the outputs and no special file, or nothing is unpacked.
 */

/** Set by the agent for a job whose outputs go back (and by `fleet run` for its replay): the run id. */
export const RETURN_OUTPUTS_RUN_ENV = 'FLEET_RETURN_OUTPUTS_RUN';
/** The task whose outputs go back (the agent's nx may run its dependencies too). */
export const RETURN_OUTPUTS_TASK_ENV = 'FLEET_RETURN_OUTPUTS_TASK';
/** The size limit in bytes (`unlimited`): `fleet run --return-outputs-limit`, signed into the job. */
export const RETURN_OUTPUTS_LIMIT_ENV = 'FLEET_RETURN_OUTPUTS_LIMIT';
export const DEFAULT_RETURN_OUTPUTS_LIMIT = 1024 ** 3;

export type ReturnedOutputsCode =
  | 'FLEET_OFFLOAD_OUTPUTS_TOO_LARGE'
  | 'FLEET_OFFLOAD_OUTPUTS_UNSAFE'
  | 'FLEET_OFFLOAD_OUTPUTS_UPLOAD_FAILED'
  | 'FLEET_OFFLOAD_OUTPUTS_MISSING'
  | 'FLEET_OFFLOAD_OUTPUTS_DOWNLOAD_FAILED';

export type ReturnedOutputsResult =
  | { ok: true; files: number; bytes: number; message: string }
  | { ok: false; code: ReturnedOutputsCode; message: string };

export interface ReturnedOutputsRequest {
  workspaceRoot: string;
  taskId: string;
  runId: string;
  /** The task's outputs as Nx resolved them (workspace-relative; globs and `!` negations allowed). */
  outputs: string[];
  /** Bytes; Infinity: no limit. */
  limit: number;
  /** The remote cache Nx uses (`NX_SELF_HOSTED_REMOTE_CACHE_SERVER`). */
  cacheUrl: string;
  /** Its token (`NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN`); none on an open server. */
  token?: string;
}

/** Where the outputs of one task of one run are kept: a cache key no Nx hash can be (Nx's are digits). */
export function outputsArtifactKey(runId: string, taskId: string): string {
  return `fleet-outputs-${createHash('sha256').update(`nx-fleet-outputs-v1\n${runId}\n${taskId}`).digest('hex')}`;
}

/** What the environment asks for this task, or undefined when its outputs do not go back. */
export function returnOutputsFromEnv(
  taskId: string,
  env: NodeJS.ProcessEnv,
  /** On the agent: only the job's own task (its dependencies run in the same nx). */
  jobTaskOnly: boolean,
): { runId: string; limit: number } | undefined {
  const runId = env[RETURN_OUTPUTS_RUN_ENV];
  const task = env[RETURN_OUTPUTS_TASK_ENV];
  if (!runId || (jobTaskOnly ? task !== taskId : task !== undefined && task !== taskId)) return undefined;
  const raw = env[RETURN_OUTPUTS_LIMIT_ENV];
  const limit = raw ? parseSize(raw) : DEFAULT_RETURN_OUTPUTS_LIMIT;
  return { runId, limit: limit ?? DEFAULT_RETURN_OUTPUTS_LIMIT };
}

/**
 * The variables that carry a request to the agent's task (`taskId` given: only that task sends)
 * and to the replay (every `cache: false` task of the run fetches its own). `limit` 0 or
 * Infinity: no limit.
 */
export function returnOutputsEnv(runId: string, limit: number, taskId?: string): Record<string, string> {
  return {
    [RETURN_OUTPUTS_RUN_ENV]: runId,
    ...(taskId === undefined ? {} : { [RETURN_OUTPUTS_TASK_ENV]: taskId }),
    [RETURN_OUTPUTS_LIMIT_ENV]: Number.isFinite(limit) && limit > 0 ? String(limit) : 'unlimited',
  };
}

/** Removes a request an environment may carry (a job that asks for none). */
export function withoutReturnOutputs(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  for (const k of [RETURN_OUTPUTS_RUN_ENV, RETURN_OUTPUTS_TASK_ENV, RETURN_OUTPUTS_LIMIT_ENV]) delete env[k];
  return env;
}

// ---------------------------------------------------------------------------------------------
// Which paths are the task's outputs

export interface OutputRoot {
  /** The folder or file the output names; for a glob, its part before the first wildcard. */
  base: string;
  /** A glob output: the paths it matches. */
  glob?: RegExp;
  exclude: boolean;
}

const WILDCARD = /[*?[\]{}]/;

/** A relative path without `.`/`..` segments, absolute form, backslash or NUL; undefined otherwise. */
function cleanRelative(p: string): string | undefined {
  let s = p.replace(/^(\.\/)+/, '');
  if (s.endsWith('/')) s = s.slice(0, -1);
  if (s === '' || s.startsWith('/') || s.includes('\\') || s.includes('\0')) return undefined;
  if (s.split('/').some((seg) => seg === '' || seg === '.' || seg === '..')) return undefined;
  return s;
}

function globRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*' && glob[i + 1] === '*') {
      const slash = glob[i + 2] === '/';
      re += slash ? '(?:.*/)?' : '.*';
      i += slash ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else if (c === '{') {
      const end = glob.indexOf('}', i);
      if (end < 0) re += '\\{';
      else {
        re += `(?:${glob
          .slice(i + 1, end)
          .split(',')
          .map((a) => a.replace(/[.+^$()|[\]\\*?]/g, '\\$&'))
          .join('|')})`;
        i = end;
      }
    } else re += c.replace(/[.+^$()|[\]\\{}]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

/** The task's outputs as roots; outputs outside the workspace (`../x`, `/abs`) are not returned. */
export function outputRoots(outputs: string[]): { roots: OutputRoot[]; skipped: string[] } {
  const roots: OutputRoot[] = [];
  const skipped: string[] = [];
  for (const raw of outputs) {
    const exclude = raw.startsWith('!');
    const text = (exclude ? raw.slice(1) : raw).replace(/^(\.\/)+/, '');
    const segments = text.split('/');
    const wild = segments.findIndex((s) => WILDCARD.test(s));
    const unsafe =
      text.startsWith('/') || text.includes('\\') || text.includes('\0') || segments.some((s) => s === '..');
    const base = unsafe
      ? undefined
      : wild < 0
        ? cleanRelative(text)
        : wild === 0
          ? ''
          : cleanRelative(segments.slice(0, wild).join('/'));
    if (base === undefined) {
      skipped.push(raw);
      continue;
    }
    roots.push({ base, exclude, ...(wild < 0 ? {} : { glob: globRegExp(text) }) });
  }
  return { roots, skipped };
}

const under = (p: string, base: string) => base === '' || p === base || p.startsWith(`${base}/`);

/** Whether `rel` (clean) is one of the outputs: a folder on the way to a glob's matches counts. */
function inOutputs(rel: string, dir: boolean, roots: OutputRoot[]): boolean {
  const excluded = roots.some((r) => r.exclude && (r.glob ? r.glob.test(rel) : under(rel, r.base)));
  if (excluded) return false;
  return roots.some((r) => !r.exclude && under(rel, r.base) && (!r.glob || dir || r.glob.test(rel)));
}

/** Why an archive entry may not be written into the workspace, or undefined. */
export function entryProblem(
  entry: { path: string; type: string; linkpath?: string },
  roots: OutputRoot[],
): string | undefined {
  const show = JSON.stringify(entry.path);
  const dir = entry.type === 'Directory';
  // Only a folder may end in `/` (tar reads a file so named as a folder in old formats).
  const rel = dir || !entry.path.endsWith('/') ? cleanRelative(entry.path) : undefined;
  if (rel === undefined) return `${show}: not a plain relative path (absolute, "..", ".", "//" or a backslash)`;
  if (!inOutputs(rel, dir, roots)) return `${show}: not inside the task's declared outputs`;
  if (entry.type === 'SymbolicLink' || entry.type === 'Link') {
    const link = entry.linkpath ?? '';
    if (link === '' || link.startsWith('/') || link.includes('\\') || link.includes('\0'))
      return `${show}: a link to ${JSON.stringify(link)}, which is absolute or empty`;
    // `..` only at the start: a `..` after a link in the path would climb from where that link
    // points, not where the text says (`b -> .` then `b/b/../../x`).
    const segs = link.replace(/^(\.\/)+/, '').split('/');
    const climbs = segs.findIndex((seg) => seg !== '..');
    if (climbs >= 0 && segs.slice(climbs).some((seg) => seg === '..' || seg === '.' || seg === ''))
      return `${show}: a link to ${JSON.stringify(link)}, which has "..", "." or "//" after its first name`;
    // A symbolic link is relative to its folder, a hard link to the archive's root.
    const target = path.posix.normalize(
      entry.type === 'SymbolicLink' ? path.posix.join(path.posix.dirname(rel), link) : link,
    );
    const clean = cleanRelative(target);
    if (clean === undefined || !roots.some((r) => !r.exclude && under(clean, r.base)))
      return `${show}: a link to ${JSON.stringify(link)}, which leaves the task's declared outputs`;
    return undefined;
  }
  if (!['File', 'OldFile', 'ContiguousFile', 'Directory'].includes(entry.type))
    return `${show}: a ${entry.type} entry (only files, folders and links inside the outputs are unpacked)`;
  return undefined;
}

// ---------------------------------------------------------------------------------------------
// The agent's side: pack and upload

interface Found {
  paths: string[];
  files: number;
  bytes: number;
  problem?: string;
}

/** The outputs' paths on disk (links are not followed), with the sum of their files' sizes. */
function collect(workspaceRoot: string, roots: OutputRoot[]): Found {
  const found: Found = { paths: [], files: 0, bytes: 0 };
  const seen = new Set<string>();
  const add = (rel: string, st: fs.Stats): void => {
    if (seen.has(rel)) return;
    const type = st.isDirectory() ? 'Directory' : st.isSymbolicLink() ? 'SymbolicLink' : st.isFile() ? 'File' : 'other';
    if (type === 'other') return; // sockets, fifos: nothing tar carries back
    if (!inOutputs(rel, type === 'Directory', roots)) return;
    const linkpath = type === 'SymbolicLink' ? fs.readlinkSync(path.join(workspaceRoot, rel)) : undefined;
    const problem = entryProblem({ path: rel, type, linkpath }, roots);
    if (problem) found.problem ??= problem;
    seen.add(rel);
    // Folders only for a plain output (they keep empty ones); a glob's matches bring their folders.
    if (type !== 'Directory' || roots.some((r) => !r.exclude && !r.glob && under(rel, r.base))) found.paths.push(rel);
    if (type === 'File') (found.files++, (found.bytes += st.size));
  };
  const walk = (rel: string): void => {
    let st: fs.Stats;
    try {
      st = fs.lstatSync(path.join(workspaceRoot, rel));
    } catch {
      return; // an output the task did not write (Nx allows that too)
    }
    add(rel, st);
    if (!st.isDirectory()) return;
    for (const name of fs.readdirSync(path.join(workspaceRoot, rel)).sort()) walk(rel ? `${rel}/${name}` : name);
  };
  for (const r of roots) if (!r.exclude) walk(r.base);
  found.paths = found.paths.filter((p) => p !== '');
  return found;
}

/** Outputs outside the workspace (`../dist`, `/abs`) travel neither way: said, not hidden. */
function notReturned(skipped: string[]): string {
  return skipped.length ? ` (not returned, outside the workspace: ${skipped.join(', ')})` : '';
}

const LIMIT_HINT =
  'raise FLEET_RETURN_OUTPUTS_LIMIT (or `run.returnOutputsLimit` in nx.json), or make the target cached so its outputs travel through the remote cache';

function tooLarge(taskId: string, what: string, bytes: number, limit: number): ReturnedOutputsResult {
  return {
    ok: false,
    code: 'FLEET_OFFLOAD_OUTPUTS_TOO_LARGE',
    message: `${taskId}: its outputs are ${what}${formatSize(bytes)} (${bytes} bytes), over the limit of ${formatSize(limit)} (${limit} bytes) for bringing a cache: false task's outputs back from the agent; ${LIMIT_HINT} [FLEET_OFFLOAD_OUTPUTS_TOO_LARGE]`,
  };
}

/** On the agent, after the task succeeded: packs its outputs and PUTs them to the remote cache. */
export async function sendOutputs(r: ReturnedOutputsRequest): Promise<ReturnedOutputsResult> {
  const { roots, skipped } = outputRoots(r.outputs);
  const found = collect(r.workspaceRoot, roots);
  if (found.problem)
    return {
      ok: false,
      code: 'FLEET_OFFLOAD_OUTPUTS_UNSAFE',
      message: `${r.taskId}: its outputs cannot be brought back: ${found.problem} [FLEET_OFFLOAD_OUTPUTS_UNSAFE]`,
    };
  if (found.bytes > r.limit) return tooLarge(r.taskId, '', found.bytes, r.limit);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-outputs-'));
  try {
    const file = path.join(tmp, 'outputs.tar.gz');
    // No dereferencing (`follow` is off): a link is packed as a link, never the file it names.
    if (found.paths.length)
      await tar.create(
        { file, cwd: r.workspaceRoot, gzip: { level: 1 }, portable: true, noDirRecurse: true, strict: true },
        found.paths,
      );
    // No output written: an empty archive, so the caller's outputs end up empty as here.
    else fs.writeFileSync(file, gzipSync(Buffer.alloc(1024)));
    const size = fs.statSync(file).size;
    if (size > r.limit) return tooLarge(r.taskId, 'packed into ', size, r.limit);
    const put = await request('PUT', r, { file, size });
    if (put.status === 200 || put.status === 409)
      return {
        ok: true,
        files: found.files,
        bytes: found.bytes,
        message: `${r.taskId}: ${found.files} output file(s), ${formatSize(found.bytes)}, sent back to the caller through the remote cache${notReturned(skipped)}`,
      };
    if (put.status === 413 || /^Payload Too Large/.test(put.text))
      return {
        ok: false,
        code: 'FLEET_OFFLOAD_OUTPUTS_TOO_LARGE',
        message: `${r.taskId}: the cache server refused its outputs (${formatSize(size)} packed) as too large, over its --max-entry-size: ${put.status} ${put.text.trim().slice(0, 200)} [FLEET_OFFLOAD_OUTPUTS_TOO_LARGE]`,
      };
    return {
      ok: false,
      code: 'FLEET_OFFLOAD_OUTPUTS_UPLOAD_FAILED',
      message: `${r.taskId}: its outputs could not be sent back: the cache server answered ${put.status || put.text} ${put.status ? put.text.trim().slice(0, 200) : ''}[FLEET_OFFLOAD_OUTPUTS_UPLOAD_FAILED]`,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// The caller's side: download, check every entry, unpack

/** Every entry's problem (the first), and the files' count and total size as the headers say. */
async function checkArchive(
  file: string,
  roots: OutputRoot[],
): Promise<{ problem?: string; files: number; bytes: number }> {
  let problem: string | undefined;
  let files = 0;
  let bytes = 0;
  try {
    await tar.list({
      file,
      strict: true,
      onReadEntry: (e) => {
        problem ??= entryProblem({ path: e.path, type: e.type, linkpath: e.linkpath }, roots);
        if (e.type === 'File' || e.type === 'OldFile' || e.type === 'ContiguousFile') (files++, (bytes += e.size ?? 0));
      },
    });
  } catch (err) {
    problem ??= `not a readable tar.gz archive (${(err as Error).message})`;
  }
  return { problem, files, bytes };
}

/** In the caller's replay: GETs the task's outputs and unpacks them into the workspace. */
export async function receiveOutputs(r: ReturnedOutputsRequest): Promise<ReturnedOutputsResult> {
  const { roots, skipped } = outputRoots(r.outputs);
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-outputs-'));
  try {
    const file = path.join(tmp, 'outputs.tar.gz');
    const got = await request('GET', r, { file, limit: r.limit });
    if (got.tooLarge !== undefined) return tooLarge(r.taskId, 'packed into ', got.tooLarge, r.limit);
    if (got.status === 404)
      return {
        ok: false,
        code: 'FLEET_OFFLOAD_OUTPUTS_MISSING',
        message: `${r.taskId}: ran on an agent, but its outputs are not in the remote cache for this run (evicted, the agent could not upload them, or this token cannot read the run's namespace) [FLEET_OFFLOAD_OUTPUTS_MISSING]`,
      };
    if (got.status !== 200)
      return {
        ok: false,
        code: 'FLEET_OFFLOAD_OUTPUTS_DOWNLOAD_FAILED',
        message: `${r.taskId}: its outputs could not be fetched from the remote cache: ${got.status || ''} ${got.text.trim().slice(0, 200)} [FLEET_OFFLOAD_OUTPUTS_DOWNLOAD_FAILED]`,
      };
    // First every entry is checked, and only then is anything removed or written.
    const { problem, files, bytes } = await checkArchive(file, roots);
    if (problem)
      return {
        ok: false,
        code: 'FLEET_OFFLOAD_OUTPUTS_UNSAFE',
        message: `${r.taskId}: its returned outputs were refused, nothing was unpacked: ${problem} [FLEET_OFFLOAD_OUTPUTS_UNSAFE]`,
      };
    if (bytes > r.limit) return tooLarge(r.taskId, '', bytes, r.limit);
    // As Nx does when it restores outputs: a plain output is replaced as a whole.
    for (const root of roots)
      if (!root.exclude && !root.glob && root.base)
        fs.rmSync(path.join(r.workspaceRoot, root.base), { recursive: true, force: true });
    let refused: string | undefined;
    await tar.extract({
      file,
      cwd: r.workspaceRoot,
      strict: true,
      preservePaths: false,
      preserveOwner: false,
      filter: (p, e) => {
        const entry = e as tar.ReadEntry;
        const why = entryProblem({ path: p, type: entry.type, linkpath: entry.linkpath }, roots);
        if (why) refused ??= why;
        // No set-user-id, set-group-id or sticky bits from an archive.
        if (entry.mode !== undefined) entry.mode &= 0o777;
        return !why;
      },
    });
    if (refused)
      return {
        ok: false,
        code: 'FLEET_OFFLOAD_OUTPUTS_UNSAFE',
        message: `${r.taskId}: an entry of its returned outputs was refused: ${refused} [FLEET_OFFLOAD_OUTPUTS_UNSAFE]`,
      };
    return {
      ok: true,
      files,
      bytes,
      message: `${r.taskId}: its outputs came back from the agent: ${files} file(s), ${formatSize(bytes)}${notReturned(skipped)}`,
    };
  } catch (err) {
    return {
      ok: false,
      code: 'FLEET_OFFLOAD_OUTPUTS_UNSAFE',
      message: `${r.taskId}: its returned outputs could not be unpacked: ${(err as Error).message} [FLEET_OFFLOAD_OUTPUTS_UNSAFE]`,
    };
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------
// HTTP

interface Answer {
  /** 0: no answer (the connection failed; `text` says why). */
  status: number;
  text: string;
  /** GET: the body's size where it passed the limit (nothing more was read). */
  tooLarge?: number;
}

const IDLE_MS = 120_000;

/** PUT a file, or GET into a file (at most `limit` bytes), at `/v1/cache/<key>` of the cache server. */
function request(
  method: 'PUT' | 'GET',
  r: ReturnedOutputsRequest,
  body: { file: string; size?: number; limit?: number },
): Promise<Answer> {
  const url = new URL(
    `v1/cache/${outputsArtifactKey(r.runId, r.taskId)}`,
    r.cacheUrl.endsWith('/') ? r.cacheUrl : `${r.cacheUrl}/`,
  );
  const headers: Record<string, string | number> = {};
  if (r.token) headers.authorization = `Bearer ${r.token}`;
  if (method === 'PUT')
    Object.assign(headers, { 'content-length': body.size!, 'content-type': 'application/octet-stream' });
  const lib = url.protocol === 'https:' ? https : http;
  return new Promise<Answer>((resolve) => {
    let settled = false;
    const done = (a: Answer): void => {
      if (settled) return;
      settled = true;
      resolve(a);
    };
    const req = lib.request(url, { method, headers }, (res) => {
      const status = res.statusCode ?? 0;
      if (method === 'GET' && status === 200) {
        const limit = body.limit ?? Infinity;
        const declared = Number(res.headers['content-length']);
        if (Number.isFinite(declared) && declared > limit) {
          res.destroy();
          req.destroy();
          return done({ status, text: '', tooLarge: declared });
        }
        let seen = 0;
        const out = fs.createWriteStream(body.file);
        res.on('data', (c: Buffer) => {
          seen += c.length;
          if (seen > limit) {
            res.destroy();
            out.destroy();
            done({ status, text: '', tooLarge: seen });
          }
        });
        pipeline(res, out).then(
          () => done({ status, text: '' }),
          (e: Error) => done({ status: 0, text: `the download broke off: ${e.message}` }),
        );
        return;
      }
      let text = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => void (text.length < 4096 && (text += c)));
      res.on('end', () => done({ status, text }));
      res.on('error', (e) => done({ status: 0, text: e.message }));
    });
    req.setTimeout(IDLE_MS, () => req.destroy(new Error(`no answer for ${IDLE_MS / 1000}s`)));
    req.on('error', (e) => done({ status: 0, text: `${url.origin}: ${e.message}` }));
    if (method === 'PUT') {
      const src = fs.createReadStream(body.file);
      src.on('error', (e) => req.destroy(e));
      src.pipe(req);
    } else req.end();
  });
}
