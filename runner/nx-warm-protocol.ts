/**
 * What a resident nx process (runner/nx-warm-child.ts) prints on stdout and on stderr after a
 * task that succeeded, followed by the job's random token: the task's output ends there and the
 * process is ready for the next job. The record separator character keeps it off any real line.
 */
export const WARM_DONE_MARK = '\u001e[fleet-nx-done]';

/**
 * What a resident nx process prints on stdout (then exits, running nothing) when the checkout's
 * files changed since its first task (`git status` differs): Nx keeps some state between tasks
 * in a process, so such a process is not reused; the agent runs the task in a fresh nx instead.
 */
export const WARM_STALE_MARK = '\u001e[fleet-nx-stale]';
