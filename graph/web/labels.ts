/**
 * Labels on a 2D canvas above the graph, placed greedily in priority order: a label that would
 * overlap one already placed (or leave the screen) is skipped, so none overlap at any zoom.
 */
export interface Label {
  text: string;
  x: number;
  y: number;
  bold?: boolean;
  /** Context label while something else is highlighted: drawn grey. */
  dim?: boolean;
}

export interface PlacedLabel extends Label {
  left: number;
  top: number;
  width: number;
  height: number;
}

export function drawLabels(
  ctx: CanvasRenderingContext2D,
  labels: Label[],
  width: number,
  height: number,
  dpr: number,
): PlacedLabel[] {
  ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
  ctx.clearRect(0, 0, width, height);
  ctx.textBaseline = 'top';
  const placed: PlacedLabel[] = [];
  for (const l of labels) {
    ctx.font = `${l.bold ? '600 ' : ''}12px system-ui, sans-serif`;
    const w = ctx.measureText(l.text).width + 6;
    const h = 16;
    const left = l.x - w / 2;
    const top = l.y + 7;
    if (left < 0 || top < 0 || left + w > width || top + h > height) continue;
    if (placed.some((p) => left < p.left + p.width && p.left < left + w && top < p.top + p.height && p.top < top + h))
      continue;
    placed.push({ ...l, left, top, width: w, height: h });
  }
  for (const p of placed) {
    ctx.font = `${p.bold ? '600 ' : ''}12px system-ui, sans-serif`;
    ctx.fillStyle = 'rgba(255,255,255,0.85)';
    ctx.fillRect(p.left, p.top, p.width, p.height);
    ctx.fillStyle = p.dim ? '#9aa0ad' : '#1d2330';
    ctx.fillText(p.text, p.left + 3, p.top + 2);
  }
  return placed;
}
