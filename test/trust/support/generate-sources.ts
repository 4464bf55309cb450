import type { Random } from './random';

/**
 * Generated TS/TSX/JS sources that mix every import form with the constructs that trip a
 * token-level scanner: JSX elements with type arguments, TSX generic arrows, regexes, template
 * literals holding import-like text, comments, comparisons, type assertions. Every fragment is
 * valid in the file kinds it is used for; TypeScript's parser is the referee either way.
 */
type Kind = 'ts' | 'tsx' | 'js';
type Fragment = (r: Random, i: number) => string;

const ANY: Fragment[] = [
  (_, i) => `import { a${i} } from './m${i}';`,
  (_, i) => `import d${i}, * as ns${i} from "../lib/n${i}";`,
  (_, i) => `export * from './e${i}';`,
  (_, i) => `export { x${i} as y${i} } from '@scope/pkg-${i}/sub';`,
  (_, i) => `export * as all${i} from './all${i}';`,
  (_, i) => `const r${i} = require('./req${i}');`,
  (_, i) => `async function load${i}() { return import('./dyn${i}'); }`,
  (_, i) => `const re${i} = /[/'"]import\\('no${i}'\\)/g.test(String(${i}));`,
  (_, i) => `const tpl${i} = \`\${'import("not-${i}")'}/\${${i} > 1 ? 'a' : "b"}\`;`,
  (_, i) => `// import x from 'commented-${i}'\n/* require('block-${i}') */`,
  (_, i) => `const cmp${i} = ${i} < 2 && 3 > ${i};`,
  (_, i) => `const obj${i} = { require: 1, import: 2 }.require;`,
  (_, i) => `const s${i} = "require('in-string-${i}')";`,
];

const TYPED: Fragment[] = [
  (_, i) => `import type { T${i} } from 'types-${i}';`,
  (_, i) => `type Q${i} = typeof import('./query${i}');`,
  (_, i) => `function g${i}<T extends { k: number }>(x: T): T { return x; }`,
  (_, i) => `const call${i} = g${i}<{ k: number }>({ k: ${i} });`,
  (_, i) => `let m${i}: Map<string, Array<Promise<number>>> = new Map();`,
];

const TS_ONLY: Fragment[] = [
  (_, i) => `import fs${i} = require('node:fs');`,
  (_, i) => `const cast${i} = <any>${i};`,
  (_, i) => `const id${i} = <T>(x: T) => x;`,
];

const JSX_ANY: Fragment[] = [
  (_, i) => `const el${i} = <div className="a" data-x={'${i}'}>don't {${i} > 1 ? <b>x</b> : null}</div>;`,
  (_, i) => `const frag${i} = <><span>{/* import('no') */}</span>text</>;`,
  (_, i) => `const nested${i} = <Foo.Bar a="1" b={[1, 2].map((n) => <i key={n}>{n}</i>)} />;`,
];

const TSX_ONLY: Fragment[] = [
  (_, i) => `const list${i} = <List<Todo> data={items} />;`,
  (_, i) =>
    `const multi${i} = <Table<string, Array<number>> rows={[]}>{(r: string) => <Row<string> value={r} />}</Table>;`,
  (_, i) => `const fn${i} = <Cb<() => void> onDone={() => undefined} />;`,
  (_, i) => `const member${i} = <Ui.Select<'a' | 'b'> value="a" />;`,
  (_, i) => `const gen${i} = <T,>(x: T) => x;`,
  (_, i) => `const ext${i} = <T extends object>(x: T) => x;`,
];

const PRELUDE: Record<Kind, string> = {
  ts: '',
  js: '',
  tsx: 'declare const List: any, Table: any, Row: any, Cb: any, Ui: any, Foo: any; type Todo = { id: number }; declare const items: Todo[];\n',
};

function fragmentsFor(kind: Kind): Fragment[] {
  if (kind === 'js') return [...ANY, ...JSX_ANY];
  if (kind === 'ts') return [...ANY, ...TYPED, ...TS_ONLY];
  return [...ANY, ...TYPED, ...JSX_ANY, ...TSX_ONLY];
}

/** One generated file: its name and text. A last import always follows the tricky parts. */
export function generateSource(r: Random, index: number): { file: string; text: string } {
  const kind = r.pick<Kind>(['ts', 'tsx', 'tsx', 'js']);
  const pool = fragmentsFor(kind);
  const parts = [PRELUDE[kind], '/// <reference path="./globals.d.ts" />'];
  const count = 4 + r.int(12);
  for (let i = 0; i < count; i++) parts.push(r.pick(pool)(r, index * 100 + i));
  parts.push(`import { last${index} } from './last-${index}';`);
  return { file: `gen/f${index}.${kind}`, text: parts.join('\n') + '\n' };
}
