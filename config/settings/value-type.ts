import { parseBoolean } from './parse-boolean';
import { parseDuration, formatDuration, type PlainUnit } from './parse-duration';
import { parseInteger } from './parse-integer';
import { formatSize, parseSize } from './parse-size';
import { parseUrl } from './parse-url';

/** A parsed value, or why not; `code` overrides FLEET_INVALID_OPTION (e.g. FLEET_BAD_KEY). */
export type Parsed<T> = { ok: true; value: T } | { ok: false; message: string; code?: string };

/**
 * How one kind of setting is written and read: the same syntax from a flag, a `FLEET_*`
 * variable, a file or nx.json (where JSON numbers and booleans are accepted too).
 */
export interface ValueType<T> {
  /** The accepted syntax in words, for docs/reference.md and messages. */
  syntax: string;
  parse(raw: unknown): Parsed<T>;
  /** The JSON schema of the value in nx.json (config/schema.json's command sections are generated from it). */
  schema: Record<string, unknown>;
  /** The value as `fleet config` shows it (JSON-safe). Default: the value itself. */
  show?(value: T): string | number | boolean | string[];
}

const got = (raw: unknown): string => JSON.stringify(typeof raw === 'string' ? raw : (raw ?? null));
const ok = <T>(value: T): Parsed<T> => ({ ok: true, value });
const bad = <T>(message: string): Parsed<T> => ({ ok: false, message });

/** `1/true/yes/on`, `0/false/no/off`; `words` names the pair the setting documents (on/off). */
function boolean(words: [string, string] = ['true', 'false']): ValueType<boolean> {
  return {
    syntax: `boolean (${words[0]}/${words[1]}; also 1/true/yes/on, 0/false/no/off)`,
    schema: { type: ['boolean', 'string'] },
    parse: (raw) => {
      const v = parseBoolean(raw);
      return v === null
        ? bad(`expected ${words[0]} or ${words[1]}, got ${got(raw)} (booleans: 1/true/yes/on, 0/false/no/off)`)
        : ok(v);
    },
  };
}

/** An integer within [min, max]. */
function integer(min: number, max = Number.MAX_SAFE_INTEGER): ValueType<number> {
  const range = max === Number.MAX_SAFE_INTEGER ? `>= ${min}` : `from ${min} to ${max}`;
  return {
    syntax: `integer ${range}`,
    schema: { type: ['integer', 'string'] },
    parse: (raw) => {
      const v = parseInteger(raw);
      return v === null || v < min || v > max ? bad(`expected an integer ${range}, got ${got(raw)}`) : ok(v);
    },
  };
}

/** A decimal number >= `min` (`0.75`, `12`), e.g. a price or an amount of money. */
function decimal(min = 0, opts: { allowMin?: boolean } = { allowMin: true }): ValueType<number> {
  const range = `${opts.allowMin ? '>=' : '>'} ${min}`;
  return {
    syntax: `number ${range} (e.g. 0.75)`,
    schema: { type: ['number', 'string'] },
    parse: (raw) => {
      const v =
        typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*\d+(\.\d+)?\s*$/.test(raw) ? Number(raw) : NaN;
      return !Number.isFinite(v) || v < min || (!opts.allowMin && v === min)
        ? bad(`expected a number ${range} (e.g. 0.75), got ${got(raw)}`)
        : ok(v);
    },
  };
}

/** A duration, as seconds (what the runner's options take); plain numbers are in `unit`. */
function seconds(opts: { unit?: PlainUnit; allowZero?: boolean; max?: number } = {}): ValueType<number> {
  const unit = opts.unit ?? 's';
  const range = `${opts.allowZero ? '>= 0' : '> 0'}${opts.max === undefined ? '' : ` and <= ${formatDuration(opts.max * 1000)}`}`;
  return {
    syntax: `duration (${unit === 's' ? 'seconds' : 'milliseconds'} when a plain number; or 500ms, 30s, 15m, 2h)`,
    schema: { type: ['number', 'string'] },
    parse: (raw) => {
      const ms = parseDuration(raw, unit);
      const s = ms === null ? null : ms / 1000;
      if (s === null || (opts.allowZero ? s < 0 : s <= 0) || (opts.max !== undefined && s > opts.max))
        return bad(`expected a duration ${range} (e.g. 30, 30s, 500ms, 15m), got ${got(raw)}`);
      return ok(s);
    },
    show: (s) => formatDuration(Math.round(s * 1000)),
  };
}

/** Bytes, from `20GB`, `512MiB`, `1048576`; `0`, `none`, `unlimited` are no limit (Infinity). */
function size(): ValueType<number> {
  return {
    syntax: 'size (20GB, 512MiB, 1048576; 0, none or unlimited for no limit)',
    schema: { type: ['integer', 'string'] },
    parse: (raw) => {
      const v =
        typeof raw === 'number' ? (raw === 0 ? Infinity : raw) : typeof raw === 'string' ? parseSize(raw) : null;
      return v === null || v < 0 ? bad(`${got(raw)} is not a size (e.g. 20GB, 512MiB, unlimited)`) : ok(v);
    },
    show: (v) => (Number.isFinite(v) ? `${v} (${formatSize(v)})` : 'unlimited'),
  };
}

/** A URL of one of `protocols` (`['http:', 'https:']`), kept as written. */
function url(protocols: readonly string[]): ValueType<string> {
  const list = protocols.map((p) => `${p}//`).join(' or ');
  return {
    syntax: `URL (${list})`,
    schema: { type: 'string' },
    parse: (raw) =>
      parseUrl(raw, protocols) ? ok(String(raw).trim()) : bad(`expected a ${list} URL, got ${got(raw)}`),
  };
}

/** One of a fixed list of words. */
function oneOf<const W extends string>(words: readonly W[]): ValueType<W> {
  const list =
    words.length === 2 ? `${words[0]} or ${words[1]}` : `${words.slice(0, -1).join(', ')} or ${words.at(-1)}`;
  return {
    syntax: `one of ${words.join(', ')}`,
    schema: { enum: [...words] },
    parse: (raw) =>
      typeof raw === 'string' && (words as readonly string[]).includes(raw.trim())
        ? ok(raw.trim() as W)
        : bad(`expected ${list}, got ${got(raw)}`),
  };
}

/** Any non-empty text; `check` may refuse it with a message. */
function text(syntax = 'text', check?: (t: string) => string | undefined): ValueType<string> {
  return {
    syntax,
    schema: { type: 'string', minLength: 1 },
    parse: (raw) => {
      if (typeof raw !== 'string' || raw.trim() === '') return bad(`expected ${syntax}, got ${got(raw)}`);
      const problem = check?.(raw.trim());
      return problem ? bad(problem) : ok(raw.trim());
    },
  };
}

/** A comma-separated list (`a,b`), or a JSON array of strings in nx.json. */
function list(): ValueType<string[]> {
  return {
    syntax: 'comma-separated list',
    schema: { type: ['array', 'string'], items: { type: 'string' } },
    parse: (raw) => {
      const items = Array.isArray(raw) ? raw : typeof raw === 'string' ? raw.split(',') : null;
      if (!items || items.some((i) => typeof i !== 'string'))
        return bad(`expected a comma-separated list, got ${got(raw)}`);
      return ok((items as string[]).map((s) => s.trim()).filter(Boolean));
    },
  };
}

/** The kinds of values settings take: one parser each, used by every command. */
export const valueTypes = { boolean, integer, decimal, seconds, size, url, oneOf, text, list };
