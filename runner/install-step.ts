import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { withoutSecrets } from './secrets';

/** Lockfile → the install command that reproduces it exactly, in the order package managers prefer. */
const LOCKFILES: Array<{ file: string; command: (root: string) => string }> = [
  { file: 'pnpm-lock.yaml', command: () => 'pnpm install --frozen-lockfile' },
  {
    file: 'yarn.lock',
    command: (root) =>
      fs.existsSync(path.join(root, '.yarnrc.yml')) ? 'yarn install --immutable' : 'yarn install --frozen-lockfile',
  },
  { file: 'bun.lock', command: () => 'bun install --frozen-lockfile' },
  { file: 'bun.lockb', command: () => 'bun install --frozen-lockfile' },
  { file: 'package-lock.json', command: () => 'npm ci' },
];

export interface InstallPlan {
  command: string;
  /** Digest of the lockfile and the command: the install runs again when it changes. */
  digest: string;
  lockfile?: string;
}

/**
 * What to run after a checkout so dependencies match the lockfile. `setting` is the agent's
 * `--install-command`: `auto` (default: from the lockfile), `none`, or a command of the operator's
 * (it runs through the shell; it comes from the agent's own configuration, never from a job).
 */
export function planInstall(workdir: string, setting = 'auto'): InstallPlan | undefined {
  if (setting === 'none') return undefined;
  const found = LOCKFILES.find((l) => fs.existsSync(path.join(workdir, l.file)));
  const command = setting === 'auto' ? found?.command(workdir) : setting;
  if (!command) return undefined;
  const h = createHash('sha256').update(command).update('\0');
  for (const l of LOCKFILES) {
    const file = path.join(workdir, l.file);
    if (fs.existsSync(file)) h.update(l.file).update('\0').update(fs.readFileSync(file));
  }
  return { command, digest: h.digest('hex'), lockfile: found?.file };
}

/** Where the digest of the last successful install is kept (`.nx` survives the checkout's clean). */
export function installStampFile(workdir: string): string {
  return path.join(workdir, '.nx', 'fleet-install-stamp');
}

export type InstallResult = { ran: false } | { ran: true; ok: true } | { ran: true; ok: false; message: string };

/** Runs the install when the lockfile (or the command) changed since the last successful one. */
export async function installIfChanged(
  workdir: string,
  setting: string | undefined,
  onLine: (line: string) => void,
  /** The install runs the repository's scripts: isolated agents give it the task's environment and user. */
  as: {
    env?: NodeJS.ProcessEnv;
    uid?: number;
    gid?: number;
    /**
     * Where the stamp is kept instead of the checkout's `.nx`: isolated agents keep it outside the
     * folder tasks write (a `.nx` the agent made would also be its, and the task user's nx could
     * not create its workspace data there: EACCES).
     */
    stampFile?: string;
  } = {},
): Promise<InstallResult> {
  const plan = planInstall(workdir, setting);
  if (!plan) return { ran: false };
  const stamp = as.stampFile ?? installStampFile(workdir);
  let previous = '';
  try {
    previous = fs.readFileSync(stamp, 'utf8').trim();
  } catch {
    /* never installed by this agent */
  }
  if (previous === plan.digest) return { ran: false };
  onLine(`[fleet] ${plan.lockfile ? `${plan.lockfile} changed` : 'first run'}: ${plan.command}`);
  const tail: string[] = [];
  const code = await new Promise<number | null>((resolve) => {
    const child = spawn(plan.command, {
      cwd: workdir,
      shell: true,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: as.env ?? withoutSecrets(process.env),
      ...(as.uid !== undefined ? { uid: as.uid, gid: as.gid } : {}),
    });
    const take = (c: Buffer): void => {
      for (const line of c.toString().split('\n')) {
        if (!line) continue;
        onLine(line);
        tail.push(line);
        if (tail.length > 20) tail.shift();
      }
    };
    child.stdout.on('data', take);
    child.stderr.on('data', take);
    child.once('error', (e) => {
      tail.push(e.message);
      resolve(null);
    });
    child.once('close', (c) => resolve(c));
  });
  if (code !== 0)
    return {
      ran: true,
      ok: false,
      message: `install command "${plan.command}" exited ${code}: ${tail.join('\n').slice(-1500)}`,
    };
  fs.mkdirSync(path.dirname(stamp), { recursive: true });
  fs.writeFileSync(stamp, plan.digest + '\n');
  return { ran: true, ok: true };
}
