/**
 * Project-level dependencies of one Dockerfile, shared by createNodes (for `dependsOn`) and
 * createDependencies (for the graph edges), so that both always agree:
 * - a context source inside another project's root or build outputs → that project (and its
 *   build target, so the image is built from fresh output);
 * - a base image (FROM, COPY --from, RUN --mount from=) that another project's Dockerfile
 *   produces, compared by repository (tag and digest ignored) → that project's image build.
 */
import { imageRepository } from './image-repository';

/** What one Dockerfile reads, with workspace-relative paths (stored in target metadata). */
export interface DockerfileReads {
  dockerfile: string;
  project: string;
  /** Context sources joined to the context: workspace-relative, possibly globs. */
  sources: Array<{ path: string; line: number }>;
  /** External images it pulls, as written after substitution. */
  images: Array<{ ref: string; line: number }>;
}

/** A project as the resolution needs it. */
export interface DependencyCandidate {
  name: string;
  root: string;
  /** Name of its build target, when it has one. */
  buildTarget?: string;
  /** Workspace-relative folders/files its build writes. */
  buildOutputs: string[];
  /** Images its Dockerfiles produce: repository (as {@link imageRepository} gives it) → image build target. */
  images: Array<{ repository: string; target: string }>;
}

/** One dependency of a Dockerfile. */
export interface DockerDependency {
  project: string;
  /** `build`: it copies the project's files or build output; `image`: it builds on the project's image. */
  kind: 'build' | 'image';
  /** The target to run first (`build`, `docker-build`, ...), when there is one. */
  target?: string;
  line: number;
}

const within = (path: string, folder: string) => folder !== '.' && (path === folder || path.startsWith(`${folder}/`));

/**
 * The dependencies, deduplicated by (project, target), first line kept. The Dockerfile's own
 * project appears only for its own build output, or (with `ownTarget`) for an image another
 * Dockerfile of the same project builds.
 */
export function dockerfileDependencies(
  reads: DockerfileReads,
  candidates: readonly DependencyCandidate[],
  ownTarget?: string,
): DockerDependency[] {
  const out = new Map<string, DockerDependency>();
  const add = (d: DockerDependency) => {
    const key = `${d.project}\0${d.target ?? ''}`;
    if (!out.has(key)) out.set(key, d);
  };
  const byDepth = [...candidates].sort((a, b) => b.root.length - a.root.length);
  for (const source of reads.sources) {
    const prefix = literalPrefix(source.path);
    if (prefix === '.') continue; // the whole workspace: no one project to depend on
    const output = candidates.find((c) => outputsOf(c).some((o) => within(prefix, o)));
    if (output?.buildTarget)
      add({ project: output.name, kind: 'build', target: output.buildTarget, line: source.line });
    if (output) continue;
    const owner = byDepth.find((c) => within(prefix, c.root));
    if (owner && owner.name !== reads.project)
      add({ project: owner.name, kind: 'build', target: owner.buildTarget, line: source.line });
    // A folder source also copies projects nested below it; Nx gives their files to them, not to the owner.
    for (const nested of byDepth) {
      if (nested.name !== reads.project && nested !== owner && within(nested.root, prefix))
        add({ project: nested.name, kind: 'build', target: nested.buildTarget, line: source.line });
    }
  }
  for (const image of reads.images) {
    const repository = imageRepository(image.ref);
    for (const c of candidates) {
      const made = c.images.find((i) => i.repository === repository);
      if (made && (c.name !== reads.project || (ownTarget !== undefined && made.target !== ownTarget)))
        add({ project: c.name, kind: 'image', target: made.target, line: image.line });
    }
  }
  return [...out.values()];
}

/** Declared outputs plus Nx's `dist/<root>` convention, for projects that have a build. */
function outputsOf(c: DependencyCandidate): string[] {
  return c.buildTarget ? [...c.buildOutputs, `dist/${c.root}`] : c.buildOutputs;
}

/** The segments of a path before the first one with glob characters (`apps/*\/dist` → `apps`). */
function literalPrefix(path: string): string {
  const segments = path.split('/');
  const firstGlob = segments.findIndex((s) => /[*?[\]]/.test(s));
  const literal = firstGlob < 0 ? segments : segments.slice(0, firstGlob);
  return literal.length ? literal.join('/') : '.';
}

/** Resolves Nx output tokens (`{projectRoot}/dist`, `{workspaceRoot}/dist/x`) to workspace-relative paths; globs are cut at the first glob segment. */
export function resolveOutputPath(output: string, root: string): string {
  const replaced = output
    .replace(/^\{workspaceRoot\}\/?/, '')
    .replace(/^\{projectRoot\}/, root === '.' ? '' : root)
    .replace(/^\/+/, '');
  return literalPrefix(replaced.replace(/^\.\//, '') || '.');
}
