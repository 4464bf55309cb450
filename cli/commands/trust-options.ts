import type { Command } from 'commander';
import type { KeyObject } from 'node:crypto';
import * as fs from 'node:fs';
import { envOption, fail } from './cli-options';
import {
  parsePrivateKey,
  parsePublicKey,
  resolveTaskUser,
  secretFromEnv,
  TRUST_LEVEL,
  type TaskUser,
} from '../../runner';

// Trust levels (docs/distributed.md#trust-levels) in one place for `fleet run` and `fleet agent`.
// Keys and tokens come from the environment or from files it names, never from flags: argv is
// readable by every process of the machine (/proc/<pid>/cmdline), tasks included.

const HMAC_GONE =
  'FLEET_SECRET (the shared HMAC secret) was replaced by Ed25519 keys per trust level: FLEET_SIGNING_KEY on coordinators, FLEET_PUBLIC_KEY on agents (docs/distributed.md#trust-levels)';

function level(text: string | undefined): string {
  const l = text ?? 'trusted';
  return TRUST_LEVEL.test(l)
    ? l
    : fail(`--trust: expected a level name like trusted or untrusted (${TRUST_LEVEL.source}), got "${l}"`);
}

function mintToken(): string | undefined {
  try {
    return secretFromEnv(process.env, 'FLEET_CACHE_MINT_TOKEN').text?.trim() || undefined;
  } catch (err) {
    return fail(`FLEET_CACHE_MINT_TOKEN_FILE: ${(err as Error).message}`);
  }
}

function keyText(name: string): { text?: string; where: string } {
  try {
    return secretFromEnv(process.env, name);
  } catch (err) {
    return fail(`${name}_FILE: ${(err as Error).message}`);
  }
}

export function addRunTrustOptions(cmd: Command): Command {
  return cmd.addOption(
    envOption(
      '--trust <level>',
      "the run's trust level: trusted (protected branches) or untrusted (pull requests), or a name of your own (default trusted)",
      'FLEET_TRUST',
    ),
  );
}

export interface RunTrust {
  trust: string;
  signingKey: KeyObject;
  cacheMintToken?: string;
}

/** The coordinator's level, its private key (FLEET_SIGNING_KEY or FLEET_SIGNING_KEY_FILE) and mint token. */
export function runTrust(o: { trust?: string }): RunTrust {
  if (process.env.FLEET_SECRET) fail(HMAC_GONE, 'FLEET_NO_SIGNING_KEY');
  const trust = level(o.trust);
  const k = keyText('FLEET_SIGNING_KEY');
  if (!k.text)
    fail(
      `FLEET_SIGNING_KEY (or FLEET_SIGNING_KEY_FILE) is required: the private key of trust level "${trust}" that jobs are signed with`,
      'FLEET_NO_SIGNING_KEY',
    );
  const key = parsePrivateKey(k.text!, k.where);
  if (!key.ok) return fail(key.message, key.code);
  return { trust, signingKey: key.key, cacheMintToken: mintToken() };
}

export function addAgentTrustOptions(cmd: Command): Command {
  return cmd
    .addOption(
      envOption(
        '--trust <level>',
        'the trust level this agent serves; it refuses jobs of any other (default trusted)',
        'FLEET_TRUST',
      ),
    )
    .addOption(
      envOption(
        '--public-key-file <file>',
        "the level's Ed25519 public key (PEM); or FLEET_PUBLIC_KEY holding the PEM",
        'FLEET_PUBLIC_KEY_FILE',
      ),
    )
    .addOption(
      envOption(
        '--task-user <name>',
        "run the repository's code (install, nx) as this user of its own (the agent runs as root)",
        'FLEET_TASK_USER',
      ),
    )
    .addOption(
      envOption(
        '--isolate-runs <on|off>',
        'nothing survives from one run to the next; per-run cache tokens (default on for every level but trusted)',
        'FLEET_ISOLATE_RUNS',
      ),
    );
}

export interface AgentTrust {
  trust: string;
  publicKey: KeyObject;
  cacheMintToken?: string;
  taskUser?: TaskUser;
  isolateRuns?: boolean;
}

export function agentTrust(o: {
  trust?: string;
  publicKeyFile?: string;
  taskUser?: string;
  isolateRuns?: string;
}): AgentTrust {
  if (process.env.FLEET_SECRET) fail(HMAC_GONE, 'FLEET_NO_PUBLIC_KEY');
  const trust = level(o.trust);
  const k = { text: process.env.FLEET_PUBLIC_KEY, where: 'FLEET_PUBLIC_KEY' };
  const text = o.publicKeyFile ? readFile(o.publicKeyFile) : k.text;
  if (!text)
    fail(
      `--public-key-file (or FLEET_PUBLIC_KEY) is required: the public key of trust level "${trust}"; agents run only jobs signed with it`,
      'FLEET_NO_PUBLIC_KEY',
    );
  const key = parsePublicKey(text!, o.publicKeyFile ?? k.where);
  if (!key.ok) return fail(key.message, key.code);
  if (process.env.FLEET_SIGNING_KEY || process.env.FLEET_SIGNING_KEY_FILE)
    fail(
      'an agent must not hold a signing key (FLEET_SIGNING_KEY): with it, the code it runs could create jobs',
      'FLEET_SIGNING_KEY_ON_AGENT',
    );
  let isolateRuns: boolean | undefined;
  if (o.isolateRuns !== undefined) {
    if (!['on', 'off'].includes(o.isolateRuns)) fail(`--isolate-runs: expected on or off, got "${o.isolateRuns}"`);
    isolateRuns = o.isolateRuns === 'on';
  }
  let taskUser: TaskUser | undefined;
  if (o.taskUser) {
    const u = resolveTaskUser(o.taskUser);
    if (!u.ok) return fail(u.message, u.code);
    taskUser = u.user;
  }
  return { trust, publicKey: key.key, cacheMintToken: mintToken(), taskUser, isolateRuns };
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    return fail(`--public-key-file: ${(err as Error).message}`);
  }
}
