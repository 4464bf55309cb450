import * as fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Explanation } from '../../analytics';
import { generateWorkspace, prng, type GeneratedWorkspace } from './support/generated-workspace';
import { withStore } from './support/store';

let gen: GeneratedWorkspace;
const ALL = ['run-many', '-t', 'build', 'test', 'lint'];

beforeAll(() => {
  gen = generateWorkspace(6, 7);
  gen.ws.nxOk(ALL);
  // Its manifests are written by the hook's completer right after (docs/analytics.md, "The hook's
  // cost"); a reader waits for it. Editing before that would drop them (recording.test.ts).
  withStore(gen.ws.path('.nx/fleet/history.db'), () => undefined);
});
afterAll(() => gen?.ws.dispose());

function explain(task: string, env: Record<string, string> = {}, extra: string[] = []): Explanation {
  const r = gen.ws.fleet(['explain', task, '--json', ...extra], { env });
  if (r.code !== 0) throw new Error(`fleet explain ${task} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as Explanation;
}

function named(e: Explanation): string[] {
  const d = e.diff;
  return d ? [...d.added, ...d.removed, ...d.changed.map((c) => c.file)].sort() : [];
}

function revert(): void {
  gen.ws.git(['checkout', '-q', '--', '.']);
  gen.ws.git(['clean', '-qfd', '--', 'libs']);
}

/** A project with a dependency (so the dependency case has something to show). */
function projectWithDep(): { p: string; dep: string } {
  const p = gen.projects.find((x) => gen.deps[x].length)!;
  return { p, dep: gen.deps[p][0] };
}

describe('fleet explain (real nx)', () => {
  it('nothing differs right after a run', () => {
    const e = explain('p0:build');
    expect(e.baseline?.hash).toMatch(/^\d+$/);
    expect(e.identical).toBe(true);
    expect(gen.ws.fleet(['explain', 'p0:build']).stdout).toMatch(/nothing differs/);
  });

  it('a changed source file is named with its line counts, an added file, a changed env input', () => {
    gen.ws.write(
      'libs/p0/src/f0.ts',
      gen.ws.read('libs/p0/src/f0.ts') + 'export const extra = 1;\nexport const more = 2;\n',
    );
    gen.ws.write('libs/p0/src/added.ts', 'export const a = 1;\n');
    try {
      const e = explain('p0:build', { GEN_MODE: 'fast' });
      expect(e.identical).toBe(false);
      expect(e.diff?.changed).toEqual([{ file: 'libs/p0/src/f0.ts', linesAdded: 2, linesRemoved: 0 }]);
      expect(e.diff?.added).toEqual(['libs/p0/src/added.ts']);
      expect(e.diff?.removed).toEqual([]);
      expect(e.diff?.environment).toEqual([{ name: 'GEN_MODE', change: 'changed' }]);
      expect(e.diff?.runtime).toEqual([]);
      // lint reads only src/ and the root config: the env change is not its input.
      expect(explain('p0:lint', { GEN_MODE: 'fast' }).diff?.environment).toEqual([]);
    } finally {
      revert();
    }
  });

  it('a changed dependency is followed down to its changed file', () => {
    const { p, dep } = projectWithDep();
    gen.ws.write(`libs/${dep}/src/f1.ts`, 'export const changed = true;\n');
    try {
      const e = explain(`${p}:build`);
      expect(e.dependencies).toEqual([{ project: dep, task: `${dep}:build`, files: [`libs/${dep}/src/f1.ts`] }]);
      expect(named(e)).toEqual([`libs/${dep}/src/f1.ts`]);
    } finally {
      revert();
    }
  });

  it('a changed command is named', () => {
    const file = 'libs/p1/project.json';
    const pj = JSON.parse(gen.ws.read(file));
    pj.targets.lint.options.command = 'node -e "console.log(2)"';
    gen.ws.write(file, JSON.stringify(pj));
    try {
      const e = explain('p1:lint');
      expect(e.diff?.command?.after).toContain('console.log(2)');
      expect(e.diff?.command?.before).toContain('lint p1');
    } finally {
      revert();
    }
  });

  it('with nothing recorded it says so and still lists the inputs; an unknown run is EXPLAIN_RUN_NOT_FOUND', () => {
    const e = explain('p0:build', { FLEET_HISTORY_DB: gen.ws.path('nothing-here.db') });
    expect(e.baseline).toBeNull();
    expect(e.notes.join(' ')).toMatch(/no run history/);
    expect(e.inputs.files).toBeGreaterThan(0);
    const r = gen.ws.fleet(['explain', 'p0:build', '--since', 'no-such-run']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/\[EXPLAIN_RUN_NOT_FOUND\]/);
    expect(gen.ws.fleet(['explain', 'nope:build']).stderr).toMatch(/\[EXPLAIN_UNKNOWN_TASK\]/);
  });

  it('invariant: for random edits, the files named == the changed files among the task inputs', () => {
    const rand = prng(99);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    let cases = 0;
    for (let round = 0; round < 6; round++) {
      const edited = new Set<string>();
      for (let k = 1 + Math.floor(rand() * 3); k > 0; k--) {
        const kind = rand();
        const file = pick(gen.files);
        if (!fs.existsSync(gen.ws.path(file))) continue;
        if (kind < 0.5) gen.ws.write(file, gen.ws.read(file) + `// edit ${round}\n`);
        else if (kind < 0.75) gen.ws.remove(file);
        else {
          const added = file.replace(/[^/]+$/, `new${round}-${k}.ts`);
          gen.ws.write(added, `export const n = ${round};\n`);
          edited.add(added);
          continue;
        }
        edited.add(file);
      }
      for (let t = 0; t < 3; t++) {
        const task = pick(gen.tasks);
        const e = explain(task);
        const before = withStore(gen.ws.path('.nx/fleet/history.db'), (s) => {
          const [run] = s.taskHistory(task, { withManifest: true, limit: 1 });
          return new Set(s.manifest(run.manifestId!)!.files.map(([f]) => f));
        });
        const after = new Set<string>(JSON.parse(gen.ws.nxOk(['show', 'target', 'inputs', task, '--json'])).files);
        const expected = [...edited].filter((f) => before.has(f) || after.has(f)).sort();
        expect(named(e), `round ${round}, ${task}, edits ${[...edited].join(', ')}`).toEqual(expected);
        expect(e.identical).toBe(expected.length === 0);
        cases++;
      }
      revert();
    }
    console.log(`explain names exactly the changed input files: ${cases} cases checked`);
    expect(cases).toBe(18);
  });
  it('between two recorded runs (--run B --since A): exactly the files changed between them, not later edits', () => {
    const db = gen.ws.path('.nx/fleet/history.db');
    const lastRun = (): string => withStore(db, (s) => s.listRuns({ limit: 1 })[0].runId);
    const inputsOf = (runId: string, task: string): Set<string> =>
      withStore(db, (s) => {
        const [t] = s.taskHistory(task, { withManifest: true, runId, limit: 1 });
        return new Set(s.manifest(t.manifestId!)!.files.map(([f]) => f));
      });
    const rand = prng(7);
    const pick = <T>(xs: T[]): T => xs[Math.floor(rand() * xs.length)];
    let cases = 0;
    for (let round = 0; round < 3; round++) {
      const task = pick(gen.tasks.filter((t) => t.endsWith(':build')));
      gen.ws.nxOk(['run', task]);
      const a = lastRun();
      const edited = new Set<string>();
      for (let k = 0; k < 3; k++) {
        const file = pick(gen.files);
        if (!fs.existsSync(gen.ws.path(file))) continue;
        gen.ws.write(file, gen.ws.read(file) + `// between ${round}\n`);
        edited.add(file);
      }
      const added = `libs/${task.split(':')[0]}/src/between${round}.ts`;
      gen.ws.write(added, 'export const b = 1;\n');
      edited.add(added);
      gen.ws.commit(`between runs ${round}`);
      gen.ws.nxOk(['run', task], { env: { GEN_MODE: `round-${round}` } });
      const b = lastRun();
      // Edits after B are not between A and B.
      gen.ws.write(`libs/${task.split(':')[0]}/src/after${round}.ts`, 'export const later = 1;\n');
      const before = inputsOf(a, task);
      const after = inputsOf(b, task);
      const expected = [...edited].filter((f) => before.has(f) || after.has(f)).sort();
      for (const extra of [
        ['--run', b, '--since', a],
        ['--run', b],
      ]) {
        const e = explain(task, {}, extra);
        expect(e.run?.runId).toBe(b);
        expect(e.baseline?.runId).toBe(a);
        expect(named(e), `round ${round}, ${task} ${extra.join(' ')}`).toEqual(expected);
        expect(e.diff?.added).toContain(added);
        expect(e.diff?.environment).toEqual([{ name: 'GEN_MODE', change: 'changed' }]);
        // Committed edits in both runs: git gives the line counts between the two commits.
        for (const c of e.diff!.changed) expect(c, c.file).toMatchObject({ linesAdded: 1, linesRemoved: 0 });
        cases++;
      }
      revert();
    }
    console.log(`explain --run B --since A names exactly the files changed between them: ${cases} cases checked`);
    expect(cases).toBe(6);
    const bad = gen.ws.fleet(['explain', 'p0:build', '--run', 'no-such-run']);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/--run no-such-run: no such run in the store \[EXPLAIN_RUN_NOT_FOUND\]/);
  });
});
