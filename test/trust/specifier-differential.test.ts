import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { typescriptAnalyzer } from '../../graph/typescript/typescript-analyzer';
import { repoRoot } from '../rig';
import { generateSource } from './support/generate-sources';
import { seededRandom } from './support/random';
import { parseWithTypeScript } from './support/ts-oracle';

// Issue #12 §3: a file TypeScript parses without error never gets TS_PARSE_ERROR, and its
// specifiers are what TypeScript's parser finds (triple-slash references included on both
// sides). Over every TS/JS fixture of this repository and a generated tree.
const SOURCE = /\.(?:ts|tsx|mts|cts|js|jsx|mjs|cjs)$/;
const SEED = 1212;
const GENERATED = 2000;

function fixtureFiles(): Array<{ file: string; text: string }> {
  const root = repoRoot();
  const out: Array<{ file: string; text: string }> = [];
  const walk = (rel: string): void => {
    for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
      if (e.name === 'node_modules' || e.name === 'dist' || e.name.startsWith('.')) continue;
      const r = `${rel}/${e.name}`;
      if (e.isDirectory()) walk(r);
      else if (SOURCE.test(e.name)) out.push({ file: r, text: fs.readFileSync(path.join(root, r), 'utf8') });
    }
  };
  for (const dir of ['examples', 'test', 'graph', 'plugin', 'bench'])
    if (fs.existsSync(path.join(root, dir))) walk(dir);
  return out;
}

function check(file: string, text: string): string | undefined {
  const theirs = parseWithTypeScript(text, file);
  if (theirs.parseErrors > 0) return undefined; // only files TypeScript accepts are judged
  const ours = typescriptAnalyzer.extract(text, file);
  const errors = ours.diagnostics.filter((d) => d.code === 'TS_PARSE_ERROR');
  const mine = ours.imports.map((i) => i.specifier).sort();
  if (errors.length) return `${file}: TS_PARSE_ERROR ${errors.map((e) => `${e.line}: ${e.message}`).join('; ')}`;
  if (JSON.stringify(mine) !== JSON.stringify(theirs.specifiers))
    return `${file}: ours ${JSON.stringify(mine)} vs TypeScript ${JSON.stringify(theirs.specifiers)}`;
  return undefined;
}

describe('import specifiers: differential against TypeScript’s parser', () => {
  it('agrees on every fixture and generated file TypeScript parses without error', () => {
    const r = seededRandom(SEED);
    const cases = [...fixtureFiles(), ...Array.from({ length: GENERATED }, (_, i) => generateSource(r, i))];
    const failures: string[] = [];
    let judged = 0;
    for (const c of cases) {
      if (parseWithTypeScript(c.text, c.file).parseErrors === 0) judged++;
      const problem = check(c.file, c.text);
      if (problem) failures.push(problem);
    }
    console.log(
      `specifier differential (seed ${SEED}): ${cases.length} files, ${judged} parsed by TypeScript without error and compared, ${failures.length} differ`,
    );
    expect(judged, `seed ${SEED}`).toBeGreaterThanOrEqual(2000);
    expect(failures.slice(0, 10), `seed ${SEED}`).toEqual([]);
  });

  it('a JSX element with type arguments keeps the imports after it (issue #12 §3)', () => {
    const text = "import A from './a';\nconst x = <List<Todo> data={items} />;\nimport B from './b';\n";
    expect(typescriptAnalyzer.extract(text, 'x.tsx')).toEqual({
      imports: expect.arrayContaining([expect.objectContaining({ specifier: './b' })]),
      diagnostics: [],
    });
  });
});
