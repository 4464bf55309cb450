/** Messages between the executor (client) and the typecheck server: one JSON object per line. */
import type { CheckRequest, CheckResult } from './check-project';

export type ClientMessage = { type: 'check'; id: number; request: CheckRequest };

export type ServerMessage =
  | { type: 'hello'; pid: number; key: string }
  | { type: 'result'; id: number; ok: true; result: CheckResult }
  | { type: 'result'; id: number; ok: false; code: TypecheckFailureCode; message: string };

/** Stable codes of a task that could not be checked (not a type error: the check itself failed). */
export type TypecheckFailureCode =
  'FLEET_TYPECHECK_WORKER_CRASHED' | 'FLEET_TYPECHECK_WORKER_OOM' | 'FLEET_TYPECHECK_FAILED';

/** Splits a stream of text into lines and hands each parsed message to `on`. */
export function lineReader<T>(on: (message: T) => void): (chunk: Buffer | string) => void {
  let rest = '';
  return (chunk) => {
    rest += chunk.toString();
    let nl: number;
    while ((nl = rest.indexOf('\n')) >= 0) {
      const line = rest.slice(0, nl);
      rest = rest.slice(nl + 1);
      if (line.trim()) on(JSON.parse(line) as T);
    }
  };
}
