import type { RunsPage } from '../types';
import { href, useApi } from './api';
import { ms, when } from './format';
import { Problem } from './problem';

const FILTERS = ['branch', 'command', 'status', 'machine'] as const;

/** The run list, filtered by branch, command, status and machine (kept in the URL). */
export function RunsView({ params }: { params: URLSearchParams }) {
  const q = new URLSearchParams();
  for (const f of FILTERS) if (params.get(f)) q.set(f, params.get(f)!);
  const data = useApi<RunsPage>(`runs?${q}`);
  // The filters in one order, so a filtered list has one address.
  const set = (name: string, value: string): void => {
    const next = new URLSearchParams();
    for (const f of FILTERS) {
      const v = f === name ? value : q.get(f);
      if (v) next.set(f, v);
    }
    location.hash = `#/runs?${next}`;
  };
  if (data.state !== 'ok') return <Problem loaded={data} />;
  const { runs, filters } = data.value;
  const options: Record<(typeof FILTERS)[number], string[]> = {
    branch: filters.branches,
    command: filters.commands,
    status: ['failed', 'passed'],
    machine: filters.machines,
  };
  return (
    <section>
      <h1>Runs</h1>
      <div class="filters" role="search">
        {FILTERS.map((f) => (
          <label key={f}>
            {f}
            <select
              data-filter={f}
              value={q.get(f) ?? ''}
              onChange={(e) => set(f, (e.target as HTMLSelectElement).value)}
            >
              <option value="">all</option>
              {options[f].map((v) => (
                <option key={v} value={v}>
                  {v}
                </option>
              ))}
            </select>
          </label>
        ))}
      </div>
      <p class="muted">
        {runs.length} runs{q.toString() ? ' matching the filters' : ''}. <kbd>j</kbd>/<kbd>k</kbd> move,{' '}
        <kbd>Enter</kbd> opens.
      </p>
      <RunsTable runs={runs} loaded={data.path} />
    </section>
  );
}

function RunsTable({ runs, loaded }: { runs: RunsPage['runs']; loaded: string }) {
  return (
    <div class="scroll">
      <table id="runs" data-loaded={loaded}>
        <thead>
          <tr>
            <th>run</th>
            <th>result</th>
            <th>command</th>
            <th>branch</th>
            <th class="hide-narrow">machine</th>
            <th>tasks</th>
            <th class="hide-narrow">cached</th>
            <th>duration</th>
            <th class="hide-narrow">started (UTC)</th>
          </tr>
        </thead>
        <tbody>
          {runs.map((r) => (
            <tr key={r.runId} data-run={r.runId}>
              <td>
                <a data-nav href={href('run', r.runId)}>
                  {r.runId}
                </a>
              </td>
              <td class={r.failed ? 'bad' : 'ok'}>{r.failed ? `✗ ${r.failed} failed` : '✓ passed'}</td>
              <td>{r.command}</td>
              <td>{r.branch ?? '–'}</td>
              <td class="hide-narrow">{r.machine}</td>
              <td>{r.tasks}</td>
              <td class="hide-narrow">{r.cacheHits}</td>
              <td>{ms(r.endTime - r.startTime)}</td>
              <td class="hide-narrow">{when(r.startTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
