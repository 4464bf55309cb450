/** Colours by index (projects) and by language; readable on white, distinct for neighbours. */
const HUES = [210, 25, 130, 280, 350, 55, 180, 95, 320, 240, 10, 160];

export function projectColor(index: number): [number, number, number] {
  const h = HUES[index % HUES.length] + Math.floor(index / HUES.length) * 17;
  return hsl(h % 360, 0.62, 0.45 + ((index >> 3) % 3) * 0.06);
}

export const LANGUAGE_COLORS: Record<string, [number, number, number]> = {
  typescript: [49, 120, 198],
  javascript: [214, 170, 20],
  python: [60, 150, 80],
  docker: [13, 183, 237],
  other: [140, 140, 150],
  external: [170, 110, 200],
  image: [230, 120, 40],
};

export function languageOf(file: string): string {
  if (/\.(?:d\.)?[cm]?tsx?$/.test(file)) return 'typescript';
  if (/\.[cm]?jsx?$/.test(file)) return 'javascript';
  if (/\.pyi?$/.test(file)) return 'python';
  if (/(?:^|\/)(?:Dockerfile|Containerfile)(?:\.[^/]*)?$|\.Dockerfile$/.test(file)) return 'docker';
  return 'other';
}

function hsl(h: number, s: number, l: number): [number, number, number] {
  const k = (n: number) => (n + h / 30) % 12;
  const a = s * Math.min(l, 1 - l);
  const f = (n: number) => l - a * Math.max(-1, Math.min(k(n) - 3, Math.min(9 - k(n), 1)));
  return [Math.round(f(0) * 255), Math.round(f(8) * 255), Math.round(f(4) * 255)];
}
