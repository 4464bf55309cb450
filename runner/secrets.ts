/**
 * fleet's own secrets and connection strings: signing keys, cache and mint tokens, the HMAC secret
 * of round one, the Redis URL (it may hold a password), each also as a `_FILE` variant.
 */
const SECRET = /^FLEET_(.*_)?(SECRET|TOKEN|KEY|KEYS|REDIS_URL|PASSWORD)(_FILE)?$/;

/** The environment without fleet's own secrets: what tasks, installs and the replay get. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([k]) => !SECRET.test(k)));
}
