import { randomUUID } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

/**
 * Local GPU slots shared by every Nx process on the machine: one lock file per GPU in a
 * machine-wide folder (`FLEET_GPU_LOCK_DIR`, default `<tmp>/nx-fleet-gpu-locks`). A lock holds
 * the owner's pid and process start time; a lock whose owner is gone (or whose pid now belongs
 * to another process) is stale and is taken over. Created with `link()` from a private file, so
 * a lock is never seen half-written and two processes can never both create it.
 */
export interface GpuLockOwner {
  pid: number;
  /** /proc/<pid>/stat start time (clock ticks since boot): tells a reused pid from its first owner. */
  started: string;
  task: string;
  token: string;
  since: number;
}

export function defaultLockDir(env: NodeJS.ProcessEnv = process.env): string {
  return env.FLEET_GPU_LOCK_DIR || path.join(os.tmpdir(), 'nx-fleet-gpu-locks');
}

/** Field 22 of /proc/<pid>/stat, or '' where there is no /proc (then the pid alone decides). */
export function processStartTime(pid: number): string {
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may contain spaces: count after it.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19] ?? '';
  } catch {
    return '';
  }
}

function alive(owner: GpuLockOwner): boolean {
  try {
    process.kill(owner.pid, 0);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  const now = processStartTime(owner.pid);
  return !owner.started || !now || now === owner.started;
}

export class GpuSlots {
  private readonly held = new Map<number, string>();
  private readonly me: Pick<GpuLockOwner, 'pid' | 'started'>;

  constructor(readonly dir: string = defaultLockDir()) {
    this.me = { pid: process.pid, started: processStartTime(process.pid) };
    // Sticky and world-writable, like /tmp: every user's Nx shares the machine's GPUs. The
    // umask narrows mkdir's mode, so the creator sets it explicitly.
    if (fs.mkdirSync(dir, { recursive: true }) !== undefined) fs.chmodSync(dir, 0o1777);
  }

  /** Takes `count` of `candidates` (device indices, preferred first) now, or none (undefined). */
  tryAcquire(candidates: number[], count: number, task: string): number[] | undefined {
    const got: number[] = [];
    for (const index of candidates) {
      if (got.length === count) break;
      if (this.held.has(index)) continue;
      if (this.tryLock(index, task)) got.push(index);
    }
    if (got.length === count) return got.sort((a, b) => a - b);
    this.release(got);
    return undefined;
  }

  release(indices: number[]): void {
    for (const index of indices) {
      const token = this.held.get(index);
      if (!token) continue;
      this.held.delete(index);
      const file = this.file(index);
      if (readOwner(file)?.token === token) fs.rmSync(file, { force: true });
    }
  }

  /** Everything this process holds (process exit). */
  releaseAll(): void {
    this.release([...this.held.keys()]);
  }

  /** Who holds each GPU now, for messages: `0: pid 123 (ml:train)`. */
  describe(indices: number[]): string {
    return indices
      .map((i) => {
        const o = readOwner(this.file(i));
        return o && alive(o) ? `GPU ${i}: pid ${o.pid} (${o.task})` : `GPU ${i}: free`;
      })
      .join(', ');
  }

  private file(index: number): string {
    return path.join(this.dir, `gpu-${index}.lock`);
  }

  private tryLock(index: number, task: string): boolean {
    const file = this.file(index);
    const owner: GpuLockOwner = { ...this.me, task, token: randomUUID(), since: Date.now() };
    const claim = path.join(this.dir, `.claim-${process.pid}-${owner.token}`);
    fs.writeFileSync(claim, JSON.stringify(owner), { mode: 0o644 });
    try {
      for (let attempt = 0; attempt < 2; attempt++) {
        try {
          fs.linkSync(claim, file);
          this.held.set(index, owner.token);
          return true;
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        }
        if (!this.removeIfStale(file)) return false;
      }
      return false;
    } finally {
      fs.rmSync(claim, { force: true });
    }
  }

  /**
   * Removes a lock whose owner is gone. It is renamed away first and checked by inode, so that
   * a fresh lock another process created in the meantime is put back, not deleted.
   */
  private removeIfStale(file: string): boolean {
    let ino: number;
    try {
      ino = fs.statSync(file).ino;
    } catch {
      return true; // released meanwhile
    }
    const owner = readOwner(file);
    // Unreadable: a lock being replaced right now, or garbage; garbage older than a minute goes.
    if (!owner && Date.now() - (fs.statSync(file, { throwIfNoEntry: false })?.mtimeMs ?? 0) < 60_000) return false;
    if (owner && alive(owner)) return false;
    const aside = `${file}.stale-${process.pid}-${randomUUID()}`;
    try {
      fs.renameSync(file, aside);
    } catch {
      return true; // someone else removed it first
    }
    if (fs.statSync(aside).ino !== ino) {
      // Not the stale lock any more: another process had replaced it. Put it back.
      try {
        fs.linkSync(aside, file);
      } catch {
        /* a third process locked it meanwhile; the owner we moved keeps its token check on release */
      }
      fs.rmSync(aside, { force: true });
      return false;
    }
    fs.rmSync(aside, { force: true });
    return true;
  }
}

function readOwner(file: string): GpuLockOwner | undefined {
  try {
    const o = JSON.parse(fs.readFileSync(file, 'utf8')) as GpuLockOwner;
    return typeof o.pid === 'number' && typeof o.token === 'string' ? o : undefined;
  } catch {
    return undefined;
  }
}
