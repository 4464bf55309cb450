import { DependencyType, type CreateDependenciesContext, type ProjectConfiguration, type RawProjectGraphDependency } from '@nx/devkit';
import { dockerfileDependencies, imageRepository, resolveOutputPath, type DependencyCandidate, type DockerTargetFacts } from '../graph/docker';

/**
 * Project edges from Dockerfiles, read back from the `metadata.fleet` that createNodes put on
 * each docker-build target, so edges and `dependsOn` come from the same analysis. Computed for
 * every Dockerfile each time (there are few, and an edge to another image depends on that
 * image's Dockerfile too, which `filesToProcess` would not show). Each edge's `sourceFile` is
 * the Dockerfile.
 */
export function dockerDependencies(ctx: CreateDependenciesContext, buildTargetName: string): RawProjectGraphDependency[] {
  const candidates = Object.entries(ctx.projects).map(([name, p]) => candidate(name, p, buildTargetName));
  const edges = new Map<string, RawProjectGraphDependency>();
  for (const [source, project] of Object.entries(ctx.projects)) {
    for (const target of Object.values(project.targets ?? {})) {
      const facts = (target.metadata as { fleet?: DockerTargetFacts } | undefined)?.fleet;
      if (!facts?.reads) continue;
      for (const d of dockerfileDependencies(facts.reads, candidates)) {
        if (d.project === source) continue;
        edges.set(`${source}\0${d.project}`, { source, target: d.project, sourceFile: facts.reads.dockerfile, type: DependencyType.static });
      }
    }
  }
  return [...edges.values()];
}

function candidate(name: string, p: ProjectConfiguration, buildTargetName: string): DependencyCandidate {
  const build = p.targets?.[buildTargetName];
  const images: DependencyCandidate['images'] = [];
  for (const [targetName, t] of Object.entries(p.targets ?? {})) {
    const image = (t.metadata as { fleet?: DockerTargetFacts } | undefined)?.fleet?.image;
    const repository = image && imageRepository(image);
    if (repository) images.push({ repository, target: targetName });
  }
  return {
    name,
    root: p.root,
    buildTarget: build ? buildTargetName : undefined,
    buildOutputs: (build?.outputs ?? []).map((o) => resolveOutputPath(o, p.root)),
    images,
  };
}
