import type { RunsExplanation, TaskPage } from '../types';
import { href, useApi } from './api';
import { cacheText, ms, pct, statusText, when } from './format';
import { Problem } from './problem';

/**
 * One task: its history (duration, status, cache source), its flake rate, and the explain
 * view between two of its runs, chosen in the table (`from`, `to` in the URL; by default the
 * two newest runs).
 */
export function TaskView({ taskId, params }: { taskId: string; params: URLSearchParams }) {
  const data = useApi<TaskPage>(`tasks/${encodeURIComponent(taskId)}`);
  if (data.state !== 'ok') return <Problem loaded={data} />;
  const p = data.value;
  const runs = [...new Set(p.history.map((h) => h.runId))];
  const to = params.get('to') ?? params.get('run') ?? runs[0];
  const from = params.get('from') ?? runs[runs.indexOf(to) + 1] ?? runs[1] ?? null;
  const choose = (side: 'from' | 'to', runId: string): void => {
    const next = new URLSearchParams({ from: from ?? '', to });
    next.set(side, runId);
    location.hash = `${href('task', taskId)}?${next}`;
  };
  return (
    <section>
      <h1>Task {taskId}</h1>
      <TaskCards p={p} />
      <h2>History</h2>
      <HistoryTable history={p.history} from={from} to={to} choose={choose} />
      {from && to && from !== to ? (
        <Explain taskId={taskId} from={from} to={to} />
      ) : (
        <p class="muted">Choose two runs to compare.</p>
      )}
    </section>
  );
}

function Explain({ taskId, from, to }: { taskId: string; from: string; to: string }) {
  const data = useApi<RunsExplanation>(
    `tasks/${encodeURIComponent(taskId)}/explain?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
  );
  if (data.state !== 'ok') return <Problem loaded={data} />;
  const e = data.value;
  const d = e.diff;
  const list = (title: string, id: string, items: string[]) =>
    items.length > 0 && (
      <div>
        <h3>
          {title} ({items.length})
        </h3>
        <ul class="diff" id={id}>
          {items.map((i) => (
            <li key={i}>{i}</li>
          ))}
        </ul>
      </div>
    );
  return (
    <section id="explain" aria-live="polite">
      <h2>
        Explain: {e.from.runId} → {e.to.runId}
      </h2>
      <p id="explain-summary">
        {e.sameHash
          ? 'Same hash in both runs: the inputs did not change.'
          : e.identical
            ? 'Different hashes, but no recorded input differs (see notes).'
            : 'The hash changed because:'}
      </p>
      {d && (
        <div>
          {list(
            'files changed',
            'diff-changed',
            d.changed.map((c) => `~ ${c.file}`),
          )}
          {list(
            'files added',
            'diff-added',
            d.added.map((f) => `+ ${f}`),
          )}
          {list(
            'files removed',
            'diff-removed',
            d.removed.map((f) => `- ${f}`),
          )}
          {list(
            'environment',
            'diff-env',
            d.environment.map((v) => `${v.change}: ${v.name}`),
          )}
          {list(
            'runtime',
            'diff-runtime',
            d.runtime.map((v) => `${v.change}: ${v.command}`),
          )}
          {list(
            'external dependencies',
            'diff-external',
            d.external.map((v) => `${v.change}: ${v.name}`),
          )}
          {d.command && list('command', 'diff-command', [`before: ${d.command.before}`, `after: ${d.command.after}`])}
        </div>
      )}
      {e.notes.map((n) => (
        <p key={n} class="muted">
          note: {n}
        </p>
      ))}
    </section>
  );
}

function TaskCards({ p }: { p: TaskPage }) {
  return (
    <div class="cards">
      <div class="card">
        runs shown<b>{p.history.length}</b>
      </div>
      <div class="card">
        executed<b>{p.durations.executed}</b>
      </div>
      <div class="card">
        p50<b>{ms(p.durations.p50)}</b>
      </div>
      <div class="card">
        p90<b>{ms(p.durations.p90)}</b>
      </div>
      <div class="card">
        flake rate<b id="flake-rate">{pct(p.flakeRate)}</b>
        {p.flaky ? `${p.flaky.flakySuccesses} of ${p.flaky.successes} successes` : ''}
      </div>
    </div>
  );
}

/** The task's runs, newest first, with the radio buttons that choose the two runs to explain. */
function HistoryTable({
  history,
  from,
  to,
  choose,
}: {
  history: TaskPage['history'];
  from: string | null;
  to: string;
  choose: (side: 'from' | 'to', runId: string) => void;
}) {
  return (
    <div class="scroll">
      <table id="history">
        <thead>
          <tr>
            <th>from</th>
            <th>to</th>
            <th>run</th>
            <th>result</th>
            <th>cache</th>
            <th>duration</th>
            <th class="hide-narrow">branch</th>
            <th class="hide-narrow">commit</th>
            <th class="hide-narrow">hash</th>
            <th class="hide-narrow">started (UTC)</th>
          </tr>
        </thead>
        <tbody>
          {history.map((h) => (
            <tr key={`${h.runId}#${h.attempt}`} data-run={h.runId} aria-selected={h.runId === from || h.runId === to}>
              <td>
                <input
                  type="radio"
                  name="from"
                  aria-label={`compare from ${h.runId}`}
                  checked={h.runId === from}
                  onChange={() => choose('from', h.runId)}
                />
              </td>
              <td>
                <input
                  type="radio"
                  name="to"
                  aria-label={`compare to ${h.runId}`}
                  checked={h.runId === to}
                  onChange={() => choose('to', h.runId)}
                />
              </td>
              <td>
                <a data-nav href={href('run', h.runId)}>
                  {h.runId}
                </a>
                {(h.attempt ?? 1) > 1 ? ` ↻${h.attempt}` : ''}
              </td>
              <td class={h.status === 'failure' ? 'bad' : 'ok'}>{statusText(h.status)}</td>
              <td>{cacheText(h.cache)}</td>
              <td>{h.startTime !== null && h.endTime !== null ? ms(h.endTime - h.startTime) : '–'}</td>
              <td class="hide-narrow">{h.branch ?? '–'}</td>
              <td class="hide-narrow">{h.commit?.slice(0, 10) ?? '–'}</td>
              <td class="hide-narrow">{h.hash.slice(0, 12)}</td>
              <td class="hide-narrow">{when(h.startTime)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
