// Regenerates what is derived from the settings declarations: the tables of docs/reference.md
// (between <!-- settings:COMMAND --> markers) and the command sections of config/schema.json.
// `npm run settings-docs` (build, then node dist/scripts/settings-docs.js); test/config/reference.test.ts fails
// when either is stale.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { sectionSchema, updateReference } from '../config';
import { REFERENCE_COMMANDS } from '../cli/settings/reference-commands';

const root = path.resolve(__dirname, '..', '..');
const reference = path.join(root, 'docs', 'reference.md');
fs.writeFileSync(reference, updateReference(fs.readFileSync(reference, 'utf8'), REFERENCE_COMMANDS));
const schemaFile = path.join(root, 'config', 'schema.json');
const schema = JSON.parse(fs.readFileSync(schemaFile, 'utf8')) as { properties: Record<string, unknown> };
for (const cmd of REFERENCE_COMMANDS) if (cmd.section) schema.properties[cmd.section] = sectionSchema(cmd);
// Formatted as `prettier --check .` in .ci/run expects it.
async function writeSchema(): Promise<void> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(schemaFile)) ?? {};
  fs.writeFileSync(
    schemaFile,
    await prettier.format(JSON.stringify(schema, null, 2), { ...options, filepath: schemaFile }),
  );
  process.stdout.write(`updated docs/reference.md and config/schema.json for ${REFERENCE_COMMANDS.length} commands\n`);
}
writeSchema().catch((err: unknown) => {
  process.stderr.write(`settings-docs: ${String(err)}\n`);
  process.exitCode = 1;
});
