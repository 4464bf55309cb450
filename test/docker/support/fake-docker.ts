import * as fs from 'node:fs';
import * as path from 'node:path';
import type { TestWorkspace } from '../../rig';

/**
 * A fake `docker` (there is no engine here): appends one JSON line per call to a log
 * (argv, cwd, and which of the watched files existed at that moment), writes `--iidfile`
 * with a digest of the Dockerfile, writes the `--output type=docker,dest=` tar, and answers
 * `buildx imagetools inspect` with $FAKE_DOCKER_DIGEST.
 */
const SCRIPT = `#!/usr/bin/env node
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const argv = process.argv.slice(2);
const watched = (process.env.FAKE_DOCKER_WATCH || '').split(',').filter(Boolean);
const existing = watched.filter((f) => fs.existsSync(f));
fs.appendFileSync(process.env.FAKE_DOCKER_LOG, JSON.stringify({ argv, cwd: process.cwd(), existing }) + '\\n');
if (argv[0] === 'buildx' && argv[1] === 'imagetools') {
  process.stdout.write((process.env.FAKE_DOCKER_DIGEST || 'sha256:0') + '\\n');
  process.exit(0);
}
const at = (flag) => { const i = argv.indexOf(flag); return i < 0 ? undefined : argv[i + 1]; };
const dockerfile = at('-f');
const digest = 'sha256:' + crypto.createHash('sha256').update(dockerfile && fs.existsSync(dockerfile) ? fs.readFileSync(dockerfile) : '').digest('hex');
const iid = at('--iidfile');
if (iid) fs.writeFileSync(iid, digest);
const output = at('--output');
const dest = output && /dest=([^,]+)/.exec(output);
if (dest) fs.writeFileSync(dest[1], 'fake image tar ' + digest);
`;

export interface FakeDockerCall {
  argv: string[];
  cwd: string;
  existing: string[];
}

export interface FakeDocker {
  /** Environment for nx: PATH with the fake first, and the log location. */
  env(extra?: Record<string, string>): Record<string, string>;
  /** The calls so far, in order. */
  calls(): FakeDockerCall[];
  /** Forgets the calls so far. */
  reset(): void;
}

/** Installs the fake in `<workspace>/.nx/fake-docker` (.nx is git-ignored, so it is no input of anything). */
export function installFakeDocker(ws: TestWorkspace, watch: string[] = []): FakeDocker {
  const bin = ws.path('.nx/fake-docker');
  fs.mkdirSync(bin, { recursive: true });
  fs.writeFileSync(path.join(bin, 'docker'), SCRIPT, { mode: 0o755 });
  const log = ws.path('.nx/fake-docker/calls.jsonl');
  return {
    env: (extra = {}) => ({
      PATH: `${bin}${path.delimiter}${process.env.PATH ?? ''}`,
      FAKE_DOCKER_LOG: log,
      FAKE_DOCKER_WATCH: watch.join(','),
      ...extra,
    }),
    calls: () =>
      fs.existsSync(log)
        ? fs
            .readFileSync(log, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => JSON.parse(l) as FakeDockerCall)
        : [],
    reset: () => fs.rmSync(log, { force: true }),
  };
}
