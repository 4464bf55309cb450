import type { TimelineTask } from '../types';
import { href } from './api';
import { cacheText, ms, statusText } from './format';

const ROW = 22;
const AXIS = 24;

/** Fill by what happened; hits are hatched and every bar says it in words (aria-label, title). */
function fill(t: TimelineTask): string {
  if (t.cache === 'local' || t.cache === 'remote') return 'url(#hit)';
  if (t.status === 'failure') return '#ffb3b3';
  if (t.cache === 'skipped' || t.status === 'skipped') return '#d8dee4';
  return '#a6e3b5';
}

function describe(t: TimelineTask): string {
  const d = t.startTime !== null && t.endTime !== null ? ms(t.endTime - t.startTime) : 'not run';
  return [
    t.taskId,
    d,
    statusText(t.status),
    cacheText(t.cache),
    (t.attempt ?? 1) > 1 ? `retry, attempt ${t.attempt}` : '',
    t.critical ? 'on the critical path' : '',
    `lane ${t.lane}`,
  ]
    .filter(Boolean)
    .join(', ');
}

const open = (t: TimelineTask): void => {
  location.hash = `${href('task', t.taskId)}?run=${encodeURIComponent(t.runId)}`;
};

/**
 * The run's Gantt chart in SVG: one row per lane (agent or inferred local lane), a bar per task
 * attempt from its start to its end. The critical path is outlined thick and starred, cache
 * hits hatched, retries marked ↻N, failures ✗: shape and text as well as colour.
 */
export function Gantt({
  tasks,
  lanes,
  start,
  end,
  width,
}: {
  tasks: TimelineTask[];
  lanes: string[];
  start: number;
  end: number;
  width: number;
}) {
  const labelW = width < 700 ? 72 : 120;
  const plotW = Math.max(100, width - labelW - 12);
  const span = Math.max(1, end - start);
  const x = (t: number): number => labelW + ((t - start) / span) * plotW;
  const laneIndex = new Map(lanes.map((l, i) => [l, i]));
  const height = AXIS + lanes.length * ROW + 4;
  const ordered = [...tasks].sort(
    (a, b) => laneIndex.get(a.lane)! - laneIndex.get(b.lane)! || (a.startTime ?? end) - (b.startTime ?? end),
  );
  return (
    <svg
      id="timeline"
      width={width}
      height={height}
      role="group"
      aria-label={`timeline: ${lanes.length} lanes, ${tasks.length} task runs`}
      style="display:block"
    >
      <defs>
        <pattern id="hit" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)">
          <rect width="6" height="6" fill="#cfe2ff" />
          <line x1="0" y1="0" x2="0" y2="6" stroke="#6ea8fe" stroke-width="1.5" />
        </pattern>
      </defs>
      <Axis x={x} start={start} span={span} plotW={plotW} height={height} />
      {lanes.map((l, i) => (
        <g key={l} data-lane={l}>
          <text x={4} y={AXIS + i * ROW + 15} font-size="12" fill="#1b1f24">
            {l.length > (labelW - 8) / 7 ? `${l.slice(0, Math.floor((labelW - 8) / 7) - 1)}…` : l}
            <title>{l}</title>
          </text>
        </g>
      ))}
      {ordered.map((t) => (
        <Bar key={`${t.taskId}#${t.attempt}`} t={t} x={x} y={AXIS + laneIndex.get(t.lane)! * ROW + 2} labelW={labelW} />
      ))}
    </svg>
  );
}

/** One task attempt's bar: a link to the task, its marks in text as well as in shape. */
function Bar({ t, x, y, labelW }: { t: TimelineTask; x: (ms: number) => number; y: number; labelW: number }) {
  const x0 = t.startTime !== null ? x(t.startTime) : labelW;
  const w = t.startTime !== null && t.endTime !== null ? Math.max(2, x(t.endTime) - x0) : 8;
  const marks = `${t.critical ? '★ ' : ''}${t.status === 'failure' ? '✗ ' : ''}${(t.attempt ?? 1) > 1 ? `↻${t.attempt} ` : ''}`;
  const label = `${marks}${t.taskId}`;
  const fits = Math.floor((w - 6) / 6.6);
  return (
    <g
      data-nav
      data-task={t.taskId}
      data-attempt={t.attempt ?? 1}
      data-lane={t.lane}
      data-cache={t.cache}
      data-status={t.status}
      data-critical={t.critical ? 'true' : 'false'}
      tabindex={0}
      role="link"
      aria-label={describe(t)}
      style="cursor:pointer"
      onClick={() => open(t)}
      onKeyDown={(e) => e.key === 'Enter' && open(t)}
    >
      <title>{describe(t)}</title>
      <rect
        x={x0}
        y={y}
        width={w}
        height={ROW - 4}
        rx={2}
        fill={fill(t)}
        stroke={t.critical ? '#9a6700' : t.status === 'failure' ? '#cf222e' : '#6e7781'}
        stroke-width={t.critical ? 3 : 1}
        stroke-dasharray={(t.attempt ?? 1) > 1 ? '4 2' : undefined}
      />
      {fits >= 3 && (
        <text x={x0 + 4} y={y + 13} font-size="11" fill="#1b1f24" pointer-events="none">
          {label.length > fits ? `${label.slice(0, fits - 1)}…` : label}
        </text>
      )}
    </g>
  );
}

/** The time axis: a tick per ~90 px (labels never run into each other on a narrow window). */
function Axis({
  x,
  start,
  span,
  plotW,
  height,
}: {
  x: (ms: number) => number;
  start: number;
  span: number;
  plotW: number;
  height: number;
}) {
  const steps = Math.max(2, Math.min(5, Math.floor(plotW / 90)));
  const ticks = Array.from({ length: steps + 1 }, (_, i) => start + (span * i) / steps);
  return (
    <>
      {ticks.map((t, i) => (
        <g key={i}>
          <line x1={x(t)} x2={x(t)} y1={AXIS - 4} y2={height} stroke="#eaeef2" />
          <text
            x={x(t)}
            y={14}
            font-size="11"
            fill="#57606a"
            text-anchor={i === 0 ? 'start' : i === steps ? 'end' : 'middle'}
          >
            {ms(t - start)}
          </text>
        </g>
      ))}
    </>
  );
}

export function GanttLegend() {
  const swatch = (f: string, stroke = '#6e7781', sw = 1, dash?: string) => (
    <svg width="26" height="14" aria-hidden="true">
      <rect x="1" y="1" width="24" height="12" fill={f} stroke={stroke} stroke-width={sw} stroke-dasharray={dash} />
    </svg>
  );
  return (
    <div class="legend">
      <span>{swatch('#a6e3b5')} ran</span>
      <span>{swatch('url(#hit)')} cache hit (hatched)</span>
      <span>{swatch('#ffb3b3', '#cf222e')} ✗ failed</span>
      <span>{swatch('#a6e3b5', '#6e7781', 1, '4 2')} ↻N retry (dashed)</span>
      <span>{swatch('#a6e3b5', '#9a6700', 3)} ★ critical path (thick outline)</span>
    </div>
  );
}
