// `nx add nx-fleet` / `nx g nx-fleet:init` end to end, as a user gets it: a fresh Nx 24 workspace
// written by the test, then `nx add` with the tarball `npm pack` makes (nx add installs it with
// npm and runs the init generator): nx show projects and nx affected work, a second run changes
// no byte, --dry-run on the workspace as it was before writes nothing.
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const repo = path.resolve(__dirname, '../..');
const json = (v: unknown) => `${JSON.stringify(v, null, 2)}\n`;

/** Every file of the workspace but node_modules, .git and Nx's cache, with the hash of its bytes. */
function snapshot(root: string, rel = ''): Record<string, string> {
  const out: Record<string, string> = {};
  for (const e of fs.readdirSync(path.join(root, rel), { withFileTypes: true })) {
    const p = rel ? `${rel}/${e.name}` : e.name;
    if (['node_modules', '.git', '.nx'].includes(p)) continue;
    if (e.isDirectory()) Object.assign(out, snapshot(root, p));
    else
      out[p] = createHash('sha256')
        .update(fs.readFileSync(path.join(root, p)))
        .digest('hex');
  }
  return out;
}

describe('nx add nx-fleet (its tarball) and nx g nx-fleet:init on a fresh workspace', () => {
  let root: string;
  let tarball: string;
  const run = (cmd: string, args: string[]) => {
    const r = spawnSync(cmd, args, {
      cwd: root,
      encoding: 'utf8',
      timeout: 120_000,
      env: {
        ...process.env,
        NX_DAEMON: 'false',
        NX_NO_CLOUD: 'true',
        NX_TUI: 'false',
        NX_INTERACTIVE: 'false',
        NO_COLOR: '1',
        FORCE_COLOR: '0',
        // No install scripts, as for the workspace's own install: better-sqlite3 (optional, for
        // run history) would otherwise fetch a prebuilt binary (no network here) and then compile
        // for minutes. Without its binding history is off, said once, and nothing else changes.
        npm_config_ignore_scripts: 'true',
      },
    });
    return { code: r.status, out: `${r.stdout}${r.stderr}` };
  };
  const nx = (...args: string[]) => run(path.join(root, 'node_modules/.bin/nx'), args);
  const nxOk = (...args: string[]) => {
    const r = nx(...args);
    if (r.code !== 0) throw new Error(`nx ${args.join(' ')} exited ${r.code}\n${r.out}`);
    return r.out;
  };
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: root,
      env: {
        ...process.env,
        GIT_AUTHOR_NAME: 't',
        GIT_AUTHOR_EMAIL: 't@example.invalid',
        GIT_COMMITTER_NAME: 't',
        GIT_COMMITTER_EMAIL: 't@example.invalid',
      },
    });

  beforeAll(() => {
    expect(fs.existsSync(path.join(repo, 'dist/generators/init/init.js')), 'build first: npm run build').toBe(true);
    root = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-init-'));
    const packed = JSON.parse(
      execFileSync('npm', ['pack', '--ignore-scripts', '--json', '--pack-destination', root], {
        cwd: repo,
        encoding: 'utf8',
      }),
    )[0].filename as string;
    const files: Record<string, string> = {
      // what create-nx-workspace writes for an npm workspace, trimmed to what matters here
      'package.json': json({
        name: '@acme/source',
        private: true,
        workspaces: ['packages/*'],
        devDependencies: { nx: '24.0.6', typescript: '~6.0.3' },
      }),
      'nx.json': json({
        $schema: './node_modules/nx/schemas/nx-schema.json',
        namedInputs: { default: ['{projectRoot}/**/*', 'sharedGlobals'], production: ['default'], sharedGlobals: [] },
        plugins: [],
      }),
      '.gitignore': 'node_modules\ndist\n.nx/cache\n',
      'tsconfig.base.json': json({
        compilerOptions: { strict: true, module: 'nodenext', moduleResolution: 'nodenext', noEmit: true },
      }),
      'packages/util/package.json': json({
        name: '@acme/util',
        version: '0.0.1',
        type: 'module',
        exports: './src/index.ts',
      }),
      'packages/util/tsconfig.json': json({ extends: '../../tsconfig.base.json', include: ['src'] }),
      'packages/util/src/index.ts': 'export const twice = (n: number): number => n * 2;\n',
      'packages/app/package.json': json({
        name: '@acme/app',
        version: '0.0.1',
        type: 'module',
        dependencies: { '@acme/util': '*' },
      }),
      'packages/app/tsconfig.json': json({ extends: '../../tsconfig.base.json', include: ['src'] }),
      'packages/app/src/main.ts': "import { twice } from '@acme/util';\nexport const four: number = twice(2);\n",
      'services/py/pyproject.toml': '[project]\nname = "acme-py"\nversion = "0.1.0"\n',
      'services/py/acme_py/__init__.py': 'VALUE = 1\n',
      'services/api/Dockerfile': 'FROM node:20-slim\nCOPY api/server.js /srv/\nCMD ["node", "/srv/server.js"]\n',
      'services/api/server.js': 'console.log("up");\n',
      'compose.yaml': 'services:\n  api:\n    build:\n      context: services\n      dockerfile: api/Dockerfile\n',
    };
    for (const [f, c] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, f)), { recursive: true });
      fs.writeFileSync(path.join(root, f), c);
    }
    // --offline cannot resolve the version ranges (npm needs the packuments); prefer-offline
    // takes everything from npm's cache when it is there.
    const install = run('npm', ['install', '--ignore-scripts']);
    if (install.code !== 0) throw new Error(`npm install failed\n${install.out}`);
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'fresh workspace');
    tarball = packed;
  }, 150_000);
  afterAll(() => {
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  it('nx add installs the tarball and runs init, which registers the plugin with detected options', () => {
    const out = nxOk('add', `nx-fleet@file:./${tarball}`);
    expect(out).toContain('Generating nx-fleet:init');
    expect(out).toContain('services/api/Dockerfile: build context services (from compose.yaml)');
    expect(out).toContain('Python (1 project: pip 1)');
    expect(fs.lstatSync(path.join(root, 'node_modules/nx-fleet')).isSymbolicLink()).toBe(false);
    expect(JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')).devDependencies['nx-fleet']).toContain(
      tarball,
    );
    const nxJson = JSON.parse(fs.readFileSync(path.join(root, 'nx.json'), 'utf8'));
    expect(nxJson.plugins).toEqual([
      { plugin: 'nx-fleet', options: { docker: { projects: { 'services/api/Dockerfile': { context: 'services' } } } } },
    ]);
    expect(nxJson.namedInputs.production).toEqual(['default']); // the rest of nx.json kept
    const ignore = fs.readFileSync(path.join(root, '.gitignore'), 'utf8').split('\n');
    for (const e of ['.nx/workspace-data/', '.nx/fleet/', '.fleet/']) expect(ignore).toContain(e);
    expect(nxOk('list', 'nx-fleet')).toMatch(/GENERATORS[\s\S]*\binit : /);
  });

  it('nx show projects and nx affected work with the plugin registered', () => {
    const projects = (JSON.parse(nxOk('show', 'projects', '--json')) as string[]).sort();
    expect(projects).toEqual(expect.arrayContaining(['@acme/app', '@acme/util', 'acme-py']));
    // the context init took from compose.yaml is the one nx-fleet's docker-build uses
    const api = JSON.parse(
      nxOk(
        'show',
        'project',
        projects.find((p) => p.includes('api'))!,
        '--json',
      ),
    );
    expect(api.targets['docker-build'].options.command).toMatch(
      /docker build -f services\/api\/Dockerfile .* services$/,
    );
    git('add', '-A');
    git('commit', '-q', '-m', 'nx add nx-fleet');
    fs.appendFileSync(
      path.join(root, 'packages/util/src/index.ts'),
      'export const thrice = (n: number): number => n * 3;\n',
    );
    const affected = JSON.parse(nxOk('show', 'projects', '--affected', '--base=HEAD', '--json')) as string[];
    expect(affected.sort()).toEqual(['@acme/app', '@acme/util']);
    const ran = nxOk('affected', '-t', 'typecheck', '--base=HEAD', '--outputStyle=static');
    expect(ran).toMatch(/Successfully ran target typecheck for 2 projects/);
    git('checkout', '--', 'packages/util/src/index.ts');
  });

  it('a second run changes no byte and says so', () => {
    const before = snapshot(root);
    const out = nxOk('g', 'nx-fleet:init');
    expect(out).toContain('nothing to change');
    expect(out).toContain('.gitignore: nothing to add');
    expect(out).not.toMatch(/^(UPDATE|CREATE) /m);
    expect(snapshot(root)).toEqual(before);
    console.log(`init e2e: ${Object.keys(before).length} workspace files compared byte for byte`);
  });

  it('--dry-run on the workspace as it was before init prints the plan and writes nothing', () => {
    for (const f of ['nx.json', '.gitignore']) fs.writeFileSync(path.join(root, f), git('show', `HEAD~1:${f}`));
    const before = snapshot(root);
    const out = nxOk('g', 'nx-fleet:init', '--dry-run');
    expect(out).toContain('nx.json: registered nx-fleet');
    expect(out).toMatch(/^UPDATE nx\.json/m);
    expect(out).toMatch(/^UPDATE \.gitignore/m);
    expect(snapshot(root)).toEqual(before);
    git('checkout', '--', 'nx.json', '.gitignore');
  });
});
