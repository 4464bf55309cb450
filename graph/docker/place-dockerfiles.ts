/**
 * Which project each Dockerfile belongs to. A Dockerfile inside a project that already exists
 * (Nx core's, nx-fleet's TS/JS or Python ones: the deepest root containing it) adds targets to
 * that project. Every other folder holding Dockerfiles becomes a project of its own (nested
 * folders make nested projects, as Nx allows), named after the folder. Names never collide
 * and are never empty.
 */
import * as posix from 'node:path/posix';
import { dockerfileVariant, safeName } from './dockerfile-names';

/** A project known before Dockerfiles are looked at. */
export interface KnownProject {
  name: string;
  /** Workspace-relative root, `.` for the workspace root. */
  root: string;
}

/** Where one Dockerfile goes. */
export interface DockerfilePlacement {
  dockerfile: string;
  project: string;
  root: string;
  /** True when this Dockerfile's folder becomes a project of its own (nx-fleet names it). */
  createsProject: boolean;
  /** Target-name suffix: '' for the project's main Dockerfile, else e.g. `worker`. */
  variant: string;
}

const contains = (root: string, file: string) => root === '.' || file.startsWith(`${root}/`);
const dirOf = (file: string) => posix.dirname(file);

/** @param workspaceName name for a project at the workspace root (root package.json name, else the folder's name) */
export function placeDockerfiles(
  dockerfiles: readonly string[],
  known: readonly KnownProject[],
  workspaceName: string,
): DockerfilePlacement[] {
  const byDepth = [...known].sort((a, b) => depth(b.root) - depth(a.root));
  const sorted = [...dockerfiles].sort();
  const owner = new Map(sorted.map((file) => [file, byDepth.find((p) => contains(p.root, file))]));
  const roots = [...new Set(sorted.filter((f) => !owner.get(f)).map(dirOf))].sort(
    (a, b) => depth(a) - depth(b) || a.localeCompare(b),
  );
  const names = nameNewProjects(roots, new Set(known.map((p) => p.name)), workspaceName);
  const placed = sorted.map((file): DockerfilePlacement => {
    const k = owner.get(file);
    const root = k?.root ?? dirOf(file);
    return { dockerfile: file, project: k?.name ?? (names.get(root) as string), root, createsProject: !k, variant: '' };
  });
  assignVariants(placed);
  return placed;
}

function depth(root: string): number {
  return root === '.' ? 0 : root.split('/').length;
}

/**
 * The folder's base name; if taken (by any project) or shared, the root with `/` → `-` (the
 * rule nx-fleet uses for TS projects); if that is taken too, a numeric suffix.
 */
function nameNewProjects(roots: string[], taken: Set<string>, workspaceName: string): Map<string, string> {
  const base = (r: string) => (r === '.' ? workspaceName : posix.basename(r));
  const counts = new Map<string, number>();
  for (const r of roots) counts.set(base(r), (counts.get(base(r)) ?? 0) + 1);
  const names = new Map<string, string>();
  const used = new Set(taken);
  for (const root of roots) {
    let name = used.has(base(root)) || (counts.get(base(root)) ?? 0) > 1 ? root.replace(/\//g, '-') : base(root);
    if (root === '.') name = base(root);
    for (let n = 2; used.has(name); n++) name = `${root === '.' ? base(root) : root.replace(/\//g, '-')}-${n}`;
    used.add(name);
    names.set(root, name);
  }
  return names;
}

/**
 * Variant = the Dockerfile's name part (`worker.Dockerfile` → `worker`); when two Dockerfiles of
 * one project would get the same one, the later (by path) uses its project-relative path instead.
 */
function assignVariants(placed: DockerfilePlacement[]): void {
  const used = new Map<string, Set<string>>();
  for (const p of placed) {
    const seen = used.get(p.project) ?? new Set<string>();
    used.set(p.project, seen);
    let variant = dockerfileVariant(p.dockerfile);
    if (seen.has(variant)) variant = safeName(p.root === '.' ? p.dockerfile : p.dockerfile.slice(p.root.length + 1));
    for (let n = 2; seen.has(variant); n++) variant = `${safeName(p.dockerfile)}-${n}`;
    seen.add(variant);
    p.variant = variant;
  }
}
