import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../rig';

// Nx loads nx-fleet in its plugin worker for every command, also when the project graph comes
// from its cache and none of our hooks runs: the entry must load only leaf modules, and the
// heavy ones (inference, option validation, Nx's devkit, TypeScript, SQLite) on first use.

const entry = path.join(repoRoot(), 'dist', 'plugin', 'index.js');
const HEAVY = [
  /node_modules\/ajv\//,
  /node_modules\/@nx\/devkit\//,
  /node_modules\/typescript\//,
  /node_modules\/better-sqlite3\//,
  /node_modules\/es-module-lexer\//,
  /\/dist\/graph\/index\.js$/,
  /\/dist\/config\/index\.js$/,
  /\/dist\/analytics\//,
  /\/dist\/plugin\/create-(nodes|dependencies)\.js$/,
];

function loaded(script: string): string[] {
  const r = spawnSync(process.execPath, ['-e', script], { cwd: repoRoot(), encoding: 'utf8', env: { ...process.env } });
  expect(r.status, r.stderr).toBe(0);
  return JSON.parse(r.stdout.trim().split('\n').pop()!) as string[];
}

describe('the plugin entry', () => {
  it('loads no heavy module, and exports what Nx reads', () => {
    const modules = loaded(`
      const before = new Set(Object.keys(require.cache));
      const p = require(${JSON.stringify(entry)});
      if (p.name !== 'nx-fleet' || !Array.isArray(p.createNodesV2) || typeof p.createNodesV2[1] !== 'function'
        || typeof p.createDependencies !== 'function' || typeof p.postTasksExecution !== 'function') process.exit(3);
      console.log(JSON.stringify(Object.keys(require.cache).filter((k) => !before.has(k))));
    `);
    const ours = modules.filter((m) => !m.includes('/node_modules/'));
    console.log(`plugin entry: ${modules.length} modules loaded (${ours.length} of nx-fleet's)`);
    for (const m of modules) for (const h of HEAVY) expect(m, `${m} loaded by the entry`).not.toMatch(h);
    expect(ours.length).toBeLessThan(15);
  });

  it("createNodes' glob is the one the inference module declares", () => {
    const out = loaded(`
      const p = require(${JSON.stringify(entry)});
      const full = require(${JSON.stringify(path.join(repoRoot(), 'dist', 'plugin', 'create-nodes.js'))});
      console.log(JSON.stringify([p.createNodesV2[0], full.createNodesV2[0]]));
    `);
    expect(out[0]).toBe(out[1]);
    expect(out[0]).toMatch(/project\.json/);
    expect(out[0]).toMatch(/Dockerfile/);
    expect(out[0]).toMatch(/pyproject\.toml/);
  });
});
