/**
 * The Nx surface of nx-fleet. Thin: each hook translates between Nx and graph/.
 * Nx loads this module in its plugin worker (as `require('nx-fleet')`) for every command, also
 * when the project graph comes from Nx's cache and no hook of ours runs. So it loads only leaf
 * modules: inference (graph/, config/ with ajv, @nx/devkit) is required on the first createNodes
 * or createDependencies call, the run history on the first postTasksExecution call
 * (test/inference/plugin-entry.test.ts checks what loading this module loads).
 */
import type { CreateDependencies, CreateNodes } from '@nx/devkit';
import type { FleetPluginOptions } from '../config/options';
import { NODES_GLOB } from './nodes-glob';
import { registeredHook } from './post-tasks-execution';

export const name = 'nx-fleet';

export const createNodes: CreateNodes<FleetPluginOptions> = [
  NODES_GLOB,
  (files, options, context) =>
    (require('./create-nodes') as typeof import('./create-nodes')).createNodes[1](files, options, context),
];
export const createNodesV2 = createNodes;

export const createDependencies: CreateDependencies<FleetPluginOptions> = (options, context) =>
  (require('./create-dependencies') as typeof import('./create-dependencies')).createDependencies(options, context);

/** Registered only when the run history or a fleet run reads it (see hookWanted). */
export const postTasksExecution = registeredHook();
