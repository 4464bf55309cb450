export { normalizeOptions, validateOptions, InvalidOptionsError } from './options';
export type { FleetPluginOptions, NormalizedOptions, OptionProblem } from './options';
