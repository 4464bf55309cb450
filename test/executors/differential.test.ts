import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as ts from 'typescript';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkProject } from '../../executors/typecheck/check-project';
import { createSharedState } from '../../executors/typecheck/shared-state';
import { writeCorpus, writeReuseCorpus, type CorpusProject, type ReuseProject } from './corpus';
import { startTestServer, type TestServer } from './server-helper';

const COUNT = 42;
const tscBin = path.join(path.dirname(require.resolve('typescript')), '..', 'bin', 'tsc');

function tscNoEmit(p: CorpusProject): Promise<string> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [tscBin, '--noEmit', '-p', 'tsconfig.json'], { cwd: p.dir });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    child.on('close', () => resolve(out));
  });
}

async function mapLimit<T, R>(items: T[], limit: number, fn: (t: T) => Promise<R>): Promise<R[]> {
  const out: R[] = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: limit }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]);
      }
    }),
  );
  return out;
}

describe('differential corpus: nx-fleet:typecheck vs tsc --noEmit -p', () => {
  let root: string;
  let projects: CorpusProject[];
  let oracle: string[];
  let server: TestServer;
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-corpus-'));
    projects = writeCorpus(root, COUNT);
    oracle = await mapLimit(projects, 2, tscNoEmit);
    server = await startTestServer(root);
  });
  afterAll(async () => {
    await server?.stop();
    fs.rmSync(root, { recursive: true, force: true });
  });

  it('covers many diagnostic codes and some clean projects', () => {
    const codes = new Set(oracle.flatMap((o) => [...o.matchAll(/error TS(\d+)/g)].map((m) => m[1])));
    console.log(
      `corpus: ${COUNT} projects, ${codes.size} distinct codes: ${[...codes].sort().join(' ')}; ${oracle.filter((o) => !o).length} clean`,
    );
    expect(codes.size).toBeGreaterThanOrEqual(12);
    expect(oracle.some((o) => o === '')).toBe(true);
  });

  it('non-batch (fresh state per project) prints exactly what tsc prints, for every project', () => {
    const got = projects.map(
      (p) => checkProject(createSharedState(ts), { tsconfig: p.tsconfig, cwd: p.dir, batchId: p.name }).output,
    );
    expect(got).toEqual(oracle);
  });

  it('batch (one shared state, dependency order, then reverse order) prints exactly what tsc prints', () => {
    for (const order of [projects, [...projects].reverse()]) {
      // A fresh state per order: each order starts with an empty diagnostics cache.
      const state = createSharedState(ts);
      const got = new Map(
        order.map((p) => [p.name, checkProject(state, { tsconfig: p.tsconfig, cwd: p.dir, batchId: 'one' }).output]),
      );
      expect(projects.map((p) => got.get(p.name))).toEqual(oracle);
      const { reusedFiles, checkedFiles } = state.reuse;
      console.log(
        `batch (${order === projects ? 'dependency' : 'reverse'} order): ${projects.length} checks equal to tsc; source files reused ${reusedFiles}, checked ${checkedFiles}`,
      );
      expect(reusedFiles).toBeGreaterThan(0);
    }
  });

  it('through the server (benchmark recycling settings, two batches) equals tsc; an edit between batches is seen', async () => {
    for (let round = 0; round < 2; round++) {
      const got = await server.checkAll(projects.map((p) => ({ tsconfig: p.tsconfig, cwd: p.dir })));
      expect(got).toEqual(oracle);
    }
    const p = projects[1];
    const file = path.join(p.dir, 'src', 'index.ts');
    const before = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, before + `export const edited: string = 1;\n`);
    try {
      const [after] = await server.checkAll([{ tsconfig: p.tsconfig, cwd: p.dir }]);
      expect(after).toBe(await tscNoEmit(p));
      expect(after).toContain('TS2322');
    } finally {
      fs.writeFileSync(file, before);
    }
    const [restored] = await server.checkAll([{ tsconfig: p.tsconfig, cwd: p.dir }]);
    expect(restored).toBe(oracle[1]);
  });
});

describe("reuse of dependency files' diagnostics: cases where a wrong reuse would show", () => {
  let root: string;
  let projects: ReuseProject[];
  let oracle: string[];
  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-reuse-'));
    projects = writeReuseCorpus(root);
    oracle = await mapLimit(projects, 2, tscNoEmit);
  });
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));
  const tscSays = (name: string) => oracle[projects.findIndex((p) => p.name === name)];
  const has = (name: string, file: string, code: string) =>
    new RegExp(`dep/src/${file}\\.ts\\(\\d+,\\d+\\): error ${code}:`).test(tscSays(name));
  const checkAll = (state: ReturnType<typeof createSharedState>, order: ReuseProject[], batchId: string) =>
    new Map(order.map((p) => [p.name, checkProject(state, { tsconfig: p.tsconfig, cwd: p.dir, batchId })]));

  it("per tsc, the options and the projects' own files change the dependency files' diagnostics", () => {
    expect(has('r-strict', 'loose', 'TS7006') && has('r-strict', 'nullable', 'TS18048')).toBe(true);
    expect(has('r-loose', 'loose', 'TS7006') || has('r-loose', 'nullable', 'TS18048')).toBe(false);
    expect(has('r-noimplicit', 'loose', 'TS7006') && !has('r-noimplicit', 'nullable', 'TS18048')).toBe(true);
    expect(has('r-exact', 'optional', 'TS2375') && !has('r-strict', 'optional', 'TS2375')).toBe(true);
    expect(has('r-lib', 'lib', 'TS2550') && !has('r-strict', 'lib', 'TS2550')).toBe(true);
    expect(has('r-strict', 'uses-global', 'TS7017')).toBe(true);
    expect(has('r-global', 'uses-global', 'TS7017') || has('r-script', 'uses-global', 'TS7017')).toBe(false);
    expect(has('r-augment', 'uses-box', 'TS2741') && !has('r-strict', 'uses-box', 'TS2741')).toBe(true);
  });

  it('batch (one state; dependency order, then reverse order) equals tsc, and reuses where settings match', () => {
    for (const order of [projects, [...projects].reverse()]) {
      const state = createSharedState(ts);
      const got = checkAll(state, order, 'one');
      expect(projects.map((p) => got.get(p.name)!.output)).toEqual(oracle);
      console.log(
        order
          .map((p) => `${p.name}: reused ${got.get(p.name)!.files!.reused}, checked ${got.get(p.name)!.files!.checked}`)
          .join('; '),
      );
      expect(state.reuse.reusedFiles).toBeGreaterThan(0);
      // The seven dependency files: six cacheable ones are reused from the first project with these settings.
      const second = order === projects ? 'r-strict-again' : 'r-strict';
      expect(got.get(second)!.files!.reused).toBeGreaterThanOrEqual(6);
    }
  });

  it('an edited dependency file between two batches is seen, and the restored one again', async () => {
    const state = createSharedState(ts);
    expect(projects.map((p) => checkAll(state, projects, 'first').get(p.name)!.output)).toEqual(oracle);
    const file = path.join(root, 'dep', 'src', 'box.ts');
    const before = fs.readFileSync(file, 'utf8');
    fs.writeFileSync(file, `export interface Box { v: number; u: boolean }\n`);
    try {
      const expected = await mapLimit(projects, 2, tscNoEmit);
      const got = checkAll(state, projects, 'second');
      expect(projects.map((p) => got.get(p.name)!.output)).toEqual(expected);
      expect(expected).not.toEqual(oracle);
      expect(expected.every((o) => /uses-box\.ts\(2,14\): error TS27(41|39)/.test(o))).toBe(true);
    } finally {
      fs.writeFileSync(file, before);
    }
    const restored = checkAll(state, projects, 'third');
    expect(projects.map((p) => restored.get(p.name)!.output)).toEqual(oracle);
  });
});
