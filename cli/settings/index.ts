import type { CommandSettings } from '../../config';
import { historySettings } from '../../analytics';
import { serveSettings } from '../../cache';
import { agentSettings } from './agent-settings';
import { runSettings } from './run-settings';

export { agentSettings, runSettings, serveSettings };
export type { AgentSettings } from './agent-settings';
export type { RunSettings } from './run-settings';

/**
 * Every command with settings, in reference order: `fleet config` and docs/reference.md cover
 * exactly these. A new command adds its module here (docs/configuration.md, "Adding a command").
 */
export const COMMAND_SETTINGS: ReadonlyArray<CommandSettings<unknown>> = [
  runSettings,
  agentSettings,
  serveSettings,
  historySettings,
];
