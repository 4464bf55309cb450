import { Option } from 'commander';

/** Throws a CLI error with a stable code; `fleet` prints it as `fleet: <message> [<code>]`, exit 1. */
export const fail = (message: string, code = 'FLEET_INVALID_OPTION'): never => {
  throw Object.assign(new Error(message), { code });
};

/** An option that also reads `env` (a flag wins over the environment, as every fleet option does). */
export const envOption = (flags: string, description: string, env: string): Option =>
  new Option(flags, description).env(env);
