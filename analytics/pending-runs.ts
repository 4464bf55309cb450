import * as fs from 'node:fs';
import * as path from 'node:path';
import type { RunStore } from './run-store';
import type { RunRecord } from './types';

/**
 * Runs that could not be written because another writer held the store past the hook's short
 * wait are kept as JSON files beside it and written by the next command that gets the store.
 */
export function pendingDir(dbPath: string): string {
  return path.join(path.dirname(dbPath), 'pending');
}

export function spoolPending(dbPath: string, run: RunRecord): void {
  const dir = pendingDir(dbPath);
  fs.mkdirSync(dir, { recursive: true });
  const tmp = path.join(dir, `.${run.runId}.tmp`);
  fs.writeFileSync(tmp, JSON.stringify(run));
  fs.renameSync(tmp, path.join(dir, `${run.runId}.json`));
}

/** Writes spooled runs into the store, oldest first; a file that does not parse is left aside. */
export function drainPending(dbPath: string, store: RunStore): number {
  const dir = pendingDir(dbPath);
  let names: string[];
  try {
    names = fs.readdirSync(dir).filter((n) => n.endsWith('.json'));
  } catch {
    return 0;
  }
  let n = 0;
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    try {
      store.record(JSON.parse(fs.readFileSync(file, 'utf8')) as RunRecord);
      fs.unlinkSync(file);
      n++;
    } catch {
      fs.renameSync(file, `${file}.bad`);
    }
  }
  return n;
}
