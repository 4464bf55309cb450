import * as fs from 'node:fs';

/**
 * How many tasks a batch runs at once: its variable (FLEET_VITEST_WORKERS, FLEET_RUN_WORKERS), else Nx's own `--parallel` of
 * this command (read from the nx process that forked the batch: Nx does not hand it to batch
 * executors), else nx.json `parallel`, else Nx's default of 3. Never more than the tasks.
 */
export function batchParallelism(
  tasks: number,
  env: NodeJS.ProcessEnv,
  nxJsonParallel: number | undefined,
  variable = 'FLEET_VITEST_WORKERS',
  parentArgv: string[] | undefined = readParentArgv(),
): { workers: number; source: string; problem?: string } {
  const cap = (n: number, source: string) => ({ workers: Math.max(1, Math.min(tasks, n)), source });
  const raw = env[variable];
  if (raw !== undefined && raw !== '') {
    const n = Number(raw);
    if (Number.isInteger(n) && n > 0) return cap(n, variable);
    return { ...cap(3, 'default'), problem: `${variable}: expected a positive integer, got "${raw}"` };
  }
  const fromArgv = parentArgv && parallelFromArgv(parentArgv, env);
  if (fromArgv) return cap(fromArgv, '--parallel');
  if (nxJsonParallel && nxJsonParallel > 0) return cap(nxJsonParallel, 'nx.json parallel');
  return cap(3, 'default');
}

/** `--parallel=N`, `--parallel N`, `--parallel` (NX_PARALLEL or 3), `--parallel=false` (1), `--maxParallel`. */
export function parallelFromArgv(argv: string[], env: NodeJS.ProcessEnv): number | undefined {
  let found: number | undefined;
  for (let i = 0; i < argv.length; i++) {
    const m = argv[i].match(/^--(parallel|maxParallel|max-parallel)(?:=(.*))?$/);
    if (!m) continue;
    const value = m[2] ?? (argv[i + 1] && !argv[i + 1].startsWith('-') ? argv[i + 1] : '');
    if (value === 'false') found = 1;
    else if (value === '' || value === 'true') found ??= Number(env.NX_PARALLEL) || 3;
    else if (Number(value) > 0) found = Number(value);
  }
  return found;
}

function readParentArgv(): string[] | undefined {
  try {
    return fs.readFileSync(`/proc/${process.ppid}/cmdline`, 'utf8').split('\0').filter(Boolean);
  } catch {
    return undefined;
  }
}
