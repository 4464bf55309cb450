import type { GraphData, ProjectStep } from './types';

/** Root-level files whose change affects every project (as Nx treats nx.json). */
const GLOBAL_FILES = new Set(['nx.json']);

/**
 * The file and project graph as adjacency lists over numeric ids, built once per graph so that
 * every query (why, cycles, affected, n-hop focus on 20,000 files) is a plain BFS or DFS.
 */
export class GraphIndex {
  /** Every file node: sources and the workspace files they import, sorted. */
  readonly files: string[];
  readonly fileId = new Map<string, number>();
  /** out[i]: ids of the files file i imports; inc[i]: ids of the files that import it. */
  readonly out: number[][];
  readonly inc: number[][];
  /** Owning project per file id. */
  readonly owner: (string | undefined)[];
  readonly projects: string[];
  /** Project edges (Nx's dependencies) by source and by target, each with its evidence. */
  readonly projectOut = new Map<string, ProjectStep[]>();
  readonly projectIn = new Map<string, ProjectStep[]>();
  private readonly lines = new Map<number, Map<number, number>>();
  private readonly ownerOf: (file: string) => string | undefined;

  constructor(readonly data: GraphData) {
    const files = data.files ?? {};
    const all = new Set<string>(Object.keys(files));
    for (const n of Object.values(files)) for (const t of n.imports) all.add(t);
    this.files = [...all].sort();
    this.files.forEach((f, i) => this.fileId.set(f, i));
    this.out = this.files.map(() => []);
    this.inc = this.files.map(() => []);
    for (const [f, n] of Object.entries(files)) {
      const i = this.fileId.get(f) as number;
      const lines = new Map<number, number>();
      for (const t of n.imports) {
        const j = this.fileId.get(t) as number;
        if (j === i) continue;
        this.out[i].push(j);
        this.inc[j].push(i);
        const line = n.lines?.[t];
        if (line !== undefined) lines.set(j, line);
      }
      if (lines.size > 0) this.lines.set(i, lines);
    }
    this.projects = Object.keys(data.projects).sort();
    this.ownerOf = projectOwner(data.projects);
    this.owner = this.files.map((f) => this.ownerOf(f));
    for (const p of this.projects) {
      this.projectOut.set(p, []);
      this.projectIn.set(p, []);
    }
    const seen = new Set<string>();
    for (const d of data.dependencies) {
      if (d.source === d.target || !data.projects[d.source] || !data.projects[d.target]) continue;
      const key = `${d.source}\0${d.target}`;
      if (seen.has(key)) continue;
      seen.add(key);
      const step: ProjectStep = {
        from: d.source,
        to: d.target,
        type: d.type,
        ...this.evidence(d.sourceFile, d.target),
      };
      this.projectOut.get(d.source)?.push(step);
      this.projectIn.get(d.target)?.push(step);
    }
  }

  /** The project that owns a workspace path (longest root), whether or not it is a file node. */
  projectOfPath(file: string): string | undefined {
    return this.ownerOf(file);
  }

  isGlobalFile(file: string): boolean {
    return GLOBAL_FILES.has(file);
  }

  /** The line at which file `from` imports file `to` (ids), where known. */
  lineOf(from: number, to: number): number | undefined {
    return this.lines.get(from)?.get(to);
  }

  /** The file import that makes `sourceFile`'s project depend on `target`: the first import owned by it. */
  private evidence(sourceFile: string | undefined, target: string): Partial<ProjectStep> {
    if (sourceFile === undefined) return {};
    const i = this.fileId.get(sourceFile);
    if (i === undefined) return { sourceFile };
    for (const j of this.out[i]) {
      if (this.ownerOf(this.files[j]) === target)
        return { sourceFile, targetFile: this.files[j], line: this.lineOf(i, j) };
    }
    return { sourceFile };
  }
}

/** Maps a file to the project with the longest root that contains it (`.` contains everything). */
export function projectOwner(projects: GraphData['projects']): (file: string) => string | undefined {
  const byDepth = Object.entries(projects)
    .map(([name, p]) => ({ name, root: p.root }))
    .sort((a, b) => b.root.length - a.root.length || a.name.localeCompare(b.name));
  return (file) =>
    byDepth.find((p) => p.root === '.' || p.root === '' || file === p.root || file.startsWith(`${p.root}/`))?.name;
}
