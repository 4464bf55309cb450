/**
 * The Nx surface of nx-fleet. Thin: each hook translates between Nx and graph/.
 * Nx loads this module in its plugin worker (as `require('nx-fleet')`).
 */
export const name = 'nx-fleet';
export { createNodes, createNodesV2 } from './create-nodes';
export { createDependencies } from './create-dependencies';
import { registeredHook } from './post-tasks-execution';
/** Registered only when the run history or a fleet run reads it (see hookWanted). */
export const postTasksExecution = registeredHook();
