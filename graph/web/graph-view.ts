import { affectedBy } from '../query/affected';
import { fileCycles, projectCycles } from '../query/cycles';
import { resolveEndpoint } from '../query/endpoints';
import { GraphIndex } from '../query/graph-index';
import { neighbourhood } from '../query/shortest-chain';
import type { AffectedResult, Cycle, WhyResult } from '../query/types';
import { why } from '../query/why';
import type { ViewData } from '../view/types';
import { drawLabels, type Label, type PlacedLabel } from './labels';
import { LANGUAGE_COLORS, languageOf, projectColor } from './palette';
import { createRenderer, type Frame, type Renderer, type RendererChoice, type View } from './renderer';

export type Mode = 'projects' | 'files';

/** Above this many edges a highlight hides the other edges instead of dimming them. */
const DIM_EDGE_LIMIT = 5000;
/** Up to this many file nodes every label that fits is drawn. */
const SMALL_GRAPH = 300;
export type ColorBy = 'project' | 'language';

/** What is highlighted, and why: the rest of the graph is dimmed. */
export interface Highlight {
  kind: 'focus' | 'why' | 'cycles' | 'affected';
  nodes: Set<string>;
  /** Highlighted edges as `from\0to` node names. */
  edges: Set<string>;
  /** Nodes whose labels go first (the focused node, the ends of a why chain). */
  primary?: string[];
}

/** Everything the page draws, over one graph: nodes of both modes, filters, the camera. */
export class GraphView {
  g!: GraphIndex;
  data!: ViewData;
  readonly renderer: Renderer;
  mode: Mode = 'projects';
  colorBy: ColorBy = 'project';
  hiddenLanguages = new Set<string>();
  showExternals = false;
  showImages = false;
  highlight?: Highlight;
  placedLabels: PlacedLabel[] = [];
  private names: string[] = [];
  private nodeIndex = new Map<string, number>();
  private x = new Float32Array(0);
  private y = new Float32Array(0);
  private edges = new Uint32Array(0);
  private kinds: string[] = [];
  private view: View = { scale: 1, tx: 0, ty: 0 };
  private width = 800;
  private height = 600;
  private readonly dpr = window.devicePixelRatio || 1;
  private readonly labelCtx: CanvasRenderingContext2D;
  private projectIndex = new Map<string, number>();

  constructor(
    private readonly canvas: HTMLCanvasElement,
    private readonly labelCanvas: HTMLCanvasElement,
    data: ViewData,
    choice: RendererChoice,
  ) {
    this.renderer = createRenderer(canvas, choice);
    this.labelCtx = labelCanvas.getContext('2d') as CanvasRenderingContext2D;
    this.setData(data);
  }

  setData(data: ViewData): void {
    this.data = data;
    this.g = new GraphIndex(data.graph);
    this.projectIndex = new Map(this.g.projects.map((p, i) => [p, i]));
    this.build();
  }

  setMode(mode: Mode): void {
    this.mode = mode;
    this.highlight = undefined;
    this.build();
  }

  /** The nodes and edges of the current mode, and a camera that fits them. */
  private build(): void {
    if (this.mode === 'projects') {
      this.names = this.g.projects;
      this.kinds = this.names.map(() => 'project');
      const pos = this.names.map((p) => this.data.layout.projects[p] ?? { x: 0, y: 0 });
      this.x = Float32Array.from(pos.map((p) => p.x));
      this.y = Float32Array.from(pos.map((p) => p.y));
      const pairs: number[] = [];
      this.names.forEach((p, i) =>
        (this.g.projectOut.get(p) ?? []).forEach((e) => pairs.push(i, this.names.indexOf(e.to))),
      );
      this.edges = Uint32Array.from(pairs);
    } else {
      const l = this.data.layout;
      this.names = [...this.g.files, ...l.externals];
      this.kinds = [
        ...this.g.files.map(languageOf),
        ...l.externals.map((e) => (e.startsWith('image:') ? 'image' : 'external')),
      ];
      this.x = Float32Array.from([...l.fileX, ...l.externalX]);
      this.y = Float32Array.from([...l.fileY, ...l.externalY]);
      const pairs: number[] = [];
      this.g.out.forEach((ts, i) => ts.forEach((j) => pairs.push(i, j)));
      const ext = new Map(l.externals.map((e, k) => [e, this.g.files.length + k]));
      for (const [f, n] of Object.entries(this.data.graph.files ?? {}))
        for (const e of n.external) pairs.push(this.g.fileId.get(f) as number, ext.get(e) as number);
      this.edges = Uint32Array.from(pairs);
    }
    this.nodeIndex = new Map(this.names.map((n, i) => [n, i]));
    this.fit();
  }

  get nodeCount(): number {
    return this.names.length;
  }

  /** Nodes drawn now (filters applied). */
  visibleCount(): number {
    let n = 0;
    for (let i = 0; i < this.names.length; i++) if (this.visible(i)) n++;
    return n;
  }

  private visible(i: number): boolean {
    const k = this.kinds[i];
    if (k === 'external') return this.showExternals;
    if (k === 'image') return this.showImages;
    return !this.hiddenLanguages.has(k);
  }

  fit(): void {
    let [minX, minY, maxX, maxY] = [Infinity, Infinity, -Infinity, -Infinity];
    for (let i = 0; i < this.names.length; i++) {
      minX = Math.min(minX, this.x[i]);
      maxX = Math.max(maxX, this.x[i]);
      minY = Math.min(minY, this.y[i]);
      maxY = Math.max(maxY, this.y[i]);
    }
    if (!Number.isFinite(minX)) [minX, minY, maxX, maxY] = [0, 0, 1, 1];
    const pad = this.mode === 'projects' ? 80 : 30;
    const scale = Math.min(
      (this.width - 2 * pad) / Math.max(1, maxX - minX),
      (this.height - 2 * pad) / Math.max(1, maxY - minY),
    );
    const s = this.mode === 'projects' ? Math.min(1.2, scale) : scale;
    this.view = {
      scale: s,
      tx: this.width / 2 - ((minX + maxX) / 2) * s,
      ty: this.height / 2 - ((minY + maxY) / 2) * s,
    };
  }

  resize(width: number, height: number): void {
    this.width = width;
    this.height = height;
    this.renderer.resize(width, height, this.dpr);
    this.labelCanvas.width = Math.round(width * this.dpr);
    this.labelCanvas.height = Math.round(height * this.dpr);
    this.fit();
  }

  zoom(factor: number, cx: number, cy: number): void {
    const v = this.view;
    this.view = { scale: v.scale * factor, tx: cx - (cx - v.tx) * factor, ty: cy - (cy - v.ty) * factor };
  }

  pan(dx: number, dy: number): void {
    this.view = { ...this.view, tx: this.view.tx + dx, ty: this.view.ty + dy };
  }

  screenPosition(name: string): { x: number; y: number } | undefined {
    const i = this.nodeIndex.get(name);
    if (i === undefined) return undefined;
    return { x: this.x[i] * this.view.scale + this.view.tx, y: this.y[i] * this.view.scale + this.view.ty };
  }

  /** The visible node nearest to a screen point, within 10 px. */
  pick(sx: number, sy: number): string | undefined {
    let best = -1;
    let bestD = 100;
    for (let i = 0; i < this.names.length; i++) {
      if (!this.visible(i)) continue;
      const dx = this.x[i] * this.view.scale + this.view.tx - sx;
      const dy = this.y[i] * this.view.scale + this.view.ty - sy;
      const d = dx * dx + dy * dy;
      if (d < bestD) ((bestD = d), (best = i));
    }
    return best < 0 ? undefined : this.names[best];
  }

  private color(i: number): [number, number, number] {
    const k = this.kinds[i];
    if (k === 'external' || k === 'image') return LANGUAGE_COLORS[k];
    if (this.mode === 'projects') return projectColor(i);
    if (this.colorBy === 'language') return LANGUAGE_COLORS[k] ?? LANGUAGE_COLORS.other;
    const owner = this.g.owner[i];
    return owner === undefined ? LANGUAGE_COLORS.other : projectColor(this.projectIndex.get(owner) ?? 0);
  }

  /** Builds the frame and draws it with the labels; returns what was drawn. */
  draw(): Frame {
    const n = this.names.length;
    const colors = new Uint8Array(n * 4);
    const sizes = new Float32Array(n);
    const h = this.highlight;
    const base = this.mode === 'projects' ? 12 : Math.max(2, Math.min(7, this.view.scale * 1.2));
    for (let i = 0; i < n; i++) {
      if (!this.visible(i)) continue;
      const [r, g, b] = this.color(i);
      const lit = !h || h.nodes.has(this.names[i]);
      colors.set([r, g, b, lit ? 255 : 40], 4 * i);
      sizes[i] = h && lit ? Math.max(base * 1.8, 7) : base;
    }
    const edgeClass = new Uint8Array(this.edges.length / 2);
    for (let e = 0; e < edgeClass.length; e++) {
      const s = this.edges[2 * e];
      const t = this.edges[2 * e + 1];
      if (!this.visible(s) || !this.visible(t)) continue;
      if (!h) edgeClass[e] = 2;
      // Dimmed context edges only on smaller graphs: on 20,000 files they cost a software-GL
      // rasteriser most of a focus frame and show as an even grey haze anyway.
      else if (h.edges.has(`${this.names[s]}\0${this.names[t]}`)) edgeClass[e] = 3;
      else edgeClass[e] = this.edges.length > 2 * DIM_EDGE_LIMIT ? 0 : 1;
    }
    const frame: Frame = {
      count: n,
      x: this.x,
      y: this.y,
      colors,
      sizes,
      edges: this.edges,
      edgeClass,
      view: this.view,
    };
    this.renderer.draw(frame);
    this.placedLabels = drawLabels(this.labelCtx, this.labels(), this.width, this.height, this.dpr);
    return frame;
  }

  private labels(): Label[] {
    const at = (name: string, bold = false): Label | undefined => {
      const p = this.screenPosition(name);
      return p && { text: this.mode === 'files' ? shortName(name) : name, x: p.x, y: p.y, bold };
    };
    const list: Label[] = [];
    if (this.mode === 'projects')
      for (const p of this.names) {
        const lit = this.highlight?.nodes.has(p);
        list.push({ ...(at(p, lit) as Label), dim: this.highlight !== undefined && !lit });
      }
    // Small file graphs get every label that fits; large ones only the highlighted nodes'.
    if (this.mode === 'files' && this.names.length <= SMALL_GRAPH)
      this.names.forEach((nm, i) => {
        if (this.visible(i))
          list.push({ ...(at(nm) as Label), dim: this.highlight !== undefined && !this.highlight.nodes.has(nm) });
      });
    if (this.highlight) {
      const first = [...this.highlight.nodes].filter(
        (nm) => this.nodeIndex.has(nm) && this.visible(this.nodeIndex.get(nm) as number),
      );
      const primary = (this.highlight.primary ?? []).filter((nm) => first.includes(nm));
      const ordered = [...primary, ...first.filter((nm) => !primary.includes(nm)).slice(0, 300)];
      list.unshift(...ordered.map((nm) => at(nm, true) as Label));
    }
    return list.filter((l): l is Label => l !== undefined);
  }

  // ---- queries: each sets the highlight and returns what the page lists ----

  search(query: string, limit = 20): string[] {
    const q = query.trim().toLowerCase();
    if (q === '') return [];
    const hits = [...this.g.projects, ...this.g.files].filter((n) => n.toLowerCase().includes(q));
    return hits.sort((a, b) => score(a, q) - score(b, q) || a.length - b.length || a.localeCompare(b)).slice(0, limit);
  }

  /** Focuses a project or file with its n-hop neighbourhood (both directions); switches mode to the node's kind. */
  focus(name: string, hops: number): { node: string; neighbours: Array<{ name: string; hops: number }> } | undefined {
    if (this.data.graph.projects[name]) {
      if (this.mode !== 'projects') this.setMode('projects');
      const depth = new Map<string, number>([[name, 0]]);
      let frontier = [name];
      for (let d = 1; d <= hops; d++) {
        const next: string[] = [];
        for (const p of frontier)
          for (const e of [...(this.g.projectOut.get(p) ?? []), ...(this.g.projectIn.get(p) ?? [])])
            for (const q of [e.from, e.to]) if (!depth.has(q)) (depth.set(q, d), next.push(q));
        frontier = next;
      }
      const edges = new Set<string>();
      for (const p of depth.keys())
        for (const e of this.g.projectOut.get(p) ?? []) if (depth.has(e.to)) edges.add(`${e.from}\0${e.to}`);
      this.highlight = { kind: 'focus', nodes: new Set(depth.keys()), edges, primary: [name] };
      return { node: name, neighbours: list(depth).filter((x) => x.name !== name) };
    }
    const id = this.g.fileId.get(name);
    if (id === undefined) return undefined;
    if (this.mode !== 'files') this.setMode('files');
    const near = neighbourhood(this.g, id, hops);
    const nodes = new Set<string>();
    const depth = new Map<string, number>();
    for (const [i, d] of near) (nodes.add(this.g.files[i]), depth.set(this.g.files[i], d));
    const edges = new Set<string>();
    for (const i of near.keys())
      for (const j of this.g.out[i]) if (near.has(j)) edges.add(`${this.g.files[i]}\0${this.g.files[j]}`);
    this.highlight = { kind: 'focus', nodes, edges, primary: [name] };
    return { node: name, neighbours: list(depth).filter((x) => x.name !== name) };
  }

  why(fromText: string, toText: string): WhyResult | { error: string } {
    const from = resolveEndpoint(this.g, fromText);
    const to = resolveEndpoint(this.g, toText);
    if ('code' in from) return { error: from.message };
    if ('code' in to) return { error: to.message };
    const r = why(this.g, from, to);
    const mode: Mode = r.kind === 'projects' ? 'projects' : 'files';
    if (this.mode !== mode) this.setMode(mode);
    const nodes = new Set<string>([r.from, r.to]);
    const edges = new Set<string>();
    for (const s of r.chain) (nodes.add(s.from), nodes.add(s.to), edges.add(`${s.from}\0${s.to}`));
    this.highlight = { kind: 'why', nodes: r.found ? nodes : new Set([r.from, r.to]), edges, primary: [r.from, r.to] };
    return r;
  }

  cycles(): { files: Cycle[]; projects: Cycle[] } {
    const files = fileCycles(this.g);
    const projects = projectCycles(this.g);
    const inMode = this.mode === 'files' ? files : projects;
    const nodes = new Set(inMode.flatMap((c) => c.nodes));
    const edges = new Set<string>();
    if (this.mode === 'files') {
      for (const c of files) {
        const set = new Set(c.nodes.map((f) => this.g.fileId.get(f) as number));
        for (const i of set)
          for (const j of this.g.out[i]) if (set.has(j)) edges.add(`${this.g.files[i]}\0${this.g.files[j]}`);
      }
    } else {
      for (const c of projects)
        for (const p of c.nodes)
          for (const e of this.g.projectOut.get(p) ?? []) if (c.nodes.includes(e.to)) edges.add(`${p}\0${e.to}`);
    }
    this.highlight = { kind: 'cycles', nodes, edges };
    return { files, projects };
  }

  affected(changed: string[]): AffectedResult {
    const r = affectedBy(this.g, changed);
    const nodes = new Set<string>(
      this.mode === 'files' ? r.files.map((f) => f.file) : r.projects.map((p) => p.project),
    );
    const edges = new Set<string>();
    if (this.mode === 'files') for (const f of r.files) for (const s of f.chain) edges.add(`${s.from}\0${s.to}`);
    else
      for (const p of r.projects)
        if (p.reason.kind === 'depends') for (const s of p.reason.chain) edges.add(`${s.from}\0${s.to}`);
    this.highlight = { kind: 'affected', nodes, edges };
    return r;
  }

  clear(): void {
    this.highlight = undefined;
  }
}

function list(depth: Map<string, number>): Array<{ name: string; hops: number }> {
  return [...depth]
    .map(([name, hops]) => ({ name, hops }))
    .sort((a, b) => a.hops - b.hops || a.name.localeCompare(b.name));
}

function score(name: string, q: string): number {
  const base = name.split('/').pop()?.toLowerCase() ?? '';
  return name.toLowerCase() === q ? 0 : base.startsWith(q) ? 1 : 2;
}

/** The last three segments of a path: enough to tell `core/src/index.ts` from `util/src/index.ts`. */
function shortName(path: string): string {
  const parts = path.split('/');
  return parts.length <= 3 ? path : parts.slice(-3).join('/');
}
