/**
 * fleet's own secrets and connection strings: signing keys, cache and mint tokens, the HMAC secret
 * of round one, the Redis URL and the cache server's store URL (either may hold a password), each
 * also as a `_FILE` variant. test/runner/secrets.test.ts checks it against every declared secret.
 */
const SECRET = /^FLEET_(.*_)?(SECRET|TOKEN|KEY|KEYS|REDIS_URL|STORE|PASSWORD)(_FILE)?$/;

/** The environment without fleet's own secrets: what tasks, installs and the replay get. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !SECRET.test(k)));
}
