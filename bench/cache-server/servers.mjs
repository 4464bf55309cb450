// Starts the three servers of the benchmark on loopback, each with its own empty store under
// bench/.work, and stops them by PID.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { canConnect, freePort } from '../net.mjs';
import * as path from 'node:path';

export const TOKEN = 'bench-token-0123456789';
const TRC_VERSION = '2.12.0'; // engines: node >= 20; checked to start on Node 20.20

async function waitPort(port, child, name) {
  for (let i = 0; i < 300; i++) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}`);
    if (await canConnect(port)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${name} did not listen on ${port}`);
}

function handle(child, port, name, base) {
  return {
    name,
    base: `http://127.0.0.1:${port}${base}`,
    pid: child.pid,
    stop: () =>
      new Promise((r) => {
        if (child.exitCode !== null) return r();
        child.once('exit', () => r());
        process.kill(child.pid, 'SIGTERM');
      }),
  };
}

export async function startNginx(work) {
  const dir = path.join(work, 'nginx');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(path.join(dir, 'root', 'v8', 'artifacts'), { recursive: true });
  fs.mkdirSync(path.join(dir, 'tmp'), { recursive: true });
  const port = await freePort();
  const conf = path.join(dir, 'nginx.conf');
  // Workers run as root here so that they may write into bench/.work (the benchmark runs as root).
  const user = process.getuid?.() === 0 ? 'user root;\n' : '';
  fs.writeFileSync(
    conf,
    `${user}worker_processes auto;
error_log ${dir}/error.log warn;
pid ${dir}/nginx.pid;
events { worker_connections 4096; }
http {
  access_log off;
  sendfile on;
  tcp_nopush on;
  keepalive_requests 100000;
  client_body_temp_path ${dir}/tmp;
  proxy_temp_path ${dir}/tmp; fastcgi_temp_path ${dir}/tmp; uwsgi_temp_path ${dir}/tmp; scgi_temp_path ${dir}/tmp;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/root;
    client_max_body_size 0;
    client_body_buffer_size 1m;
    location /v8/artifacts/ { dav_methods PUT; create_full_put_path on; }
  }
}
`,
  );
  const child = spawn('nginx', ['-c', conf, '-p', dir, '-g', 'daemon off;'], { stdio: 'ignore' });
  await waitPort(port, child, 'nginx');
  return handle(child, port, 'nginx (Debian)', '/v8/artifacts/');
}

export function ensureTrc(work) {
  // Outside `work`, which each run removes: the install is kept between runs.
  const prefix = path.join(work, '..', 'trc');
  const cli = path.join(prefix, 'node_modules', 'turborepo-remote-cache', 'dist', 'cli.js');
  if (!fs.existsSync(cli)) {
    const r = spawnSync(
      'npm',
      ['install', '--prefix', prefix, '--no-audit', '--no-fund', `turborepo-remote-cache@${TRC_VERSION}`],
      { stdio: 'inherit' },
    );
    if (r.status !== 0) throw new Error('npm install turborepo-remote-cache failed');
  }
  return cli;
}

export async function startTrc(work) {
  const cli = ensureTrc(work);
  const dir = path.join(work, 'trc-store');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  const port = await freePort();
  const env = {
    ...process.env,
    PORT: String(port),
    TURBO_TOKEN: TOKEN,
    STORAGE_PROVIDER: 'local',
    STORAGE_PATH: dir,
    STORAGE_PATH_USE_TMP_FOLDER: 'false',
    LOG_LEVEL: 'error',
    NODE_ENV: 'production',
    BODY_LIMIT: String(200 * 1024 * 1024),
  };
  const child = spawn(process.execPath, [cli], { env, stdio: 'ignore' });
  await waitPort(port, child, 'turborepo-remote-cache');
  return handle(child, port, `turborepo-remote-cache ${TRC_VERSION}`, '/v8/artifacts/');
}

/** `label` tells apart a second build (e.g. a baseline checkout) measured in the same run. */
export async function startFleet(work, repo, route, label = '') {
  const dir = path.join(work, `fleet-store-${route.replace(/\W/g, '')}${label.replace(/\W/g, '')}`);
  fs.rmSync(dir, { recursive: true, force: true });
  const tokens = path.join(work, 'fleet-tokens.json');
  const sha = (await import('node:crypto')).createHash('sha256').update(TOKEN).digest('hex');
  fs.writeFileSync(tokens, JSON.stringify({ tokens: [{ name: 'bench', sha256: sha, write: 'main', read: ['main'] }] }));
  const port = await freePort();
  const nodeArgs = (process.env.FLEET_NODE_ARGS ?? '').split(' ').filter(Boolean);
  const args = [
    ...nodeArgs,
    path.join(repo, 'dist', 'cli', 'main.js'),
    'cache',
    'serve',
    '--port',
    String(port),
    '--store',
    `fs:${dir}`,
    '--tokens',
    tokens,
    '--max-size',
    'unlimited',
    '--log',
    'off',
  ];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  await waitPort(port, child, 'fleet cache serve');
  return handle(child, port, `fleet cache serve ${route}${label}`, route);
}
