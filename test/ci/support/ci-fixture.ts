import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot, type TestWorkspace } from '../../rig';
import { startRedis, type RedisProcess } from '../../cache/support/redis-server';
import { fleetBin, startServe, type ServeProcess } from '../../cache/support/serve-process';
import { createTokens } from '../../cache/support/tokens';
import { BUILD_DEPS, dteWorkspace } from '../../runner/support/dte-fixture';
import { levelKeys } from '../../runner/support/keys';

/**
 * What a generated pipeline runs against in the tests: the DTE fixture workspace (six `build`
 * projects in a DAG, committed, with a bare `origin`), one real redis-server per trust level, a
 * real `fleet cache serve --tokens` with the tokens each level's CI holds, and each level's keys.
 */
export interface CiWorld {
  ws: TestWorkspace;
  bare: string;
  /** node_modules as `npm ci` would give them, with `.bin/fleet`; the install command links it. */
  nodeModules: string;
  installCommand: string;
  redis: { trusted: RedisProcess; untrusted: RedisProcess };
  cache: ServeProcess;
  store: string;
  tokens: Record<'trustedWriter' | 'agentMint' | 'coordinatorMint' | 'reader', string>;
  keys: { trusted: ReturnType<typeof levelKeys>; untrusted: ReturnType<typeof levelKeys> };
  temp: string[];
  stop(): Promise<void>;
}

export const PROJECTS = Object.keys(BUILD_DEPS);

/**
 * The fixture's build: each project's output is a digest of its source and of its dependencies'
 * outputs (which reach an agent as remote-cache hits), so equal outputs mean the same build.
 */
const WORK_JS = `const fs = require('fs'), path = require('path'), crypto = require('crypto');
const [root, ...deps] = process.argv.slice(2);
const h = crypto.createHash('sha256').update(fs.readFileSync(path.join(root, 'src.txt')));
for (const d of deps) h.update(fs.readFileSync(path.join(d, 'out', 'result.json')));
fs.mkdirSync(path.join(root, 'out'), { recursive: true });
fs.writeFileSync(path.join(root, 'out', 'result.json'), JSON.stringify({ project: path.basename(root), digest: h.digest('hex'), agent: process.env.AGENT_NAME || process.env.FLEET_AGENT_ID || 'local' }));
console.log('work done ' + root);
`;

/** A node_modules folder of symlinks to the repository's, plus nx-fleet itself and a `fleet` bin. */
function prepareNodeModules(dir: string): string {
  const repo = repoRoot();
  const nm = path.join(dir, 'node_modules');
  const src = path.join(repo, 'node_modules');
  fs.mkdirSync(path.join(nm, '.bin'), { recursive: true });
  for (const name of fs.readdirSync(src)) {
    if (name.startsWith('.')) continue;
    fs.symlinkSync(path.join(src, name), path.join(nm, name));
  }
  fs.symlinkSync(repo, path.join(nm, 'nx-fleet'));
  for (const bin of fs.readdirSync(path.join(src, '.bin')))
    fs.symlinkSync(path.join(src, '.bin', bin), path.join(nm, '.bin', bin));
  fs.writeFileSync(path.join(nm, '.bin', 'fleet'), `#!/bin/sh\nexec "${process.execPath}" "${fleetBin()}" "$@"\n`, {
    mode: 0o755,
  });
  return nm;
}

/** Entries per namespace in the cache server's store (`fleet cache stats --json`): `main`, `run-<hex>`. */
export function storeNamespaces(store: string): Record<string, number> {
  const r = spawnSync(process.execPath, [fleetBin(), 'cache', 'stats', '--store', `fs:${store}`, '--json'], {
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`fleet cache stats: ${r.stderr}`);
  return (JSON.parse(r.stdout) as { namespaces: Record<string, number> }).namespaces;
}

export async function ciWorld(): Promise<CiWorld> {
  const temp: string[] = [];
  const modulesDir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-ci-nm-'));
  temp.push(modulesDir);
  const nodeModules = prepareNodeModules(modulesDir);
  // What `npm ci` gives in these tests: the same modules, linked (no registry).
  const installCommand = `rm -rf node_modules && ln -s ${nodeModules} node_modules`;
  const { ws, bare } = dteWorkspace({
    extraFiles: {
      'tools/work.js': WORK_JS,
      '.gitignore':
        'node_modules\n.nx\nout\ntasks.json\n.gitlab-ci-local\n.gitlab-ci-local-variables.yml\nfleet-run.json\n',
    },
  });
  temp.push(ws.root, bare);
  const store = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-ci-store-'));
  const tokensFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-ci-tokens-')), 'tokens.yaml');
  temp.push(store, path.dirname(tokensFile));
  const tokens = createTokens(tokensFile, {
    trustedWriter: ['--write', 'main', '--read', 'main'],
    agentMint: ['--mint', 'write', '--read', 'main'],
    coordinatorMint: ['--mint', 'read', '--read', 'main'],
    reader: ['--read', 'main'],
  }) as CiWorld['tokens'];
  const cache = await startServe(['--store', `fs:${store}`, '--tokens', tokensFile]);
  const redis = { trusted: await startRedis(), untrusted: await startRedis() };
  return {
    ws,
    bare,
    nodeModules,
    installCommand,
    redis,
    cache,
    store,
    tokens,
    keys: { trusted: levelKeys('trusted'), untrusted: levelKeys('untrusted') },
    temp,
    stop: async () => {
      await cache.stop();
      await redis.trusted.stop();
      await redis.untrusted.stop();
      for (const d of temp) fs.rmSync(d, { recursive: true, force: true });
    },
  };
}

/**
 * `nx g nx-fleet:ci --provider <provider>` as both pipeline tests run it (2 agents, `build`, the
 * world's cache and install command), committed.
 */
export function generateCi(w: CiWorld, provider: 'github' | 'gitlab', extra: string[] = []): void {
  const g = w.ws.nx([
    'g',
    'nx-fleet:ci',
    '--provider',
    provider,
    ...extra,
    '--agents',
    '2',
    '--targets',
    'build',
    '--idle-exit',
    '10',
    '--cache-url',
    w.cache.url,
    `--install-command=${w.installCommand}`,
  ]);
  if (g.code !== 0) throw new Error(`nx g nx-fleet:ci failed: ${g.stderr}${g.stdout}`);
  w.ws.commit(`ci: nx g nx-fleet:ci --provider ${provider}`);
}

/** Each project's `out/result.json` in a checkout, without the field naming who ran it. */
export function buildOutputs(root: string): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of PROJECTS) {
    const f = path.join(root, 'libs', p, 'out', 'result.json');
    if (!fs.existsSync(f)) continue;
    const { agent: _agent, ...rest } = JSON.parse(fs.readFileSync(f, 'utf8')) as Record<string, unknown>;
    out[p] = rest;
  }
  return out;
}

/** `nx <args>` in a fresh clone of the origin at `ref`, locally, no remote cache: the reference. */
export function fullLocalRun(w: CiWorld, ref: string, args: string[]): Record<string, unknown> {
  const dir = fs.mkdtempSync(path.join(fs.realpathSync(os.tmpdir()), 'fleet-ci-local-'));
  w.temp.push(dir);
  const sh = (cmd: string) => {
    const r = spawnSync('sh', ['-c', cmd], {
      cwd: dir,
      encoding: 'utf8',
      env: w.ws.env({ NX_CACHE_DIRECTORY: path.join(dir, '.nx', 'cache') }),
    });
    if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}${r.stdout}`);
  };
  sh(`git clone -q ${w.bare} . && git checkout -q ${ref} && ${w.installCommand}`);
  sh(`node node_modules/nx/dist/bin/nx.js ${args.join(' ')}`);
  return buildOutputs(dir);
}
