/**
 * GitHub Actions expressions, the part the generated workflows use, evaluated the way GitHub
 * does: property access on contexts (`github.event.pull_request.head.sha`), string, number and
 * boolean literals, `==` `!=` (strings compared case-insensitively), `!`, `&&` and `||` (which
 * return an operand, not a boolean, as in GitHub: `a || b` is a's value when truthy), parentheses,
 * and the status functions `always()`, `success()`, `failure()`, `cancelled()`. Anything else
 * throws: a step runner that guessed would prove nothing.
 */
export type Value = string | number | boolean | null | undefined | Record<string, unknown> | unknown[];
export interface ExprContext {
  contexts: Record<string, unknown>;
  /** Whether an earlier step (or needed job) failed: for success()/failure(). */
  failed: boolean;
}

type Tok = { t: 'id' | 'str' | 'num' | 'op'; v: string };

function tokenize(src: string): Tok[] {
  const out: Tok[] = [];
  let i = 0;
  while (i < src.length) {
    const c = src[i];
    if (/\s/.test(c)) i++;
    else if (c === "'") {
      let j = i + 1;
      let s = '';
      for (;;) {
        if (j >= src.length) throw new Error(`unterminated string in expression: ${src}`);
        if (src[j] === "'" && src[j + 1] === "'") ((s += "'"), (j += 2));
        else if (src[j] === "'") break;
        else s += src[j++];
      }
      out.push({ t: 'str', v: s });
      i = j + 1;
    } else if (/[0-9]/.test(c)) {
      const m = /^[0-9]+(\.[0-9]+)?/.exec(src.slice(i))!;
      out.push({ t: 'num', v: m[0] });
      i += m[0].length;
    } else if (/[A-Za-z_]/.test(c)) {
      const m = /^[A-Za-z_][A-Za-z0-9_-]*/.exec(src.slice(i))!;
      out.push({ t: 'id', v: m[0] });
      i += m[0].length;
    } else {
      const two = src.slice(i, i + 2);
      if (['==', '!=', '&&', '||'].includes(two)) (out.push({ t: 'op', v: two }), (i += 2));
      else if ('.()!'.includes(c)) (out.push({ t: 'op', v: c }), i++);
      else throw new Error(`unsupported character "${c}" in expression: ${src}`);
    }
  }
  return out;
}

export const truthy = (v: Value): boolean => !(v === false || v === 0 || v === '' || v === null || v === undefined);

function coerceEq(a: Value, b: Value): boolean {
  if (typeof a === 'string' && typeof b === 'string') return a.toLowerCase() === b.toLowerCase();
  if (typeof a === typeof b) return a === b;
  const num = (v: Value) => (v === null || v === undefined ? 0 : typeof v === 'boolean' ? Number(v) : Number(v));
  return num(a) === num(b);
}

/** Evaluates one expression (the text inside `${{ }}`, or an `if:`). */
export function evaluate(src: string, ctx: ExprContext): Value {
  const toks = tokenize(src);
  let p = 0;
  const peek = () => toks[p];
  const eat = (v?: string): Tok => {
    const t = toks[p++];
    if (!t || (v !== undefined && t.v !== v)) throw new Error(`expected ${v ?? 'a token'} in expression: ${src}`);
    return t;
  };
  const primary = (): Value => {
    const t = eat();
    if (t.t === 'str') return t.v;
    if (t.t === 'num') return Number(t.v);
    if (t.t === 'op' && t.v === '(') {
      const v = or();
      eat(')');
      return v;
    }
    if (t.t === 'op' && t.v === '!') return !truthy(primary());
    if (t.t !== 'id') throw new Error(`unexpected "${t.v}" in expression: ${src}`);
    if (t.v === 'true' || t.v === 'false') return t.v === 'true';
    if (t.v === 'null') return null;
    if (peek()?.v === '(') {
      eat('(');
      eat(')');
      switch (t.v) {
        case 'always':
          return true;
        case 'success':
          return !ctx.failed;
        case 'failure':
          return ctx.failed;
        case 'cancelled':
          return false;
        default:
          throw new Error(`unsupported function ${t.v}() in expression: ${src}`);
      }
    }
    if (!(t.v in ctx.contexts)) throw new Error(`unknown context "${t.v}" in expression: ${src}`);
    let v: unknown = ctx.contexts[t.v];
    while (peek()?.v === '.') {
      eat('.');
      const key = eat().v;
      v = v !== null && typeof v === 'object' ? (v as Record<string, unknown>)[key] : undefined;
    }
    return v as Value;
  };
  const cmp = (): Value => {
    let l = primary();
    while (peek()?.v === '==' || peek()?.v === '!=') {
      const op = eat().v;
      const r = primary();
      l = op === '==' ? coerceEq(l, r) : !coerceEq(l, r);
    }
    return l;
  };
  const and = (): Value => {
    let l = cmp();
    while (peek()?.v === '&&') {
      eat();
      const r = cmp();
      l = truthy(l) ? r : l;
    }
    return l;
  };
  const or = (): Value => {
    let l = and();
    while (peek()?.v === '||') {
      eat();
      const r = and();
      l = truthy(l) ? l : r;
    }
    return l;
  };
  const v = or();
  if (p !== toks.length) throw new Error(`unexpected "${toks[p].v}" in expression: ${src}`);
  return v;
}

const asText = (v: Value): string =>
  v === null || v === undefined ? '' : typeof v === 'object' ? JSON.stringify(v) : String(v);

/** Replaces every `${{ … }}` in a string; a value that is only one expression keeps its type. */
export function interpolate(value: unknown, ctx: ExprContext): unknown {
  if (typeof value !== 'string') return value;
  const whole = /^\$\{\{([\s\S]*?)\}\}$/.exec(value.trim());
  if (whole && !whole[1].includes('}}')) return evaluate(whole[1], ctx);
  return value.replace(/\$\{\{([\s\S]*?)\}\}/g, (_m, e: string) => asText(evaluate(e, ctx)));
}

/** An `if:`: an expression with or without `${{ }}`; absent means `success()`. */
export function condition(expr: unknown, ctx: ExprContext): boolean {
  if (expr === undefined) return !ctx.failed;
  if (typeof expr === 'boolean') return expr;
  const s = String(expr).trim();
  const inner = /^\$\{\{([\s\S]*)\}\}$/.exec(s);
  const src = inner ? inner[1] : s;
  // GitHub adds success() && unless the condition calls a status function itself.
  const v = evaluate(src, ctx);
  return /\b(always|failure|cancelled|success)\(\)/.test(src) ? truthy(v) : !ctx.failed && truthy(v);
}
