import type { CommandSettings } from '../../config';
import { COMMAND_SETTINGS } from '.';
import { cacheStoreSettings, hardwareSettings, tokenCreateSettings } from './tool-settings';

/** Every command with declared settings, as docs/reference.md lists them (`fleet config` covers the first three). */
export const REFERENCE_COMMANDS: ReadonlyArray<CommandSettings<unknown>> = [
  ...COMMAND_SETTINGS,
  cacheStoreSettings,
  tokenCreateSettings,
  hardwareSettings,
];
