import { globMatch } from './glob-match';
import { canonicalRequirement, parseRequirement, type Requirement, type RequirementInput } from './requirement';

/**
 * An assignment rule from the plugin options (`distributed.assignmentRules`), like Nx Cloud's:
 * each given list of globs must match; a rule that gives more of the three lists is more specific.
 */
export interface AssignmentRule {
  projects?: string[];
  targets?: string[];
  configurations?: string[];
  requires: RequirementInput;
}

/** The `distributed` plugin option, as far as routing goes. */
export interface RoutingOptions {
  assignmentRules?: AssignmentRule[];
  /** Project tag → requirement. Default {@link DEFAULT_TAG_REQUIREMENTS}. */
  tagRequirements?: Record<string, RequirementInput>;
}

/** Tag `gpu` means one GPU, unless the options map tags themselves. */
export const DEFAULT_TAG_REQUIREMENTS: Readonly<Record<string, RequirementInput>> = Object.freeze({
  gpu: { labels: ['gpu'], gpus: 1 },
});

/** The task as routing sees it: its id parts, its project's tags, and the target's metadata. */
export interface RoutedTask {
  project: string;
  target: string;
  configuration?: string;
  tags: string[];
  /** The target's `metadata` as `nx show project --json` gives it. */
  metadata?: Record<string, unknown>;
}

export type RequirementSource = 'metadata' | 'rule' | 'tags' | 'none';

export type ResolvedRequirement =
  | { ok: true; requirement: Requirement; source: RequirementSource; rule?: number }
  | { ok: false; code: 'FLEET_INVALID_REQUIREMENT'; message: string };

function matches(globs: string[] | undefined, name: string | undefined): boolean {
  if (!globs) return true;
  return name !== undefined && globs.some((g) => globMatch(g, name));
}

/** The index of the winning rule: most specific (most lists given), then first listed. */
export function matchRule(
  rules: AssignmentRule[],
  task: Pick<RoutedTask, 'project' | 'target' | 'configuration'>,
): number | undefined {
  let best: { index: number; specificity: number } | undefined;
  rules.forEach((rule, index) => {
    if (
      !matches(rule.projects, task.project) ||
      !matches(rule.targets, task.target) ||
      !matches(rule.configurations, task.configuration)
    )
      return;
    const specificity = [rule.projects, rule.targets, rule.configurations].filter(Boolean).length;
    if (!best || specificity > best.specificity) best = { index, specificity };
  });
  return best?.index;
}

/** Several tags' requirements together: the union of labels, the largest of each minimum. */
export function mergeRequirements(list: Requirement[]): Requirement {
  const out = canonicalRequirement({ labels: list.flatMap((r) => r.labels) });
  for (const r of list) {
    out.gpus = Math.max(out.gpus, r.gpus);
    out.gpuMemoryGb = Math.max(out.gpuMemoryGb, r.gpuMemoryGb);
    out.memoryGb = Math.max(out.memoryGb, r.memoryGb);
    out.cpus = Math.max(out.cpus, r.cpus);
  }
  return out;
}

/**
 * A task's requirement. Precedence, the most specific source wins whole (no field-by-field mix):
 * target `metadata.fleet.requires` > the best matching assignment rule > the project's tags > none.
 */
export function resolveRequirement(task: RoutedTask, options: RoutingOptions = {}): ResolvedRequirement {
  const fleet = task.metadata?.fleet as { requires?: unknown } | undefined;
  if (fleet?.requires !== undefined) {
    const r = parseRequirement(fleet.requires, `${task.project}:${task.target} metadata.fleet.requires`);
    return r.ok ? { ok: true, requirement: r.requirement, source: 'metadata' } : r;
  }
  const rules = options.assignmentRules ?? [];
  const rule = matchRule(rules, task);
  if (rule !== undefined)
    return { ok: true, requirement: canonicalRequirement(rules[rule].requires), source: 'rule', rule };
  const tagMap = options.tagRequirements ?? DEFAULT_TAG_REQUIREMENTS;
  const fromTags = task.tags.filter((t) => Object.hasOwn(tagMap, t)).map((t) => canonicalRequirement(tagMap[t]));
  if (fromTags.length) return { ok: true, requirement: mergeRequirements(fromTags), source: 'tags' };
  return { ok: true, requirement: canonicalRequirement(), source: 'none' };
}
