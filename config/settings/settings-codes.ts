/** The stable codes of settings problems (docs/reference.md, "Codes of settings"), with their meaning. */
export const SETTINGS_CODES = {
  FLEET_INVALID_OPTION: 'a value does not parse (wrong syntax or out of range), or two settings disagree',
  FLEET_MISSING_OPTION: 'a required setting is set nowhere; the message lists every place it can be set',
  FLEET_UNKNOWN_OPTION: "a key of a command's nx.json section that the command does not declare",
  FLEET_CONFLICTING_OPTIONS:
    'a setting given twice at one level: a variable and its `_FILE`, or a flag and its `-file` flag',
  FLEET_SECRET_IN_NX_JSON: 'a secret (token, key) or a URL with a password in nx.json, which is committed',
  FLEET_OPTION_FILE_UNREADABLE: 'the file named by a `--x-file` flag or `FLEET_X_FILE` variable cannot be read',
  FLEET_NX_JSON_INVALID: 'nx.json is not JSON, or its `plugins` is not an array',
  FLEET_DISABLED: '`fleet agent` under `FLEET_DISABLE=1`: it does not start',
} as const;

export type SettingsCode = keyof typeof SETTINGS_CODES;
