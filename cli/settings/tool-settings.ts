import { defineCommandSettings, setting, valueTypes as t } from '../../config';
import { STORE_SETTING, TOKENS_SETTING, type StoreSpec } from '../../cache';
import { AGENT_LABELS } from './shared-settings';

// Commands whose options are per invocation: flags and `FLEET_*` variables, no nx.json section.

export const hardwareSettings = defineCommandSettings<{ labels: string[] }>({
  command: 'hardware',
  section: null,
  settings: [AGENT_LABELS],
  build: (v) => ({ labels: v.labels as string[] }),
});

/** `fleet cache verify` and `fleet cache stats`: the store of `fleet cache serve`. */
export const cacheStoreSettings = defineCommandSettings<{ store: StoreSpec }>({
  command: 'cache verify|stats',
  section: null,
  settings: [STORE_SETTING],
  build: (v) => ({ store: v.store as StoreSpec }),
});

export interface TokenCreateSettings {
  tokens: string;
  write?: string;
  read?: string[];
  name?: string;
  mint?: 'write' | 'read';
}

const per = (key: string, flag: string, valueName: string, env: string, description: string) =>
  setting({ key, flag, valueName, env, type: t.text(), description });

export const tokenCreateSettings = defineCommandSettings<TokenCreateSettings>({
  command: 'cache token create',
  section: null,
  settings: [
    {
      ...TOKENS_SETTING,
      required: {},
      defaultText: undefined,
      description: 'tokens file to append the hash to (created if missing)',
    },
    per(
      'write',
      '--write',
      '<namespace>',
      'FLEET_TOKEN_WRITE',
      'the one namespace this token may write (none: read-only)',
    ),
    setting({
      key: 'read',
      flag: '--read',
      valueName: '<ns,ns>',
      env: 'FLEET_TOKEN_READ',
      type: t.list(),
      defaultText: 'the write namespace',
      description: 'namespaces to read, in lookup order',
    }),
    per(
      'name',
      '--name',
      '<label>',
      'FLEET_TOKEN_NAME',
      'a label for logs (default: derived from the scope and the date)',
    ),
    setting({
      key: 'mint',
      flag: '--mint',
      valueName: '<write|read>',
      env: 'FLEET_TOKEN_MINT',
      type: t.oneOf(['write', 'read'] as const),
      description:
        "a mint token: issues per-run tokens (untrusted runs) that read --read then the run's namespace and write it (write) or nothing (read)",
    }),
  ],
  check: (v, _at, input) =>
    v.mint && (input.flags.write !== undefined || input.env.FLEET_TOKEN_WRITE)
      ? [
          {
            code: 'FLEET_INVALID_OPTION',
            key: 'mint',
            label: '--mint',
            source: '--mint',
            message: 'a mint token writes nothing itself; leave out --write',
          },
        ]
      : [],
  build: (v) => ({
    tokens: v.tokens as string,
    write: v.write as string | undefined,
    read: v.read as string[] | undefined,
    name: v.name as string | undefined,
    mint: v.mint as 'write' | 'read' | undefined,
  }),
});
