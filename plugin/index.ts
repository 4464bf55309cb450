import type { CreateNodes, CreateDependencies } from '@nx/devkit';
import { normalizeOptions, type FleetPluginOptions } from '../config';

export const name = 'nx-fleet';

export const createNodes: CreateNodes<FleetPluginOptions> = [
  '**/package.json',
  (files, options) => {
    normalizeOptions(options);
    return files.map((f) => [f, { projects: {} }] as const) as never;
  },
];

export const createDependencies: CreateDependencies<FleetPluginOptions> = () => [];
