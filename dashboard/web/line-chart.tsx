import type { ComponentChildren } from 'preact';
/** A series of a chart: its name, its points by day, and a dash pattern and marker, so lines differ without colour. */
export interface Series {
  name: string;
  points: Array<{ day: string; y: number | null }>;
  dash?: string;
  marker: 'circle' | 'square';
}

const COLOURS = ['#0550ae', '#9a6700', '#1a7f37', '#8250df'];

/** A small SVG line chart over days (oldest left), with a y axis in `fmt` and a legend. */
export function LineChart({
  id,
  series,
  width,
  fmt,
  max,
  domain,
}: {
  id: string;
  series: Series[];
  width: number;
  fmt: (v: number) => string;
  max?: number;
  /** The days of the x axis (the whole window), oldest first; default the days with points. */
  domain?: string[];
}) {
  const h = 160;
  const left = 64;
  const bottom = 22;
  const days = domain ?? [...new Set(series.flatMap((s) => s.points.map((p) => p.day)))].sort();
  const top = max ?? Math.max(1, ...series.flatMap((s) => s.points.map((p) => p.y ?? 0)));
  const x = (d: string): number =>
    left + (days.length > 1 ? (days.indexOf(d) / (days.length - 1)) * (width - left - 28) : (width - left) / 2);
  const y = (v: number): number => 8 + (1 - v / top) * (h - bottom - 8);
  const labelEvery = Math.max(1, Math.ceil(days.length / Math.max(2, Math.floor((width - left) / 70))));
  return (
    <figure style="margin:0">
      <svg id={id} width={width} height={h} role="img" aria-label={series.map((s) => s.name).join(', ')}>
        {[0, 0.5, 1].map((f) => (
          <g key={f}>
            <line x1={left} x2={width - 8} y1={y(top * f)} y2={y(top * f)} stroke="#eaeef2" />
            <text x={left - 6} y={y(top * f) + 4} font-size="11" text-anchor="end" fill="#57606a">
              {fmt(top * f)}
            </text>
          </g>
        ))}
        {days.map((d, i) =>
          i % labelEvery === 0 ? (
            <text
              key={d}
              x={x(d)}
              y={h - 6}
              font-size="11"
              text-anchor={i === days.length - 1 && days.length > 1 ? 'end' : 'middle'}
              fill="#57606a"
            >
              {d.slice(5)}
            </text>
          ) : null,
        )}
        {series.map((s, i) => {
          const pts = s.points.filter((p) => p.y !== null).sort((a, b) => (a.day < b.day ? -1 : 1));
          const c = COLOURS[i % COLOURS.length];
          return (
            <g key={s.name} data-series={s.name}>
              <polyline
                fill="none"
                stroke={c}
                stroke-width="2"
                stroke-dasharray={s.dash}
                points={pts.map((p) => `${x(p.day)},${y(p.y!)}`).join(' ')}
              />
              {pts.map((p) => (
                <Marker key={p.day} shape={s.marker} cx={x(p.day)} cy={y(p.y!)} colour={c}>
                  <title>{`${s.name} ${p.day}: ${fmt(p.y!)}`}</title>
                </Marker>
              ))}
            </g>
          );
        })}
      </svg>
      <Legend series={series} />
    </figure>
  );
}

/** A point: a filled circle or a hollow square (the two series of a chart differ in shape). */
function Marker({
  shape,
  cx,
  cy,
  colour,
  children,
}: {
  shape: Series['marker'];
  cx: number;
  cy: number;
  colour: string;
  children?: ComponentChildren;
}) {
  return shape === 'circle' ? (
    <circle cx={cx} cy={cy} r="3.5" fill={colour}>
      {children}
    </circle>
  ) : (
    <rect x={cx - 3.5} y={cy - 3.5} width="7" height="7" fill="#fff" stroke={colour} stroke-width="2">
      {children}
    </rect>
  );
}

function Legend({ series }: { series: Series[] }) {
  return (
    <figcaption class="legend">
      {series.map((s, i) => (
        <span key={s.name}>
          <svg width="30" height="10" aria-hidden="true">
            <line
              x1="0"
              x2="30"
              y1="5"
              y2="5"
              stroke={COLOURS[i % COLOURS.length]}
              stroke-width="2"
              stroke-dasharray={s.dash}
            />
            <Marker shape={s.marker} cx={15} cy={5} colour={COLOURS[i % COLOURS.length]} />
          </svg>{' '}
          {s.name}
        </span>
      ))}
    </figcaption>
  );
}
