import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { REPO_ID } from './sign';

/**
 * Several repositories on one agent pool. `fleet agent --repo id=url` (repeatable) maps ids to
 * origin URLs; a run names its repository by id (`fleet run --repo id`, signed into every job).
 * The map is the agent's alone: a job (data from Redis) can only pick one of the ids the operator
 * allowed, never a URL, so nothing a Redis writer or a run's code does makes an agent fetch from
 * elsewhere. Each repository gets its own checkout (`<workdir>/<id>`) and with it its own local
 * Nx cache, install stamp and resident nx processes; slots and GPUs are shared by the process.
 */

export interface RepoSpec {
  id: string;
  url: string;
}

/** `id=url` items (the flag's values, or `FLEET_REPOS` split at commas); one problem names the item. */
export function parseRepoSpecs(items: string[]): { ok: true; repos: RepoSpec[] } | { ok: false; message: string } {
  const repos: RepoSpec[] = [];
  for (const item of items) {
    const at = item.indexOf('=');
    const id = item.slice(0, at).trim();
    const url = item.slice(at + 1).trim();
    if (at < 1 || !url) return { ok: false, message: `"${item}" is not <id>=<origin URL>` };
    if (!REPO_ID.test(id)) return { ok: false, message: `repository id "${id}" must match ${REPO_ID.source}` };
    if (url.startsWith('-')) return { ok: false, message: `repository ${id}: URL "${url}" must not start with "-"` };
    if (repos.some((r) => r.id === id)) return { ok: false, message: `repository id "${id}" is given twice` };
    repos.push({ id, url });
  }
  return { ok: true, repos };
}

/** Why an agent refuses a job's repository (FLEET_UNKNOWN_REPO). */
export function repoRefusal(jobRepo: string | undefined, agentRepo: string | undefined): string {
  if (jobRepo === undefined)
    return `the job names no repository, and this agent serves repository "${agentRepo}" only (fleet run --repo)`;
  return agentRepo === undefined
    ? `the job names repository "${jobRepo}", which this agent does not map (fleet agent --repo ${jobRepo}=<url>)`
    : `the job names repository "${jobRepo}", not "${agentRepo}" of this agent's queue`;
}

const git = (cwd: string, args: string[]): { ok: boolean; out: string } => {
  const r = spawnSync('git', args, { cwd, encoding: 'utf8' });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}`.trim() };
};

/**
 * The repository's checkout under the agent's folder: cloned on first start, reused after when
 * its `origin` is the mapped URL, refused (FLEET_REPO_MISMATCH) when it points elsewhere.
 */
export function repoCheckout(root: string, r: RepoSpec): string {
  const dir = path.join(root, r.id);
  if (!fs.existsSync(dir)) {
    fs.mkdirSync(root, { recursive: true });
    const c = git(root, ['clone', '--quiet', '--', r.url, dir]);
    if (!c.ok)
      throw Object.assign(new Error(`repository ${r.id}: git clone ${r.url}: ${c.out.slice(0, 500)}`), {
        code: 'FLEET_CHECKOUT_FAILED',
      });
    return dir;
  }
  const origin = git(dir, ['remote', 'get-url', 'origin']);
  if (!origin.ok || origin.out !== r.url)
    throw Object.assign(
      new Error(
        `repository ${r.id}: ${dir} exists but its origin is ${origin.ok ? `"${origin.out}"` : 'not set'}, not ${r.url}; move it away or fix --repo`,
      ),
      { code: 'FLEET_REPO_MISMATCH' },
    );
  return dir;
}
