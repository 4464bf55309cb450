import * as fs from 'node:fs';
import * as path from 'node:path';
import type { ViewData } from './types';

/** The bundled page script: dist/web/graph.js, next to this file's dist/graph/view/. */
export function graphBundlePath(): string {
  return path.join(__dirname, '..', '..', 'web', 'graph.js');
}

const STYLE = `
*{box-sizing:border-box}body{margin:0;font:13px system-ui,sans-serif;color:#1d2330}
.app{display:flex;height:100vh}aside{width:360px;flex:none;overflow:auto;padding:10px 12px;border-right:1px solid #dde}
h1{font-size:16px;margin:0 0 4px}h2{font-size:13px;margin:10px 0 4px}.meta{color:#667}.error{color:#b00020}
.row{display:flex;flex-wrap:wrap;gap:6px;align-items:center;margin:6px 0}
button{font:inherit;padding:3px 8px;border:1px solid #bbc;background:#f6f7fb;border-radius:4px;cursor:pointer}
button.on{background:#2b5fd9;color:#fff;border-color:#2b5fd9}
input,textarea,select{font:inherit}section input,section textarea{width:100%;margin:3px 0}textarea{height:70px}
ul,ol{margin:4px 0;padding-left:18px}li{margin:2px 0;word-break:break-all}.compact li{display:inline;margin-right:8px}
.swatch{display:inline-block;width:9px;height:9px;border-radius:50%}
.stage{position:relative;flex:1;overflow:hidden;cursor:grab}.stage canvas{position:absolute;inset:0;width:100%;height:100%}
.labels{pointer-events:none}`;

/** JSON inside a <script> element: `<` escaped so that no `</script>` in a path can end it. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value)
    .replace(/</g, '\\u003c')
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029');
}

/**
 * The graph page. With `data`, self-contained: the bundle and the data inlined, nothing fetched
 * (`fleet graph --html`). Without, served: it fetches data.json and listens to /events.
 */
export function graphPage(data: ViewData | undefined, bundle = fs.readFileSync(graphBundlePath(), 'utf8')): string {
  const inline = data ? `<script id="fleet-graph-data" type="application/json">${scriptJson(data)}</script>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>nx-fleet graph${data ? ` · ${data.workspace}` : ''}</title><style>${STYLE}</style></head>
<body data-served="${data ? 'false' : 'true'}"><div id="app"></div>${inline}
<script>${bundle.replace(/<\/script/gi, '<\\/script')}</script></body></html>
`;
}
