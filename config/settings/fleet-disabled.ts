import { parseBoolean } from './parse-boolean';

/**
 * `FLEET_DISABLE`, the emergency bypass (docs/configuration.md): a strict boolean like every
 * other. `problem` says why a value that is not one is refused (a typo must not silently leave
 * fleet on, nor off).
 */
export function fleetDisabled(env: NodeJS.ProcessEnv): { disabled: boolean; problem?: string } {
  const raw = env.FLEET_DISABLE;
  if (raw === undefined || raw === '') return { disabled: false };
  const v = parseBoolean(raw);
  return v === null
    ? { disabled: false, problem: `FLEET_DISABLE: expected 1 or 0 (also true/yes/on, false/no/off), got "${raw}"` }
    : { disabled: v };
}
