import type { CommandSettings } from './command-settings';

/**
 * The JSON schema of a command's section of the plugin options (config/schema.json
 * `properties.run`, ...), generated from its declarations so the two cannot disagree
 * (test/config/reference.test.ts). Values are checked again, with their syntax, by the resolver.
 */
export function sectionSchema(cmd: Pick<CommandSettings<unknown>, 'command' | 'settings'>): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const s of cmd.settings)
    if (!s.secret && !s.noNxJson) properties[s.key] = { ...s.type.schema, description: s.description };
  return {
    type: 'object',
    description: `Settings of \`fleet ${cmd.command}\` (docs/configuration.md); a flag or FLEET_* variable wins over them.`,
    additionalProperties: false,
    default: {},
    properties,
  };
}
