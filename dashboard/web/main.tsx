import { render } from 'preact';
import { useEffect, useState } from 'preact/hooks';
import { config, parseHash } from './api';
import { CacheView, LiveView } from './live-view';
import { RunView } from './run-view';
import { RunsView } from './runs-page';
import { TaskView } from './task-view';
import { TrendsView } from './trends-view';

/** The pages, their keys (1-4) and whether this server offers them. */
const PAGES = [
  { id: 'runs', label: 'Runs', key: '1', on: () => true },
  { id: 'trends', label: 'Trends', key: '2', on: () => config().trends },
  { id: 'live', label: 'Live', key: '3', on: () => config().live },
  { id: 'cache', label: 'Cache', key: '4', on: () => config().cache },
];

function useHash(): string {
  const [h, setH] = useState(location.hash);
  useEffect(() => {
    const on = (): void => setH(location.hash);
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return h;
}

/**
 * Keys: 1-4 switch pages; j/k or ↓/↑ move between the page's items (runs, bars of the
 * timeline, tasks); Enter opens; / focuses the first filter; Backspace goes back. Never while
 * typing in a field.
 */
function onKey(e: KeyboardEvent): void {
  const el = e.target as HTMLElement;
  if (
    el.tagName === 'INPUT' ||
    el.tagName === 'SELECT' ||
    el.tagName === 'TEXTAREA' ||
    e.ctrlKey ||
    e.metaKey ||
    e.altKey
  )
    return;
  const page = PAGES.find((p) => p.key === e.key && p.on());
  if (page) return void (location.hash = `#/${page.id}`);
  if (e.key === '/') {
    e.preventDefault();
    return void (document.querySelector('[data-filter]') as HTMLElement | null)?.focus();
  }
  if (e.key === 'Backspace') return void history.back();
  const step = e.key === 'j' || e.key === 'ArrowDown' ? 1 : e.key === 'k' || e.key === 'ArrowUp' ? -1 : 0;
  if (!step) return;
  const items = [...document.querySelectorAll<HTMLElement | SVGElement>('main [data-nav]')];
  if (!items.length) return;
  e.preventDefault();
  const at = items.indexOf(document.activeElement as HTMLElement);
  const next = items[at < 0 ? (step > 0 ? 0 : items.length - 1) : Math.max(0, Math.min(items.length - 1, at + step))];
  next.focus();
  next.scrollIntoView?.({ block: 'nearest' });
  (next.closest('tr') as HTMLElement | null)?.setAttribute('aria-selected', 'true');
  items[at]?.closest('tr')?.removeAttribute('aria-selected');
}

function App() {
  const hash = useHash();
  const { parts, params } = parseHash(hash);
  const [page = 'runs', id] = parts;
  useEffect(() => {
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
  useEffect(() => {
    (document.querySelector('main h1') as HTMLElement | null)?.focus?.();
  }, [hash]);
  const current = page === 'run' || page === 'task' ? 'runs' : page;
  let view;
  if (page === 'run' && id) view = <RunView key={id} runId={id} />;
  else if (page === 'task' && id) view = <TaskView key={id} taskId={id} params={params} />;
  else if (page === 'trends' && config().trends) view = <TrendsView params={params} />;
  else if (page === 'live' && config().live) view = <LiveView />;
  else if (page === 'cache' && config().cache) view = <CacheView />;
  else view = <RunsView params={params} />;
  return (
    <>
      <header>
        <strong>nx-fleet</strong>
        <nav aria-label="pages">
          {PAGES.filter((p) => p.on()).map((p) => (
            <a
              key={p.id}
              href={`#/${p.id}`}
              aria-current={current === p.id ? 'page' : undefined}
              aria-keyshortcuts={p.key}
            >
              {p.label} <kbd>{p.key}</kbd>
            </a>
          ))}
        </nav>
        <span class="muted hide-narrow">
          <kbd>j</kbd>/<kbd>k</kbd> move · <kbd>Enter</kbd> open · <kbd>/</kbd> filter · <kbd>⌫</kbd> back
        </span>
      </header>
      <main>{view}</main>
    </>
  );
}

render(<App />, document.getElementById('app')!);
