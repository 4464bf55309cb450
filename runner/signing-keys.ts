import { createPrivateKey, createPublicKey, generateKeyPairSync, type KeyObject } from 'node:crypto';
import * as fs from 'node:fs';

/**
 * Ed25519 keys of a trust level. Coordinators of a level hold its private key; agents hold only
 * the public key, so an agent that runs pull-request code learns nothing that lets it create jobs
 * (with the HMAC secret of round one, every agent could sign).
 */
export type KeyResult = { ok: true; key: KeyObject } | { ok: false; code: 'FLEET_BAD_KEY'; message: string };

function parse(text: string, where: string, kind: 'private' | 'public'): KeyResult {
  try {
    const key = kind === 'private' ? createPrivateKey(text) : createPublicKey(text);
    if (key.asymmetricKeyType !== 'ed25519')
      return {
        ok: false,
        code: 'FLEET_BAD_KEY',
        message: `${where}: an ${key.asymmetricKeyType} key; jobs are signed with Ed25519 (openssl genpkey -algorithm ed25519)`,
      };
    if (kind === 'public' && key.type !== 'public')
      return { ok: false, code: 'FLEET_BAD_KEY', message: `${where}: a private key; agents hold only public keys` };
    return { ok: true, key };
  } catch (err) {
    return { ok: false, code: 'FLEET_BAD_KEY', message: `${where}: not a PEM ${kind} key (${(err as Error).message})` };
  }
}

/** A level's private key (PKCS#8 PEM, e.g. from `openssl genpkey -algorithm ed25519`). */
export function parsePrivateKey(text: string, where: string): KeyResult {
  return parse(text, where, 'private');
}

/** A level's public key (SPKI PEM, `openssl pkey -in level.key -pubout`). A private key is refused. */
export function parsePublicKey(text: string, where: string): KeyResult {
  // createPublicKey would derive a public key from a private PEM; an agent must never be given one.
  if (/PRIVATE KEY/.test(text))
    return { ok: false, code: 'FLEET_BAD_KEY', message: `${where}: a private key; agents hold only public keys` };
  return parse(text, where, 'public');
}

/**
 * A secret's text from `NAME` or from the file named by `NAME_FILE` (never from a flag: argv is
 * readable by every process of the machine through /proc/<pid>/cmdline).
 */
export function secretFromEnv(env: NodeJS.ProcessEnv, name: string): { text?: string; where: string } {
  const file = env[`${name}_FILE`];
  if (file) return { text: fs.readFileSync(file, 'utf8'), where: `${name}_FILE (${file})` };
  return { text: env[name] || undefined, where: name };
}

/** A fresh key pair as PEM text (tests, and the docs' set-up). */
export function generateLevelKeys(): { privateKey: string; publicKey: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  return {
    privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    publicKey: publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  };
}
