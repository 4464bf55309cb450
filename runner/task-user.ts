import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';

/**
 * The user an agent runs repository code as (`fleet agent --task-user`). Tasks run the
 * repository's code on the agent's machine; as another user they cannot read the agent's
 * environment (`/proc/<agent>/environ` is readable only by its own user), its files (keys and
 * tokens under a 0700 home), nor signal it. It needs the agent to run as root (or with
 * CAP_SETUID/CAP_SETGID), and it must be a user of its own for this one agent: the agent ends
 * every process of that user and removes its files in the shared temporary folders between
 * untrusted runs.
 */
export interface TaskUser {
  name: string;
  uid: number;
  gid: number;
}

export type TaskUserResult = { ok: true; user: TaskUser } | { ok: false; code: 'FLEET_TASK_USER'; message: string };

export function resolveTaskUser(name: string): TaskUserResult {
  const id = (flag: string): number => Number(spawnSync('id', [flag, name], { encoding: 'utf8' }).stdout.trim() || NaN);
  const uid = id('-u');
  const gid = id('-g');
  if (!Number.isInteger(uid) || !Number.isInteger(gid))
    return { ok: false, code: 'FLEET_TASK_USER', message: `--task-user ${name}: no such user` };
  if (uid === 0)
    return { ok: false, code: 'FLEET_TASK_USER', message: `--task-user ${name}: tasks must not run as root` };
  if (typeof process.getuid === 'function' && process.getuid() !== 0)
    return {
      ok: false,
      code: 'FLEET_TASK_USER',
      message: `--task-user ${name}: the agent must run as root to start processes as another user`,
    };
  return { ok: true, user: { name, uid, gid } };
}

/** spawn() options that start the process as the task user (libuv also drops supplementary groups). */
export function asUser(user: TaskUser | undefined): { uid?: number; gid?: number } {
  return user ? { uid: user.uid, gid: user.gid } : {};
}

/** Gives a folder the agent created to the task user. */
export function giveTo(user: TaskUser | undefined, dir: string): void {
  if (user) fs.chownSync(dir, user.uid, user.gid);
}

/**
 * Between untrusted runs: ends every process of the task user (whatever a task left running,
 * detached or not) and removes its files from the machine's shared temporary folders.
 */
export function sweepTaskUser(user: TaskUser, tempDirs: string[] = ['/tmp', '/var/tmp', '/dev/shm']): void {
  // kill -9 -1 as that user: every process it may signal (all of its own), except the kill itself.
  spawnSync('kill', ['-9', '-1'], { uid: user.uid, gid: user.gid, stdio: 'ignore' });
  for (const dir of tempDirs) {
    if (fs.existsSync(dir))
      spawnSync('find', [dir, '-xdev', '-mindepth', '1', '-user', String(user.uid), '-delete'], { stdio: 'ignore' });
  }
}
