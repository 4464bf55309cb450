import { execFileSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createWorkspace, realPython, repoRoot, usePython, type TestWorkspace } from '../rig';
import { checkIndependentRecords, type RecordsResult } from './support/check-independent-records';
import { generateLayout } from './support/generate-layout';
import { seededRandom } from './support/random';

// Issue #12 §4: every file a tool really reads (TypeScript's program, Vitest's module graph,
// pytest's open/import records, what COPY/ADD bring into an image) is a file real Nx hashes
// for that task, and touching it makes that task affected. Checked on examples/polyglot, the
// Python fixture, the Dockerfile corpus and generated layouts with random nesting. FLEET_TRUST_LAYOUTS runs more.
const FIRST_SEED = 4120;
const LAYOUTS = Number(process.env.FLEET_TRUST_LAYOUTS) || 20;
const MIN_FILES = 2000;
const CONCURRENCY = 2;

const totals = {
  workspaces: 0,
  tasks: 0,
  skipped: 0,
  files: 0,
  affected: 0,
  typecheck: 0,
  vitest: 0,
  pytest: 0,
  docker: 0,
};
function add(r: RecordsResult): void {
  totals.workspaces++;
  totals.tasks += r.tasks;
  totals.skipped += r.skipped.length;
  totals.files += r.files;
  totals.affected += r.affectedChecks;
  for (const [k, v] of Object.entries(r.checked)) totals[k as keyof typeof r.checked] += v;
}

function describeMisses(r: RecordsResult, label: string): string {
  const shown = r.misses.slice(0, 20).map((m) => `  ${m.kind} miss [${m.tool}] ${m.task}: ${m.file}`);
  return `${label}: ${r.misses.length} misses\n${shown.join('\n')}`;
}

function expectNoMiss(r: RecordsResult, label: string): void {
  expect(r.misses.length, describeMisses(r, label)).toBe(0);
}

describe('independent records: what the tools read is what Nx hashes (issue #12 §4)', () => {
  const workspaces: TestWorkspace[] = [];
  afterAll(() => {
    for (const ws of workspaces) ws.dispose();
    console.log(
      `independent records: ${totals.workspaces} workspaces (${LAYOUTS} generated), ${totals.tasks} tasks checked (${totals.skipped} without a record: jest, unittest, the fleet executor), ` +
        `${totals.files} distinct files read; (task, file) pairs checked: typecheck ${totals.typecheck}, ` +
        `vitest ${totals.vitest}, pytest ${totals.pytest}, docker ${totals.docker}; ` +
        `per-file nx affected selections ${totals.affected}`,
    );
  });

  it('examples/polyglot', async () => {
    const ws = createWorkspace({ fixture: 'examples/polyglot', commit: false });
    workspaces.push(ws);
    usePython(ws, realPython());
    ws.commit('python');
    const r = await checkIndependentRecords(ws);
    add(r);
    expect(r.checked.typecheck).toBeGreaterThan(0);
    expect(r.checked.vitest).toBeGreaterThan(0);
    expect(r.checked.pytest).toBeGreaterThan(0);
    expect(r.checked.docker).toBeGreaterThan(0);
    expectNoMiss(r, 'examples/polyglot');
    // the typecheck record is what the real `tsc --listFilesOnly -p <tsconfig>` lists (plus the tsconfig chain)
    const tsc = path.join(repoRoot(), 'node_modules/typescript/bin/tsc');
    for (const [task, rec] of Object.entries(r.records).filter(([, v]) => v.tool === 'typecheck')) {
      const listed = [...rec.command.matchAll(/-p\s+(\S+)/g)].flatMap((m) =>
        execFileSync(process.execPath, [tsc, '--listFilesOnly', '-p', m[1]], {
          cwd: ws.path(rec.cwd),
          encoding: 'utf8',
        })
          .split('\n')
          .filter((f) => f.startsWith(`${fs.realpathSync(ws.root)}/`) && !f.includes('/node_modules/'))
          .map((f) => path.relative(fs.realpathSync(ws.root), f)),
      );
      expect(rec.files.filter((f) => !/tsconfig[^/]*\.json$/.test(f)).sort(), task).toEqual(
        [...new Set(listed)].sort(),
      );
    }
  });

  it('the Python fixture workspace (test/python/fixtures/monorepo)', async () => {
    const fixture = path.join(repoRoot(), 'test/python/fixtures/monorepo');
    expect(fs.existsSync(fixture)).toBe(true);
    const ws = createWorkspace({
      fixture: 'test/python/fixtures/monorepo',
      files: {
        'package.json': JSON.stringify({ name: 'py-fixture', private: true }),
        'nx.json': JSON.stringify({
          plugins: [{ plugin: 'nx-fleet', options: { python: { interpreter: realPython() } } }],
        }),
      },
    });
    workspaces.push(ws);
    const r = await checkIndependentRecords(ws);
    add(r);
    expect(r.tasks).toBeGreaterThan(0);
    expectNoMiss(r, 'test/python/fixtures/monorepo');
  });

  it('the Dockerfile corpus (test/docker/corpus), each in its own folder with the sources it copies', async () => {
    const corpus = path.join(repoRoot(), 'test/docker/corpus');
    const files: Record<string, string> = {
      'package.json': JSON.stringify({ name: 'docker-corpus', private: true }),
      'nx.json': JSON.stringify({ plugins: ['nx-fleet'] }),
    };
    for (const name of fs.readdirSync(corpus).filter((n) => n.endsWith('.Dockerfile'))) {
      const dir = `corpus/${name.replace(/\.Dockerfile$/, '')}`;
      const text = fs.readFileSync(path.join(corpus, name), 'utf8');
      files[`${dir}/Dockerfile`] = text;
      // the plain relative sources of its COPY/ADD lines exist, so that something is really copied
      for (const m of text.matchAll(/^(?:COPY|ADD)\s+(?!--from)(?:--\S+\s+)*([\w./-]+)\s+\S+\s*$/gim))
        if (!m[1].startsWith('/') && !m[1].includes('..') && m[1] !== '.')
          files[`${dir}/${m[1].replace(/\/$/, '')}/f.txt`] = 'x\n';
      files[`${dir}/extra.txt`] = 'x\n';
    }
    const ws = createWorkspace({ files });
    workspaces.push(ws);
    const r = await checkIndependentRecords(ws);
    add(r);
    expect(r.checked.docker).toBeGreaterThan(0);
    expectNoMiss(r, 'test/docker/corpus');
  });

  it(`${LAYOUTS} generated layouts (seeds ${FIRST_SEED}..${FIRST_SEED + LAYOUTS - 1})`, async () => {
    const before = { ...totals };
    const failures: string[] = [];
    const one = async (seed: number): Promise<void> => {
      const layout = generateLayout(seededRandom(seed));
      layout.files['nx.json'] = layout.files['nx.json'].replace('"python3"', JSON.stringify(realPython()));
      const ws = createWorkspace({ files: layout.files });
      try {
        const r = await checkIndependentRecords(ws);
        add(r);
        if (r.misses.length > 0)
          failures.push(describeMisses(r, `seed ${seed} (generateLayout(seededRandom(${seed})))`));
      } finally {
        ws.dispose();
      }
    };
    // Two layouts at a time: each probe is one mostly single-threaded process.
    const seeds = Array.from({ length: LAYOUTS }, (_, i) => FIRST_SEED + i);
    for (let i = 0; i < seeds.length; i += CONCURRENCY) await Promise.all(seeds.slice(i, i + CONCURRENCY).map(one));
    expect(failures, failures.join('\n')).toEqual([]);
    const pairs = (t: typeof totals) => t.typecheck + t.vitest + t.pytest + t.docker;
    expect(pairs(totals) - pairs(before)).toBeGreaterThanOrEqual(LAYOUTS >= 20 ? MIN_FILES : 0);
    for (const kind of ['typecheck', 'vitest', 'pytest', 'docker'] as const)
      expect(totals[kind] - before[kind], kind).toBeGreaterThan(0);
  });
});
