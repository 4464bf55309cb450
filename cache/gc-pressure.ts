import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

// Node hands every socket read to JavaScript as a fresh buffer of up to 64 KiB. V8 frees their
// memory only when a collection runs, and streaming allocates so little else that, left alone,
// 30–40 MiB of spent buffers pile up before one does. A minor collection (a scavenge of the young
// generation, well under a millisecond) after every few MiB keeps an upload of any size within a
// few MiB of memory. Measured with a 2 GiB artifact: PUT +36 MiB without, +10–14 MiB with a
// collection every 4 MiB, +17 MiB every 8 MiB, +22 MiB every 16 MiB. Every 8 MiB it is: 50 MB PUTs
// then cost the event loop 0.59–0.63 s of CPU per GB against 0.68–0.74 s every 4 MiB, and V8's
// helper threads less too (measured alternately with bench/cache-server's raw-socket client).
// (Downloads allocate nothing per read: see file-sender.ts.)
const EVERY = 8 * 1024 * 1024;

let sinceLast = 0;
let collect: ((opts: { type: 'minor' }) => void) | null | undefined;

/** Counts bytes of short-lived I/O buffers (upload chunks, download reads); runs a minor GC once enough have gone by. */
export function noteSpentBuffers(n: number): void {
  sinceLast += n;
  if (sinceLast < EVERY) return;
  sinceLast = 0;
  if (collect === undefined) collect = loadGc();
  collect?.({ type: 'minor' });
}

/** The engine's `gc`, reached the way test runners do; null where the engine refuses. */
function loadGc(): ((opts: { type: 'minor' }) => void) | null {
  try {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as ((opts: { type: 'minor' }) => void) | undefined;
    return typeof gc === 'function' ? gc : null;
  } catch {
    return null;
  }
}
