/**
 * The target group Nx Console and `nx show project` list nx-fleet's inferred targets under
 * (`metadata.targetGroups`; Nx merges the groups of every plugin that adds targets to a project).
 */
export const FLEET_TARGET_GROUP = 'fleet';

export function fleetTargetGroups(targets: Record<string, unknown>): { targetGroups: Record<string, string[]> } {
  return { targetGroups: { [FLEET_TARGET_GROUP]: Object.keys(targets).sort() } };
}
