/**
 * Classification helpers for COPY/ADD sources, `--from=` references and `--mount=` specs.
 * Pure functions; the model (model.ts) decides what is in scope and calls these.
 */
import { goClean } from './go-path';
import { parseImageRef } from './image-ref';
import type { FromReference } from './types';

/** Stages defined so far, as the model sees them when it reaches an instruction. */
export interface StageTable {
  /** Lower-cased name → index, for named stages defined before the current point. */
  names: ReadonlyMap<string, number>;
  /** Number of stages started so far (the current one included). */
  count: number;
}

/**
 * Resolves a `--from=` value (already expanded): a stage name (case-insensitive) defined
 * earlier, a stage index lower than the current stage, or else an image reference.
 * Returns a string message when the reference names a stage that cannot be used.
 */
export function resolveFrom(raw: string, stages: StageTable, currentStage: number): FromReference | string {
  const lower = raw.toLowerCase();
  const named = stages.names.get(lower);
  if (named !== undefined && named < currentStage) return { kind: 'stage', raw, stage: named, name: lower };
  if (named !== undefined) return `stage ${raw} cannot be used by itself (circular reference)`;
  if (/^\d+$/.test(raw)) {
    const index = Number(raw);
    if (index >= currentStage) return `stage index ${raw} is not a previous stage (current stage is ${currentStage})`;
    const name = [...stages.names].find(([, i]) => i === index)?.[0];
    return name === undefined ? { kind: 'stage', raw, stage: index } : { kind: 'stage', raw, stage: index, name };
  }
  return { kind: 'image', raw, image: parseImageRef(raw) };
}

/**
 * What an ADD source is. BuildKit treats a URL as git only when its scheme is git-only
 * (`git://`, `ssh://`, `git@host:`) or, for http(s), when the path ends in `.git`.
 */
export function classifyAddSource(src: string): 'url' | 'git' | 'context' {
  if (/^(git:\/\/|ssh:\/\/|git@[^:\s]+:)/.test(src)) return 'git';
  if (/^https?:\/\//i.test(src)) {
    const path = src.replace(/^https?:\/\/[^/]*/i, '').replace(/[#?].*$/, '');
    return path.endsWith('.git') ? 'git' : 'url';
  }
  return 'context';
}

/**
 * A source path relative to the context root. Docker resolves sources inside the context:
 * a leading `/` means the context root and `..` cannot climb above it.
 *
 * @example contextPath('./src/') === 'src'; contextPath('/app/../pkg') === 'pkg'; contextPath('.') === '.'
 */
export function contextPath(src: string): string {
  // After substitution a backslash survives only with the backtick escape (Windows
  // Dockerfiles), where it is a path separator.
  const cleaned = goClean(`/${src.replace(/\\/g, '/')}`).slice(1);
  return cleaned === '' ? '.' : cleaned;
}

/**
 * Parses the value of `--mount=` (comma-separated `key=value` fields, CSV quoting, bare
 * boolean keys such as `readonly`). Keys are lower-cased and aliases normalised
 * (`src` → `source`, `dst`/`destination` → `target`, `ro` → `readonly`).
 */
export function parseMountSpec(value: string): Record<string, string> {
  const options: Record<string, string> = {};
  for (const field of splitCsv(value)) {
    if (field === '') continue;
    const eq = field.indexOf('=');
    const key = normalizeMountKey((eq < 0 ? field : field.slice(0, eq)).trim().toLowerCase());
    options[key] = eq < 0 ? 'true' : field.slice(eq + 1);
  }
  if (options.type === undefined) options.type = 'bind';
  return options;
}

function normalizeMountKey(key: string): string {
  switch (key) {
    case 'src':
      return 'source';
    case 'dst':
    case 'destination':
      return 'target';
    case 'ro':
      return 'readonly';
    default:
      return key;
  }
}

/** RFC 4180-ish split as Go's encoding/csv does it for one record. */
function splitCsv(text: string): string[] {
  const fields: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        field += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"' && field === '') quoted = true;
    else if (ch === ',') {
      fields.push(field);
      field = '';
    } else field += ch;
  }
  fields.push(field);
  return fields;
}
