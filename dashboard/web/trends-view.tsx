import { useEffect } from 'preact/hooks';
import type { TrendsPage } from '../types';
import { href, useApi } from './api';
import { ms, pct } from './format';
import { LineChart } from './line-chart';
import { Problem } from './problem';
import { useWidth } from './run-view';

type Target = TrendsPage['targets'][number];

/** Trends over a window: hit rate, p50/p90 per target, slowest and flakiest tasks, time saved. */
export function TrendsView({ params }: { params: URLSearchParams }) {
  const days = params.get('days') ?? '14';
  const data = useApi<TrendsPage>(`trends?days=${encodeURIComponent(days)}`);
  const width = useWidth();
  useEffect(() => {
    if (data.state === 'ok') performance.mark('fleet:trends-rendered');
  }, [data.state]);
  if (data.state !== 'ok') return <Problem loaded={data} />;
  const t = data.value;
  const chartW = width < 900 ? width - 8 : Math.floor((width - 24) / 2);
  const domain = windowDays(t.overall[0]?.day, t.days);
  return (
    <section>
      <h1>Trends, last {t.days} days</h1>
      <WindowPicker days={days} />
      <TrendCards t={t} />
      <h2>Cache hit rate per day</h2>
      <LineChart
        id="chart-hit-rate"
        width={Math.min(width - 8, 900)}
        fmt={pct}
        max={1}
        domain={domain}
        series={[
          { name: 'all targets', marker: 'circle', points: t.overall.map((d) => ({ day: d.day, y: d.hitRate })) },
          ...t.targets.slice(0, 3).map((tg, i) => ({
            name: tg.target,
            marker: 'square' as const,
            dash: ['6 3', '2 3', '8 2 2 2'][i],
            points: tg.days.map((d) => ({ day: d.day, y: d.hitRate })),
          })),
        ]}
      />
      <h2>Executed duration per target (p50, p90)</h2>
      <div class="grid2">
        {t.targets.map((tg) => (
          <TargetDurations key={tg.target} tg={tg} width={chartW} domain={domain} />
        ))}
      </div>
      <div class="grid2">
        <SlowestTable slowest={t.slowest} />
        <FlakiestTable flakiest={t.flakiest} />
      </div>
      <p class="muted">
        Time saved is estimated: each day&apos;s cache hits of a target × its mean executed duration that day (or over
        the window, on a day none ran). Durations count executed runs only.
      </p>
    </section>
  );
}

function WindowPicker({ days }: { days: string }) {
  return (
    <label class="muted">
      window{' '}
      <select value={days} onChange={(e) => (location.hash = `#/trends?days=${(e.target as HTMLSelectElement).value}`)}>
        {['1', '7', '14', '30', '90'].map((d) => (
          <option key={d} value={d}>
            {d} days
          </option>
        ))}
      </select>
    </label>
  );
}

function TrendCards({ t }: { t: TrendsPage }) {
  const sum = (f: (d: TrendsPage['overall'][number]) => number): number => t.overall.reduce((s, d) => s + f(d), 0);
  const taskRuns = sum((d) => d.taskRuns);
  return (
    <div class="cards">
      <div class="card">
        runs<b>{sum((d) => d.runs)}</b>
      </div>
      <div class="card">
        task runs<b>{taskRuns}</b>
      </div>
      <div class="card">
        hit rate<b id="hit-rate">{pct(taskRuns ? sum((d) => d.cacheHits) / taskRuns : null)}</b>
      </div>
      <div class="card">
        time saved (est.)<b id="saved">{ms(t.savedMs.total)}</b>
      </div>
    </div>
  );
}

/** One target: its p50/p90 chart and its last seven days as a table (the numbers behind the chart). */
function TargetDurations({ tg, width, domain }: { tg: Target; width: number; domain: string[] | undefined }) {
  return (
    <div data-target={tg.target}>
      <h3>{tg.target}</h3>
      <LineChart
        id={`chart-duration-${tg.target}`}
        width={width}
        fmt={ms}
        domain={domain}
        series={[
          { name: 'p50', marker: 'circle', points: tg.days.map((d) => ({ day: d.day, y: d.p50 })) },
          { name: 'p90', marker: 'square', dash: '6 3', points: tg.days.map((d) => ({ day: d.day, y: d.p90 })) },
        ]}
      />
      <table class="target-days" data-target={tg.target}>
        <thead>
          <tr>
            <th>day</th>
            <th>runs</th>
            <th>hit rate</th>
            <th>p50</th>
            <th>p90</th>
          </tr>
        </thead>
        <tbody>
          {tg.days.slice(0, 7).map((d) => (
            <tr key={d.day} data-day={d.day}>
              <td>{d.day}</td>
              <td>{d.taskRuns}</td>
              <td>{pct(d.hitRate)}</td>
              <td>{ms(d.p50)}</td>
              <td>{ms(d.p90)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function SlowestTable({ slowest }: { slowest: TrendsPage['slowest'] }) {
  return (
    <div>
      <h2>Slowest tasks</h2>
      <table id="slowest">
        <thead>
          <tr>
            <th>task</th>
            <th>mean</th>
            <th>p90</th>
            <th>runs</th>
          </tr>
        </thead>
        <tbody>
          {slowest.map((s) => (
            <tr key={s.taskId}>
              <td>
                <a data-nav href={href('task', s.taskId)}>
                  {s.taskId}
                </a>
              </td>
              <td>{ms(s.meanMs)}</td>
              <td>{ms(s.p90)}</td>
              <td>{s.executed}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function FlakiestTable({ flakiest }: { flakiest: TrendsPage['flakiest'] }) {
  if (!flakiest.length)
    return (
      <div>
        <h2>Flakiest tasks</h2>
        <p class="muted" id="flakiest">
          No task failed and passed with the same inputs in this window.
        </p>
      </div>
    );
  return (
    <div>
      <h2>Flakiest tasks</h2>
      <table id="flakiest">
        <thead>
          <tr>
            <th>task</th>
            <th>flake rate</th>
            <th>reruns</th>
            <th>wasted</th>
          </tr>
        </thead>
        <tbody>
          {flakiest.map((f) => (
            <tr key={f.taskId}>
              <td>
                <a data-nav href={href('task', f.taskId)}>
                  {f.taskId}
                </a>
              </td>
              <td>{pct(f.rate)}</td>
              <td>{f.reruns}</td>
              <td>{ms(f.wastedMs)}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** The window's days, oldest first, ending at the newest day with data (at most 90 points). */
function windowDays(last: string | undefined, n: number): string[] | undefined {
  if (!last) return undefined;
  const end = Date.parse(`${last}T00:00:00Z`);
  const count = Math.min(n, 90);
  return Array.from({ length: count + 1 }, (_, i) =>
    new Date(end - (count - i) * 86_400_000).toISOString().slice(0, 10),
  );
}
