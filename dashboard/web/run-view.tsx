import { useEffect, useState } from 'preact/hooks';
import type { RunPage, RunStats, TimelineTask } from '../types';
import { href, useApi } from './api';
import { cacheText, ms, statusText, when } from './format';
import { Gantt, GanttLegend } from './gantt';
import { Problem } from './problem';

/** Page width for the chart, following the window (narrow windows get a narrow chart). */
export function useWidth(): number {
  const get = (): number => Math.max(320, Math.min(window.innerWidth - 32, 1568));
  const [w, setW] = useState(get());
  useEffect(() => {
    const on = (): void => setW(get());
    window.addEventListener('resize', on);
    return () => window.removeEventListener('resize', on);
  }, []);
  return w;
}

const taskHref = (taskId: string, runId: string): string => `${href('task', taskId)}?run=${encodeURIComponent(runId)}`;

/** One run: its numbers, the timeline by lane with the critical path, its workers and tasks. */
export function RunView({ runId }: { runId: string }) {
  const data = useApi<RunPage>(`runs/${encodeURIComponent(runId)}`);
  const width = useWidth();
  const [showTasks, setShowTasks] = useState(false);
  useEffect(() => {
    if (data.state === 'ok') performance.mark('fleet:run-rendered');
  }, [data.state]);
  if (data.state !== 'ok') return <Problem loaded={data} />;
  const { run, stats, lanes, tasks } = data.value;
  const cp = stats.criticalPath;
  const end = tasks.reduce((m, t) => Math.max(m, t.endTime ?? 0), run.endTime);
  return (
    <section>
      <h1>
        Run {run.runId} <span class="muted">{run.command}</span>
      </h1>
      <p class="muted">
        {run.branch ?? '–'} @ {run.commit?.slice(0, 10) ?? '–'} on {run.machine}, started {when(run.startTime)} UTC
      </p>
      <RunCards stats={stats} />
      <h2>Timeline</h2>
      <GanttLegend />
      <div class="scroll">
        <Gantt tasks={tasks} lanes={lanes} start={run.startTime} end={end} width={width} />
      </div>
      <h2>Critical path</h2>
      {cp ? (
        <ol id="critical-path">
          {cp.tasks.map((id) => (
            <li key={id}>
              <a href={taskHref(id, run.runId)}>{id}</a>
            </li>
          ))}
        </ol>
      ) : (
        <p class="muted">unknown: {stats.notes.join('; ')}</p>
      )}
      <h2>Workers</h2>
      <WorkersTable workers={stats.workers} />
      {stats.notes.map((n) => (
        <p key={n} class="muted">
          note: {n}
        </p>
      ))}
      <h2>
        <button type="button" aria-expanded={showTasks} onClick={() => setShowTasks(!showTasks)}>
          {showTasks ? 'Hide' : 'Show'} the {tasks.length} task runs as a table
        </button>
      </h2>
      {showTasks && <TaskTable tasks={tasks} runId={run.runId} />}
    </section>
  );
}

function RunCards({ stats }: { stats: RunStats }) {
  const cp = stats.criticalPath;
  const cards: Array<[string, string, string?]> = [
    ['duration', ms(stats.durationMs)],
    ['tasks', String(stats.tasks.total)],
    ['ran', String(stats.tasks.executed)],
    ['from cache', String(stats.tasks.local + stats.tasks.remote)],
    ['failed', String(stats.tasks.failed)],
    ['cache saved', ms(stats.cacheSavedMs)],
    ['critical path', cp ? ms(cp.durationMs) : 'unknown', 'critical-ms'],
  ];
  return (
    <div class="cards">
      {cards.map(([label, value, id]) => (
        <div key={label} class={label === 'failed' && stats.tasks.failed ? 'card bad' : 'card'}>
          {label}
          <b id={id}>{value}</b>
        </div>
      ))}
    </div>
  );
}

function WorkersTable({ workers }: { workers: RunStats['workers'] }) {
  return (
    <table id="workers">
      <thead>
        <tr>
          <th>lane</th>
          <th>tasks</th>
          <th>busy</th>
          <th>idle</th>
        </tr>
      </thead>
      <tbody>
        {workers.map((w) => (
          <tr key={w.worker}>
            <td>{w.worker}</td>
            <td>{w.tasks}</td>
            <td>{ms(w.busyMs)}</td>
            <td>{ms(w.idleMs)}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}

function TaskTable({ tasks, runId }: { tasks: TimelineTask[]; runId: string }) {
  return (
    <table id="task-table">
      <thead>
        <tr>
          <th>task</th>
          <th>result</th>
          <th>cache</th>
          <th>attempt</th>
          <th>lane</th>
          <th>duration</th>
        </tr>
      </thead>
      <tbody>
        {tasks.map((t) => (
          <tr key={`${t.taskId}#${t.attempt}`}>
            <td>
              <a href={taskHref(t.taskId, runId)}>{t.taskId}</a>
              {t.critical ? ' ★' : ''}
            </td>
            <td>{statusText(t.status)}</td>
            <td>{cacheText(t.cache)}</td>
            <td>{t.attempt ?? 1}</td>
            <td>{t.lane}</td>
            <td>{t.startTime !== null && t.endTime !== null ? ms(t.endTime - t.startTime) : '–'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
