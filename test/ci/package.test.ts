// What a user installs: the published package holds the product and nothing of the test rig or
// the repository's scripts, and the lockfile is what npm itself writes, so that `npm ci` works
// on a fresh clone.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const repo = resolve(__dirname, '../..');
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

interface PackFile {
  path: string;
}

describe('npm pack', () => {
  const packed: string[] = (
    JSON.parse(
      execFileSync('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: repo, encoding: 'utf8' }),
    ) as Array<{
      files: PackFile[];
    }>
  )[0].files.map((f) => f.path);

  it('ships the plugin, the CLI, the executors and the schema, and no test rig or repository scripts', () => {
    console.log(`npm pack: ${packed.length} files`);
    const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
    const required = [
      pkg.main,
      pkg.types,
      pkg.bin.fleet,
      'package.json',
      'README.md',
      'executors.json',
      'generators.json',
      'config/schema.json',
    ];
    for (const f of required) expect(packed, f).toContain(f.replace(/^\.\//, ''));
    const allowed =
      /^(dist\/(plugin|graph|executors|generators|runner|cache|analytics|dashboard|config|cli|web)\/|executors\/[^/]+\/schema\.json$|(package|executors|generators)\.json$|config\/schema\.json$|README\.md$|LICENSE$)/;
    const unexpected = packed.filter((p) => !allowed.test(p));
    expect(unexpected).toEqual([]);
    expect(packed.filter((p) => /^dist\/(test|scripts)\/|tsbuildinfo/.test(p))).toEqual([]);
  });

  it('ships every file executors.json names', () => {
    const executors = JSON.parse(readFileSync(join(repo, 'executors.json'), 'utf8')).executors as Record<
      string,
      { implementation: string; batchImplementation?: string; schema: string }
    >;
    for (const [name, e] of Object.entries(executors)) {
      for (const ref of [e.implementation, e.batchImplementation, e.schema]) {
        if (!ref) continue;
        const file = ref.replace(/^\.\//, '').replace(/#.*$/, '');
        const candidates = [file, `${file}.js`];
        expect(
          candidates.some((c) => packed.includes(c)),
          `${name}: ${ref}`,
        ).toBe(true);
      }
    }
  });
});

describe('scripts/check-lockfile.mjs', () => {
  const script = join(repo, 'scripts/check-lockfile.mjs');

  it('passes on the committed lockfile', () => {
    const r = spawnSync(process.execPath, [script, repo], { encoding: 'utf8' });
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
  });

  it('fails when the lockfile lacks an entry npm would write (another platform’s optional package)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'fleet-lock-'));
    dirs.push(dir);
    copyFileSync(join(repo, 'package.json'), join(dir, 'package.json'));
    const lock = JSON.parse(readFileSync(join(repo, 'package-lock.json'), 'utf8'));
    const optional = Object.keys(lock.packages).find((k) => lock.packages[k].optional && lock.packages[k].os);
    expect(optional, 'the lockfile records platform-specific optional packages').toBeDefined();
    delete lock.packages[optional!];
    writeFileSync(join(dir, 'package-lock.json'), `${JSON.stringify(lock, null, 2)}\n`);
    const r = spawnSync(process.execPath, [script, dir], { encoding: 'utf8' });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('out of sync');
    expect(existsSync(join(dir, 'package-lock.json'))).toBe(true);
  });
});
