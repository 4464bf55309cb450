import { createHash, type KeyObject } from 'node:crypto';
import { setting, valueTypes as t, type ValueType } from '../../config';
import { DEFAULT_MAX_ATTEMPTS, parsePrivateKey, parsePublicKey, TRUST_LEVEL } from '../../runner';

// Settings that more than one command reads, declared once (docs/reference.md lists them per command).

const keyType = (kind: 'private' | 'public'): ValueType<KeyObject> => ({
  syntax: `Ed25519 ${kind} key (PEM)`,
  schema: { type: 'string', minLength: 1 },
  parse: (raw) => {
    const r = (kind === 'private' ? parsePrivateKey : parsePublicKey)(String(raw), `the ${kind} key`);
    return r.ok ? { ok: true, value: r.key } : { ok: false, message: r.message, code: r.code };
  },
  show: (key) =>
    `ed25519 ${kind} key sha256:${createHash('sha256')
      .update(key.export({ type: kind === 'private' ? 'pkcs8' : 'spki', format: 'der' }))
      .digest('hex')
      .slice(0, 16)}`,
});

export const REDIS_URL = setting({
  key: 'redisUrl',
  flag: '--redis',
  valueName: '<url>',
  env: 'FLEET_REDIS_URL',
  type: t.url(['redis:', 'rediss:']),
  required: { why: 'the Redis shared by `fleet run` and its agents' },
  urlPassword: true,
  file: true,
  description:
    '`redis://[:password@]host:port` or `rediss://...` shared by coordinators and agents; a password belongs in the variable or the file',
});

export const CACHE_URL = setting({
  key: 'cacheUrl',
  flag: '--cache',
  valueName: '<url>',
  env: 'FLEET_CACHE_URL',
  type: t.url(['http:', 'https:']),
  required: { why: 'the `fleet cache serve` the agents share' },
  description: 'the `fleet cache serve` URL; tasks get it as `NX_SELF_HOSTED_REMOTE_CACHE_SERVER`',
});

export const CACHE_TOKEN = setting({
  key: 'cacheToken',
  flag: '--cache-token',
  valueName: '<token>',
  env: 'FLEET_CACHE_TOKEN',
  type: t.text('a token'),
  secret: true,
  deprecatedFlag: true,
  description:
    'a standing cache token (run: for the replay; agent: tasks get it as `NX_SELF_HOSTED_REMOTE_CACHE_ACCESS_TOKEN`)',
});

export const CACHE_MINT_TOKEN = setting({
  key: 'cacheMintToken',
  env: 'FLEET_CACHE_MINT_TOKEN',
  type: t.text('a token'),
  secret: true,
  description:
    'a mint token of the cache server: per-run cache tokens (run: a read mint token for the replay; isolating agents: a write mint token)',
});

export const TRUST = setting({
  key: 'trust',
  flag: '--trust',
  valueName: '<level>',
  env: 'FLEET_TRUST',
  type: t.text('a level name', (l) =>
    TRUST_LEVEL.test(l)
      ? undefined
      : `expected a level name like trusted or untrusted (${TRUST_LEVEL.source}), got "${l}"`,
  ),
  default: 'trusted',
  description:
    'the trust level: `trusted` (protected branches), `untrusted` (pull requests) or a name of your own (docs/distributed.md#trust-levels)',
});

export const SIGNING_KEY = setting({
  key: 'signingKey',
  env: 'FLEET_SIGNING_KEY',
  type: keyType('private'),
  secret: true,
  required: { code: 'FLEET_NO_SIGNING_KEY', why: 'the private key of the trust level that jobs are signed with' },
  description: "the level's Ed25519 private key (PEM); coordinators only",
});

export const PUBLIC_KEY = setting({
  key: 'publicKey',
  env: 'FLEET_PUBLIC_KEY',
  type: keyType('public'),
  file: true,
  noNxJson: true,
  required: { code: 'FLEET_NO_PUBLIC_KEY', why: 'agents run only jobs signed with the level’s key' },
  description: "the level's Ed25519 public key (PEM); a private key is refused",
});

export const MAX_ATTEMPTS = setting({
  key: 'maxAttempts',
  flag: '--max-attempts',
  valueName: '<n>',
  env: 'FLEET_MAX_ATTEMPTS',
  type: t.integer(1),
  default: DEFAULT_MAX_ATTEMPTS,
  description:
    'attempts of a task in all after infrastructure failures (timeout, checkout, install, agent lost); on agents, deliveries of a job whose agent died',
});

export const AGENT_LABELS = setting({
  key: 'labels',
  flag: '--labels',
  valueName: '<a,b>',
  env: 'FLEET_AGENT_LABELS',
  type: t.list(),
  default: [] as string[],
  description: 'labels added to the detected ones (lower-cased)',
});

export const HMAC_GONE =
  'FLEET_SECRET (the shared HMAC secret) was replaced by Ed25519 keys per trust level: FLEET_SIGNING_KEY on coordinators, FLEET_PUBLIC_KEY on agents (docs/distributed.md#trust-levels)';
