import * as fs from 'node:fs';
import * as path from 'node:path';

/**
 * Where `npm run build` writes the bundled app (scripts/build-web.mjs): dist/web/dashboard.js,
 * next to dist/dashboard/ when running from the build, under dist/ when running from source (tests).
 */
export function bundlePath(): string {
  const built = path.join(__dirname, '..', 'web', 'dashboard.js');
  return fs.existsSync(built) ? built : path.join(__dirname, '..', 'dist', 'web', 'dashboard.js');
}

const STYLE = `
:root{--fg:#1b1f24;--muted:#57606a;--bg:#fff;--line:#d0d7de;--ok:#1a7f37;--bad:#cf222e;--hit:#0969da;--crit:#bf8700;--focus:#8250df}
*{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;color:var(--fg);background:var(--bg)}
header{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:center;padding:8px 16px;border-bottom:1px solid var(--line)}
header strong{font-size:16px;margin-right:8px}nav a{padding:4px 8px;border-radius:4px;color:var(--fg);text-decoration:none}
nav a[aria-current=page]{background:#eaeef2;font-weight:600;text-decoration:underline}
main{padding:12px 16px;max-width:1600px}h1{font-size:18px;margin:4px 0 12px}h2{font-size:15px;margin:18px 0 6px}h3{font-size:14px;margin:12px 0 4px}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:3px 8px;border-bottom:1px solid var(--line);white-space:nowrap}
td.wrap{white-space:normal;word-break:break-all}#cache{max-width:480px}th{font-weight:600;color:var(--muted)}tr[aria-selected=true]{background:#f3f0ff}
a{color:#0550ae}a:focus-visible,rect:focus-visible,[tabindex]:focus-visible,g:focus-visible{outline:3px solid var(--focus);outline-offset:1px}
.ok{color:var(--ok)}.bad{color:var(--bad)}.hit{color:var(--hit)}.muted{color:var(--muted)}
.filters{display:flex;flex-wrap:wrap;gap:8px;margin-bottom:10px}.filters label{display:flex;flex-direction:column;font-size:12px;color:var(--muted)}
select,input{font:inherit;padding:2px 4px}.cards{display:flex;flex-wrap:wrap;gap:10px;margin:8px 0}
.card{border:1px solid var(--line);border-radius:6px;padding:6px 10px;min-width:140px}.card b{display:block;font-size:18px}
.scroll{overflow-x:auto}.legend{display:flex;flex-wrap:wrap;gap:12px;font-size:12px;color:var(--muted);margin:4px 0}
.legend svg{vertical-align:middle}.grid2{display:grid;grid-template-columns:repeat(auto-fit,minmax(420px,1fr));gap:12px}
.diff li{font-family:ui-monospace,monospace;font-size:13px}kbd{border:1px solid var(--line);border-radius:3px;padding:0 4px;font-size:12px}
@media (max-width:700px){main{padding:8px}th,td{padding:2px 4px}.hide-narrow{display:none}.grid2{grid-template-columns:1fr}}
`;

/**
 * The one page: the bundled app inlined (no CDN, works offline), its base path for the API
 * (`''` for `fleet dashboard`, `/dashboard` under the central store) and which optional pages
 * are configured.
 */
export function renderPage(opts: {
  base: string;
  live: boolean;
  cache: boolean;
  trends: boolean;
  bundle: string;
}): string {
  const config = JSON.stringify({ base: opts.base, live: opts.live, cache: opts.cache, trends: opts.trends }).replace(
    /</g,
    '\\u003c',
  );
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>nx-fleet dashboard</title><style>${STYLE}</style></head>
<body><div id="app"></div><script>window.FLEET_DASHBOARD=${config};</script>
<script>${opts.bundle.replace(/<\/script/gi, '<\\/script')}</script></body></html>`;
}

/** Reads the bundle once per server; a missing bundle is a clear message, not a crash. */
export function readBundle(file = bundlePath()): { ok: true; source: string } | { ok: false; message: string } {
  try {
    return { ok: true, source: fs.readFileSync(file, 'utf8') };
  } catch {
    return { ok: false, message: `${file}: the dashboard bundle is missing (run npm run build)` };
  }
}
