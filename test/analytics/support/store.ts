import { loadSqlite, openRunStore, type RunStore } from '../../../analytics';

/** Opens a store read-only for assertions; the test fails loudly when it cannot. */
export function readStore(file: string): RunStore {
  const sqlite = loadSqlite();
  if (!sqlite.ok) throw new Error(sqlite.message);
  const opened = openRunStore({ Database: sqlite.Database, file, readonly: true });
  if (!opened.ok) throw new Error(`${opened.code}: ${opened.message}`);
  return opened.store;
}

export function withStore<T>(file: string, fn: (s: RunStore) => T): T {
  const s = readStore(file);
  try {
    return fn(s);
  } finally {
    s.close();
  }
}
