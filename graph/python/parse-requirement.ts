import { normalizeDistributionName } from './normalize-name';
import type { PythonDependency } from './types';

/** A PEP 508 requirement string split into the parts the graph needs. */
export interface ParsedRequirement {
  name: string;
  extras: string[];
  /** Version specifier (`>=1,<2`, `==3.4`), or `''`. */
  specifier: string;
  /** Environment marker after `;`, or `''`. */
  marker: string;
  /** The URL of a direct reference (`name @ file:///...`), when there is one. */
  url?: string;
}

const NAME = /^\s*([A-Za-z0-9](?:[A-Za-z0-9._-]*[A-Za-z0-9])?)\s*/;

/**
 * Parses one PEP 508 requirement (`requests[socks]>=2.0; python_version < "3.11"`).
 * Returns undefined when no distribution name can be read.
 */
export function parseRequirement(text: string): ParsedRequirement | undefined {
  const semi = text.indexOf(';');
  const marker = semi >= 0 ? text.slice(semi + 1).trim() : '';
  let rest = semi >= 0 ? text.slice(0, semi) : text;
  const m = NAME.exec(rest);
  if (!m) return undefined;
  rest = rest.slice(m[0].length);
  let extras: string[] = [];
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) return undefined;
    extras = rest
      .slice(1, close)
      .split(',')
      .map((e) => e.trim())
      .filter(Boolean);
    rest = rest.slice(close + 1).trim();
  }
  if (rest.startsWith('@')) return { name: m[1], extras, specifier: '', marker, url: rest.slice(1).trim() };
  const specifier = rest.replace(/^\(|\)$/g, '').replace(/\s+/g, '');
  return { name: m[1], extras, specifier, marker };
}

/** The dependency a requirement declares in `file` (extras kept, normalised), in `group` when given. */
export function requirementDependency(req: ParsedRequirement, file: string, group?: string): PythonDependency {
  const dep: PythonDependency = {
    name: req.name,
    normalized: normalizeDistributionName(req.name),
    specifier: req.specifier,
    declaredIn: file,
  };
  if (req.extras.length > 0) dep.extras = req.extras.map(normalizeDistributionName);
  if (group) dep.group = group;
  return dep;
}
