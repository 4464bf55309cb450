#!/usr/bin/env node
// bench/ci: a fake `docker` (there is no Docker engine here). `docker build -f F [-t T]...
// [--iidfile X] [--output type=docker,dest=Y] CONTEXT` reads the Dockerfile, packs the files its
// COPY sources name (sorted, contents only: reproducible) into the image tar, and does real CPU work
// for each RUN instruction as a stand-in for the layer it would build: deflating
// BENCH_DOCKER_RUN_MB (default 12) MB of generated text at level 9, about a second per RUN on this
// machine (never a sleep). The image id is the SHA-256 of the tar, so equal inputs give equal bytes.
// Anything else (`docker push`, `docker load`) prints what it would do and exits 0.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import * as zlib from 'node:zlib';

const args = process.argv.slice(2);
if (args[0] === 'buildx') args.shift();
if (args[0] !== 'build') {
  console.log(`fake docker: ${args.join(' ')}`);
  process.exit(0);
}
let file = 'Dockerfile';
let iid;
let dest;
const tags = [];
const rest = [];
for (let i = 1; i < args.length; i++) {
  const a = args[i];
  if (a === '-f' || a === '--file') file = args[++i];
  else if (a === '-t' || a === '--tag') tags.push(args[++i]);
  else if (a === '--iidfile') iid = args[++i];
  else if (a === '--output') dest = /dest=([^,]+)/.exec(args[++i])?.[1];
  else if (a === '--build-arg' || a === '--platform' || a === '--target') i++;
  else if (!a.startsWith('-')) rest.push(a);
}
const context = rest[0] ?? '.';
const lines = fs.readFileSync(file, 'utf8').split('\n');

function filesUnder(p) {
  const st = fs.statSync(p);
  if (!st.isDirectory()) return [p];
  return fs
    .readdirSync(p)
    .sort()
    .flatMap((n) => filesUnder(path.join(p, n)));
}

const mb = Number(process.env.BENCH_DOCKER_RUN_MB ?? 12);
const chunks = [];
let step = 0;
for (const line of lines) {
  const m = /^\s*(FROM|COPY|ADD|RUN)\s+(.*)$/i.exec(line);
  if (!m) continue;
  step++;
  const [, op, body] = m;
  console.log(`#${step} ${op.toUpperCase()} ${body}`);
  if (/^(COPY|ADD)$/i.test(op)) {
    const parts = body.split(/\s+/).filter((x) => !x.startsWith('--'));
    for (const src of parts.slice(0, -1)) {
      const abs = path.join(context, src);
      if (!fs.existsSync(abs)) {
        console.error(`ERROR: failed to compute cache key: "${src}" not found`);
        process.exit(1);
      }
      for (const f of filesUnder(abs)) {
        chunks.push(Buffer.from(`\0file ${path.relative(context, f)}\0`), fs.readFileSync(f));
      }
    }
  } else if (/^RUN$/i.test(op)) {
    // The layer a RUN would build: deterministic text, deflated for real.
    const seed = crypto.createHash('sha256').update(body).digest('hex');
    const text = Buffer.alloc(mb * 1024 * 1024);
    for (let o = 0; o < text.length; o += 64) text.write(`${seed}${o.toString(36)}\n`, o, 64, 'latin1');
    const layer = zlib.deflateSync(text, { level: 9 });
    chunks.push(Buffer.from(`\0layer ${body}\0`), crypto.createHash('sha256').update(layer).digest());
  } else chunks.push(Buffer.from(`\0${op.toUpperCase()} ${body}\0`));
}
const image = Buffer.concat(chunks);
const id = `sha256:${crypto.createHash('sha256').update(image).digest('hex')}`;
if (dest) {
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, image);
}
if (iid) {
  fs.mkdirSync(path.dirname(iid), { recursive: true });
  fs.writeFileSync(iid, id);
}
console.log(`naming to ${tags.join(', ') || '<none>'} done; ${id}`);
