import { createPrivateKey, type KeyObject } from 'node:crypto';
import { generateLevelKeys } from '../../../runner';

export interface LevelKeys {
  privateKey: KeyObject;
  privatePem: string;
  publicPem: string;
  /** What a coordinator of the level gets. */
  coordinatorEnv: Record<string, string>;
  /** What an agent of the level gets: the public key only. */
  agentEnv: Record<string, string>;
}

/** A fresh Ed25519 key pair of a trust level, as coordinators and agents get it in tests. */
export function levelKeys(trust = 'trusted'): LevelKeys {
  const { privateKey, publicKey } = generateLevelKeys();
  return {
    privateKey: createPrivateKey(privateKey),
    privatePem: privateKey,
    publicPem: publicKey,
    coordinatorEnv: { FLEET_SIGNING_KEY: privateKey, FLEET_TRUST: trust },
    agentEnv: { FLEET_PUBLIC_KEY: publicKey, FLEET_TRUST: trust },
  };
}
