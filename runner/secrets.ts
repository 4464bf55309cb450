/** The environment without fleet's own secrets: what tasks, installs and the replay get. */
export function withoutSecrets(env: NodeJS.ProcessEnv): NodeJS.ProcessEnv {
  const { FLEET_SECRET: _s, FLEET_CACHE_TOKEN: _t, ...rest } = env;
  return rest;
}
