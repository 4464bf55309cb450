import type { CreateNodes } from '@nx/devkit';
import { normalizeOptions, type FleetPluginOptions } from '../config';

/** Infers projects and targets (placeholder until TS/JS inference lands). */
export const createNodes: CreateNodes<FleetPluginOptions> = [
  '**/package.json',
  (files, options) => {
    normalizeOptions(options);
    return files.map((f) => [f, { projects: {} }] as [string, { projects: Record<string, never> }]);
  },
];

/** Deprecated alias kept for Nx versions that still look for it. */
export const createNodesV2 = createNodes;
