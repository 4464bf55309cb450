/** Throws a CLI error with a stable code; `fleet` prints it as `fleet: <message> [<code>]`, exit 1. */
export const fail = (message: string, code = 'FLEET_INVALID_OPTION'): never => {
  throw Object.assign(new Error(message), { code });
};
