export { normalizeOptions, validateOptions, InvalidOptionsError } from './options';
export type {
  DistributedPluginOptions,
  RequirementOption,
  DockerPluginOptions,
  DockerSettings,
  FleetPluginOptions,
  NormalizedOptions,
  OptionProblem,
} from './options';
export { readPluginOptions } from './read-plugin-options';
export type { PluginOptionsSource } from './read-plugin-options';
export * from './settings';
