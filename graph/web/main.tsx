import { render } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { AffectedResult, ChainStep, Cycle, ProjectStep, WhyResult } from '../query/types';
import type { ViewData } from '../view/types';
import { GraphView, type ColorBy, type Mode } from './graph-view';
import { LANGUAGE_COLORS } from './palette';
import type { RendererChoice } from './renderer';

/** The page's test and automation surface: what the DOM shows, as data (test/graph-view). */
interface FleetGraphApi {
  ready: boolean;
  view: GraphView;
  timings: { firstRenderMs?: number; filesRenderMs?: number; lastFocusMs?: number };
  updates: number;
}

declare global {
  interface Window {
    fleetGraph?: FleetGraphApi;
  }
}

const params = new URLSearchParams(location.search);

/** `?renderer=webgl|canvas` forces one renderer; anything else lets the page choose. */
function rendererChoice(value: string | null): RendererChoice {
  return value === 'webgl' || value === 'canvas' ? value : 'auto';
}
const served = document.body.dataset.served === 'true';

async function loadData(): Promise<ViewData> {
  const inline = document.getElementById('fleet-graph-data');
  if (inline?.textContent) return JSON.parse(inline.textContent) as ViewData;
  return (await (await fetch('data.json')).json()) as ViewData;
}

function stepText(s: ChainStep | ProjectStep): string {
  if ('type' in s)
    return `${s.from} → ${s.to}${s.sourceFile ? ` (${s.sourceFile}${s.line ? `:${s.line}` : ''}${s.targetFile ? ` imports ${s.targetFile}` : ''})` : ` (${s.type})`}`;
  return `${s.from}${s.line ? `:${s.line}` : ''} imports ${s.to}`;
}

function App({ data }: { data: ViewData }) {
  const canvas = useRef<HTMLCanvasElement>(null);
  const labels = useRef<HTMLCanvasElement>(null);
  const stage = useRef<HTMLDivElement>(null);
  const [view, setView] = useState<GraphView>();
  const [, setTick] = useState(0);
  const [query, setQuery] = useState('');
  const [hops, setHops] = useState(1);
  const [focus, setFocus] = useState<ReturnType<GraphView['focus']>>();
  const [whyFrom, setWhyFrom] = useState('');
  const [whyTo, setWhyTo] = useState('');
  const [whyResult, setWhyResult] = useState<WhyResult | { error: string }>();
  const [cycles, setCycles] = useState<{ files: Cycle[]; projects: Cycle[] }>();
  const [changed, setChanged] = useState('');
  const [base, setBase] = useState('');
  const [affected, setAffected] = useState<AffectedResult | { error: string }>();
  const [panel, setPanel] = useState<'search' | 'why' | 'cycles' | 'affected'>('search');

  const redraw = (v = view) => {
    v?.draw();
    setTick((t) => t + 1);
  };
  /** Applies a change to the view, then draws. */
  const change = (apply: () => unknown) => {
    apply();
    redraw();
  };

  useEffect(() => {
    const v = new GraphView(canvas.current!, labels.current!, data, rendererChoice(params.get('renderer')));
    const box = stage.current!.getBoundingClientRect();
    v.resize(box.width, box.height);
    const started = performance.now();
    const mode = (location.hash === '#files' ? 'files' : 'projects') as Mode;
    if (mode === 'files') v.setMode('files');
    v.draw();
    v.renderer.finish();
    performance.mark('fleet-graph:first-render');
    const api: FleetGraphApi = { ready: true, view: v, timings: { firstRenderMs: performance.now() }, updates: 0 };
    if (mode === 'files') api.timings.filesRenderMs = performance.now() - started;
    window.fleetGraph = api;
    setView(v);
    const onResize = () => {
      const b = stage.current!.getBoundingClientRect();
      v.resize(b.width, b.height);
      redraw(v);
    };
    window.addEventListener('resize', onResize);
    if (served) {
      const events = new EventSource('events');
      events.addEventListener('graph', async () => {
        v.setData(await loadData());
        api.updates++;
        redraw(v);
      });
    }
    return () => window.removeEventListener('resize', onResize);
  }, []);

  if (!view)
    return (
      <div class="app">
        <aside />
        <Shell stage={stage} canvas={canvas} labels={labels} />
      </div>
    );
  const g = view.g;
  const doFocus = (name: string) => {
    const t = performance.now();
    performance.mark('fleet-graph:focus-start');
    const r = view.focus(name, hops);
    view.draw();
    view.renderer.finish();
    performance.measure('fleet-graph:focus', 'fleet-graph:focus-start');
    window.fleetGraph!.timings.lastFocusMs = performance.now() - t;
    setFocus(r);
    setTick((x) => x + 1);
  };
  const setMode = (m: Mode) => {
    const t = performance.now();
    view.setMode(m);
    redraw();
    if (m === 'files') window.fleetGraph!.timings.filesRenderMs ??= performance.now() - t;
  };
  const runAffected = async () => {
    let files = changed
      .split(/[\n,]+/)
      .map((s) => s.trim())
      .filter(Boolean);
    if (base.trim() !== '') {
      const res = await fetch(`api/changed?base=${encodeURIComponent(base.trim())}`);
      const body = (await res.json()) as { files?: string[]; error?: string };
      if (!res.ok || !body.files) return setAffected({ error: body.error ?? `HTTP ${res.status}` });
      files = body.files;
      setChanged(files.join('\n'));
    }
    if (files.length === 0) return setAffected({ error: 'no changed files given' });
    const unknown = files.filter((f) => !g.fileId.has(f) && g.projectOfPath(f) === undefined);
    if (unknown.length > 0) return setAffected({ error: `${unknown.join(', ')}: not in the graph` });
    setAffected(view.affected(files));
    redraw();
  };
  const languages = [...new Set(g.files.map((f) => languageName(f)))].sort();
  const hits = view.search(query);

  return (
    <div class="app">
      <aside>
        <h1>nx-fleet graph</h1>
        <p class="meta" data-testid="summary">
          {g.projects.length} projects · {g.files.length} files · {data.layout.externals.length} externals ·{' '}
          <span data-testid="renderer" title={view.renderer.note}>
            {view.renderer.kind}
          </span>
        </p>
        <div class="row">
          <button
            data-testid="mode-projects"
            class={view.mode === 'projects' ? 'on' : ''}
            onClick={() => setMode('projects')}
          >
            Projects
          </button>
          <button data-testid="mode-files" class={view.mode === 'files' ? 'on' : ''} onClick={() => setMode('files')}>
            Files
          </button>
          <span class="meta" data-testid="visible">
            {view.visibleCount()} drawn
          </span>
        </div>
        <div class="row">
          <label>
            colour by{' '}
            <select
              data-testid="color-by"
              value={view.colorBy}
              onChange={(e) => change(() => (view.colorBy = (e.target as HTMLSelectElement).value as ColorBy))}
            >
              <option value="project">project</option>
              <option value="language">language</option>
            </select>
          </label>
          <label>
            <input
              type="checkbox"
              data-testid="toggle-externals"
              checked={view.showExternals}
              onChange={(e) => change(() => (view.showExternals = (e.target as HTMLInputElement).checked))}
            />{' '}
            packages
          </label>
          <label>
            <input
              type="checkbox"
              data-testid="toggle-images"
              checked={view.showImages}
              onChange={(e) => change(() => (view.showImages = (e.target as HTMLInputElement).checked))}
            />{' '}
            images
          </label>
        </div>
        <div class="row" data-testid="languages">
          {languages.map((l) => (
            <label key={l}>
              <input
                type="checkbox"
                data-language={l}
                checked={!view.hiddenLanguages.has(l)}
                onChange={(e) => {
                  if ((e.target as HTMLInputElement).checked) view.hiddenLanguages.delete(l);
                  else view.hiddenLanguages.add(l);
                  redraw();
                }}
              />
              <span
                class="swatch"
                style={`background: rgb(${(LANGUAGE_COLORS[l] ?? LANGUAGE_COLORS.other).join(',')})`}
              />{' '}
              {l}
            </label>
          ))}
        </div>
        <nav class="row">
          {(['search', 'why', 'cycles', 'affected'] as const).map((p) => (
            <button key={p} data-testid={`tab-${p}`} class={panel === p ? 'on' : ''} onClick={() => setPanel(p)}>
              {p}
            </button>
          ))}
          <button
            onClick={() =>
              change(() => {
                view.clear();
                setFocus(undefined);
              })
            }
          >
            clear
          </button>
        </nav>
        {panel === 'search' && (
          <section>
            <input
              data-testid="search"
              placeholder="search files and projects"
              value={query}
              onInput={(e) => setQuery((e.target as HTMLInputElement).value)}
            />
            <label>
              {' '}
              hops{' '}
              <select
                data-testid="hops"
                value={hops}
                onChange={(e) => setHops(Number((e.target as HTMLSelectElement).value))}
              >
                {[1, 2, 3].map((h) => (
                  <option key={h} value={h}>
                    {h}
                  </option>
                ))}
              </select>
            </label>
            <ul data-testid="search-results">
              {hits.map((h) => (
                <li key={h}>
                  <a
                    href="#"
                    onClick={(e) => {
                      e.preventDefault();
                      doFocus(h);
                    }}
                  >
                    {h}
                  </a>
                </li>
              ))}
            </ul>
            {focus && (
              <div data-testid="focus">
                <h2 data-testid="focus-node">{focus.node}</h2>
                <p class="meta" data-testid="focus-count">
                  {focus.neighbours.length} within {hops} hop{hops === 1 ? '' : 's'}
                </p>
                <ul data-testid="focus-list">
                  {focus.neighbours.slice(0, 100).map((n) => (
                    <li key={n.name} data-hops={n.hops}>
                      {n.name} <span class="meta">({n.hops})</span>
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </section>
        )}
        {panel === 'why' && (
          <section>
            <input
              data-testid="why-from"
              placeholder="from: file or project"
              value={whyFrom}
              onInput={(e) => setWhyFrom((e.target as HTMLInputElement).value)}
            />
            <input
              data-testid="why-to"
              placeholder="to: file or project"
              value={whyTo}
              onInput={(e) => setWhyTo((e.target as HTMLInputElement).value)}
            />
            <button
              data-testid="why-run"
              onClick={() => change(() => setWhyResult(view.why(whyFrom.trim(), whyTo.trim())))}
            >
              why
            </button>
            {whyResult && 'error' in whyResult && (
              <p class="error" data-testid="why-error">
                {whyResult.error}
              </p>
            )}
            {whyResult && 'chain' in whyResult && (
              <div>
                <p class="meta" data-testid="why-summary">
                  {whyResult.found
                    ? `${whyResult.chain.length} steps`
                    : `${whyResult.from} does not depend on ${whyResult.to}`}
                </p>
                <ol data-testid="why-list">
                  {whyResult.chain.map((s, i) => (
                    <li key={i} data-from={s.from} data-to={s.to} data-line={s.line ?? ''}>
                      {stepText(s)}
                    </li>
                  ))}
                </ol>
              </div>
            )}
          </section>
        )}
        {panel === 'cycles' && (
          <section>
            <button data-testid="cycles-run" onClick={() => change(() => setCycles(view.cycles()))}>
              find cycles
            </button>
            {cycles && (
              <div>
                <h2>file cycles ({cycles.files.length})</h2>
                <ul data-testid="cycles-files">
                  {cycles.files.slice(0, 50).map((c, i) => (
                    <li key={i} data-size={c.nodes.length}>
                      {c.nodes.join(' ⇄ ')}
                    </li>
                  ))}
                </ul>
                <h2>project cycles ({cycles.projects.length})</h2>
                <ul data-testid="cycles-projects">
                  {cycles.projects.map((c, i) => (
                    <li key={i} data-size={c.nodes.length}>
                      {c.nodes.join(' ⇄ ')}
                    </li>
                  ))}
                </ul>
              </div>
            )}
          </section>
        )}
        {panel === 'affected' && (
          <section>
            <textarea
              data-testid="affected-files"
              placeholder="changed files, one a line"
              value={changed}
              onInput={(e) => setChanged((e.target as HTMLTextAreaElement).value)}
            />
            {served && (
              <input
                data-testid="affected-base"
                placeholder="or a git base ref (git diff --name-only)"
                value={base}
                onInput={(e) => setBase((e.target as HTMLInputElement).value)}
              />
            )}
            <button data-testid="affected-run" onClick={runAffected}>
              what does it affect?
            </button>
            {affected && 'error' in affected && (
              <p class="error" data-testid="affected-error">
                {affected.error}
              </p>
            )}
            {affected && 'files' in affected && <AffectedLists r={affected} />}
          </section>
        )}
      </aside>
      <Shell stage={stage} canvas={canvas} labels={labels} view={view} onFocus={doFocus} redraw={() => redraw()} />
    </div>
  );
}

function languageName(file: string): string {
  // Same rule as the renderer's colours.
  return /\.(?:d\.)?[cm]?tsx?$/.test(file)
    ? 'typescript'
    : /\.[cm]?jsx?$/.test(file)
      ? 'javascript'
      : /\.pyi?$/.test(file)
        ? 'python'
        : /(?:^|\/)(?:Dockerfile|Containerfile)(?:\.[^/]*)?$|\.Dockerfile$/.test(file)
          ? 'docker'
          : 'other';
}

function AffectedLists({ r }: { r: AffectedResult }) {
  const chain = (steps: ChainStep[], changed: string) =>
    steps.length === 0
      ? 'changed'
      : [...steps]
          .reverse()
          .map((s) => `${s.from}${s.line ? `:${s.line}` : ''}`)
          .join(' → ') + ` → ${changed}`;
  return (
    <div>
      <h2>projects ({r.projects.length})</h2>
      <ul data-testid="affected-projects">
        {r.projects.map((p) => (
          <li key={p.project} data-project={p.project} data-by-files={String(p.byFiles)}>
            <b>{p.project}</b>{' '}
            <span class="meta">
              {p.reason.kind === 'touched'
                ? `owns ${p.reason.file}`
                : p.reason.kind === 'global'
                  ? `${p.reason.file} changed`
                  : [p.reason.chain[0].from, ...p.reason.chain.map((s) => s.to)].join(' → ')}
            </span>
          </li>
        ))}
      </ul>
      <h2>tasks ({r.tasks.length})</h2>
      <ul data-testid="affected-tasks" class="compact">
        {r.tasks.map((t) => (
          <li key={t.task}>{t.task}</li>
        ))}
      </ul>
      <h2>test files ({r.testFiles.length})</h2>
      <ul data-testid="affected-tests">
        {r.testFiles.map((f) => (
          <li key={f.file} data-file={f.file}>
            {chain(f.chain, f.changed)}
          </li>
        ))}
      </ul>
      <h2>files ({r.files.length})</h2>
      <ul data-testid="affected-list">
        {r.files.slice(0, 200).map((f) => (
          <li key={f.file} data-file={f.file}>
            {chain(f.chain, f.changed)}
          </li>
        ))}
      </ul>
    </div>
  );
}

function Shell(props: {
  stage: preact.RefObject<HTMLDivElement>;
  canvas: preact.RefObject<HTMLCanvasElement>;
  labels: preact.RefObject<HTMLCanvasElement>;
  view?: GraphView;
  onFocus?: (name: string) => void;
  redraw?: () => void;
}) {
  const drag = useRef<{ x: number; y: number; moved: boolean }>();
  return (
    <main
      ref={props.stage}
      class="stage"
      onWheel={(e) => {
        e.preventDefault();
        const b = (e.currentTarget as HTMLElement).getBoundingClientRect();
        props.view?.zoom(e.deltaY < 0 ? 1.2 : 1 / 1.2, e.clientX - b.left, e.clientY - b.top);
        props.redraw?.();
      }}
      onMouseDown={(e) => (drag.current = { x: e.clientX, y: e.clientY, moved: false })}
      onMouseMove={(e) => {
        const d = drag.current;
        if (!d || !(e.buttons & 1)) return;
        props.view?.pan(e.clientX - d.x, e.clientY - d.y);
        drag.current = { x: e.clientX, y: e.clientY, moved: true };
        props.redraw?.();
      }}
      onMouseUp={(e) => {
        const d = drag.current;
        drag.current = undefined;
        if (!d || d.moved || !props.view) return;
        const b = (e.currentTarget as HTMLElement).getBoundingClientRect();
        const hit = props.view.pick(e.clientX - b.left, e.clientY - b.top);
        if (hit) props.onFocus?.(hit);
      }}
    >
      <canvas ref={props.canvas} data-testid="graph-canvas" />
      <canvas ref={props.labels} class="labels" data-testid="label-canvas" />
    </main>
  );
}

loadData().then(
  (data) => render(<App data={data} />, document.getElementById('app')!),
  (err: Error) => (document.getElementById('app')!.textContent = `cannot load the graph: ${err.message}`),
);
