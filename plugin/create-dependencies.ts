import type { CreateDependencies } from '@nx/devkit';
import type { FleetPluginOptions } from '../config';

/** File-level dependencies (placeholder until the file graph lands). */
export const createDependencies: CreateDependencies<FleetPluginOptions> = () => [];
