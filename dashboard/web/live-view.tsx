import type { CachePage, LivePage } from '../types';
import { useApi } from './api';
import { bytes, ms, pct } from './format';
import { Problem } from './problem';

/** Agents, queues and runs in progress, read from Redis every second (no reload). */
export function LiveView() {
  const data = useApi<LivePage>('live', 1000);
  if (data.state !== 'ok') return <Problem loaded={data} />;
  const l = data.value;
  return (
    <section>
      <h1>Live</h1>
      <h2>Agents ({l.agents.length})</h2>
      <AgentsTable agents={l.agents} />
      <h2>Queues</h2>
      <table id="queues">
        <thead>
          <tr>
            <th>requirement</th>
            <th>trust</th>
            <th>waiting</th>
          </tr>
        </thead>
        <tbody>
          {l.queues.map((q) => (
            <tr key={`${q.requirement}|${q.trust}`}>
              <td class="wrap" title={q.requirement}>
                {requirementText(q.requirement)}
              </td>
              <td>{q.trust}</td>
              <td>{q.depth}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h2>Runs in Redis</h2>
      {l.runs.map((r) => (
        <div key={r.runId} data-live-run={r.runId}>
          <h3>
            {r.runId} <span class="muted">{r.command}</span> — <span data-run-status>{r.status}</span>
            {r.alive ? ' (coordinator alive)' : ''}
          </h3>
          <table class="live-tasks">
            <thead>
              <tr>
                <th>task</th>
                <th>state</th>
                <th>agent</th>
                <th>duration</th>
              </tr>
            </thead>
            <tbody>
              {r.tasks.map((t) => (
                <tr key={t.taskId} data-task={t.taskId} data-state={t.state}>
                  <td>{t.taskId}</td>
                  <td>{t.state}</td>
                  <td>{t.agent ?? '–'}</td>
                  <td>{t.startTime && t.endTime ? ms(t.endTime - t.startTime) : t.startTime ? 'running' : '–'}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ))}
    </section>
  );
}

/** The cache server's numbers from its /metrics, every 5 s. */
export function CacheView() {
  const data = useApi<CachePage>('cache', 5000);
  if (data.state !== 'ok') return <Problem loaded={data} />;
  const c = data.value;
  const rows: Array<[string, string]> = [
    ['hit rate', pct(c.hitRate)],
    ['hits', String(c.hits)],
    ['misses', String(c.misses)],
    ['bytes in', bytes(c.bytesIn)],
    ['bytes out', bytes(c.bytesOut)],
    ['store size', bytes(c.storeBytes)],
    ['store entries', String(c.storeEntries)],
    ['evictions', String(c.evictions)],
    ['evicted', bytes(c.evictedBytes)],
  ];
  return (
    <section>
      <h1>Cache server</h1>
      <p class="muted">{c.url}</p>
      <table id="cache">
        <tbody>
          {rows.map(([k, v]) => (
            <tr key={k} data-metric={k}>
              <th>{k}</th>
              <td>{v}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </section>
  );
}

/** A queue's requirement (canonical JSON, runner/requirement.ts) in words: its non-empty parts. */
function requirementText(json: string): string {
  let r: Record<string, unknown>;
  try {
    r = JSON.parse(json) as Record<string, unknown>;
  } catch {
    return json;
  }
  const parts = Object.entries(r)
    .filter(([, v]) => (Array.isArray(v) ? v.length > 0 : v !== 0 && v !== null && v !== undefined && v !== ''))
    .map(([k, v]) => `${k}: ${Array.isArray(v) ? v.join(', ') : String(v)}`);
  return parts.length ? parts.join('; ') : 'any agent';
}

function AgentsTable({ agents }: { agents: LivePage['agents'] }) {
  return (
    <table id="agents">
      <thead>
        <tr>
          <th>agent</th>
          <th>labels</th>
          <th>GPUs</th>
          <th>price</th>
          <th>trust</th>
          <th>running</th>
        </tr>
      </thead>
      <tbody>
        {agents.map((a) => (
          <tr key={a.id} data-agent={a.id}>
            <td>{a.id}</td>
            <td class="wrap">
              {Object.entries(a.labels)
                .map(([k, v]) => `${k}=${v}`)
                .join(' ') || '–'}
            </td>
            <td>{a.gpus}</td>
            <td>{a.price === null ? '–' : a.price}</td>
            <td>{a.trust ?? 'trusted'}</td>
            <td class="wrap">{a.running.join(', ') || 'idle'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
