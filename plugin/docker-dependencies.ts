import { DependencyType, type CreateDependenciesContext, type RawProjectGraphDependency } from '@nx/devkit';
import { dockerProjectEdges } from '../graph/docker';

/** Project edges from Dockerfiles (graph/docker computes them; this adapts them to Nx). */
export function dockerDependencies(
  ctx: CreateDependenciesContext,
  buildTargetName: string,
): RawProjectGraphDependency[] {
  return dockerProjectEdges(ctx.projects, buildTargetName).map((d) => ({
    source: d.source,
    target: d.target,
    sourceFile: d.sourceFile as string,
    type: DependencyType.static,
  }));
}
