import type { CommandSettings } from '../../config';
import { COMMAND_SETTINGS } from '.';
import { cacheStoreSettings, hardwareSettings, tokenCreateSettings } from './tool-settings';
import { dashboardSettings } from './dashboard-settings';

/** Every command with declared settings, as docs/reference.md lists them (`fleet config` covers the first three). */
export const REFERENCE_COMMANDS: ReadonlyArray<CommandSettings<unknown>> = [
  ...COMMAND_SETTINGS,
  cacheStoreSettings,
  tokenCreateSettings,
  hardwareSettings,
  dashboardSettings,
];
