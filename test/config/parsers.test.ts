import { describe, expect, it } from 'vitest';
import {
  fleetDisabled,
  formatDuration,
  maskUrlPassword,
  parseBoolean,
  parseDuration,
  parseInteger,
  parseSize,
  parseUrl,
  valueTypes as t,
} from '../../config';

/** Every upper/lower-case spelling of a word (`on`, `On`, `oN`, `ON`). */
function casings(word: string): string[] {
  let out = [''];
  for (const ch of word) out = out.flatMap((p) => [p + ch.toLowerCase(), p + ch.toUpperCase()]);
  return [...new Set(out)];
}

describe('strict booleans', () => {
  it('accept exactly 1/true/yes/on and 0/false/no/off, in any case, and nothing else', () => {
    let checked = 0;
    for (const [words, want] of [
      [['1', 'true', 'yes', 'on'], true],
      [['0', 'false', 'no', 'off'], false],
    ] as const)
      for (const w of words)
        for (const c of casings(w)) {
          expect(parseBoolean(c), c).toBe(want);
          expect(parseBoolean(` ${c} `), c).toBe(want);
          checked++;
        }
    // Near misses: every accepted word with a character added, dropped or changed, and the usual suspects.
    const accepted = ['1', 'true', 'yes', 'on', '0', 'false', 'no', 'off'];
    const misses = new Set([
      '',
      '2',
      '-1',
      'y',
      'n',
      't',
      'f',
      'enabled',
      'disabled',
      'nope',
      'maybe',
      'null',
      '01',
      'truee',
    ]);
    for (const w of accepted) {
      misses.add(w + 'x');
      misses.add(w.slice(1));
      misses.add(`${w}!`);
    }
    for (const m of misses) {
      if (accepted.includes(m.trim().toLowerCase())) continue;
      expect(parseBoolean(m), JSON.stringify(m)).toBeNull();
      checked++;
    }
    expect(parseBoolean(true)).toBe(true);
    expect(parseBoolean(2)).toBeNull();
    console.log(`booleans: ${checked} spellings checked`);
  });

  it('FLEET_PUSH_REF=0 is false (before, any value was true), and the message names the accepted words', () => {
    const type = t.boolean();
    expect(type.parse('0')).toEqual({ ok: true, value: false });
    expect(type.parse('nope')).toMatchObject({
      ok: false,
      message: expect.stringMatching(/expected true or false, got "nope"/),
    });
    expect(t.boolean(['on', 'off']).parse('maybe')).toMatchObject({
      message: expect.stringMatching(/^expected on or off, got "maybe"/),
    });
  });

  it('FLEET_DISABLE is strict too', () => {
    expect(fleetDisabled({})).toEqual({ disabled: false });
    expect(fleetDisabled({ FLEET_DISABLE: 'yes' })).toEqual({ disabled: true });
    expect(fleetDisabled({ FLEET_DISABLE: '0' })).toEqual({ disabled: false });
    expect(fleetDisabled({ FLEET_DISABLE: 'please' }).problem).toMatch(/FLEET_DISABLE: expected 1 or 0/);
  });
});

describe('durations', () => {
  it('units and plain numbers in the documented unit; formatDuration round-trips', () => {
    expect(parseDuration('500ms', 's')).toBe(500);
    expect(parseDuration('30s', 's')).toBe(30_000);
    expect(parseDuration('15m', 's')).toBe(900_000);
    expect(parseDuration('2h', 's')).toBe(7_200_000);
    expect(parseDuration('1d', 's')).toBe(86_400_000);
    expect(parseDuration('1.5s', 's')).toBe(1500);
    expect(parseDuration('30', 's')).toBe(30_000);
    expect(parseDuration('30', 'ms')).toBe(30);
    expect(parseDuration(45, 's')).toBe(45_000);
    for (const bad of ['', 's', '-1', '1e3', '10 minutes', '5x', '1,5s', 'ms'])
      expect(parseDuration(bad, 's'), bad).toBeNull();
    let checked = 0;
    for (const unit of ['ms', 's', 'm', 'h', 'd'])
      for (let n = 1; n <= 120; n++) {
        const ms = parseDuration(`${n}${unit}`, 's')!;
        expect(parseDuration(formatDuration(ms), 's')).toBe(ms);
        checked++;
      }
    console.log(`durations: ${checked} round trips checked`);
  });

  it('the seconds type refuses zero unless allowed, and values over its maximum', () => {
    expect(t.seconds().parse('0')).toMatchObject({ ok: false });
    expect(t.seconds({ allowZero: true }).parse('0')).toEqual({ ok: true, value: 0 });
    expect(t.seconds().parse('250ms')).toEqual({ ok: true, value: 0.25 });
    expect(t.seconds({ allowZero: true, max: 86400 }).parse('2d')).toMatchObject({ ok: false, message: /<= 1d/ });
  });
});

describe('sizes (one parser, shared with the cache server)', () => {
  it('decimal and binary units, unlimited, and refusals', () => {
    expect(parseSize('20GB')).toBe(20e9);
    expect(parseSize('512MiB')).toBe(512 * 1024 ** 2);
    expect(parseSize('1.5g')).toBe(1.5e9);
    expect(parseSize('1048576')).toBe(1048576);
    for (const u of ['0', 'none', 'unlimited']) expect(parseSize(u)).toBe(Infinity);
    for (const bad of ['lots', '-5MB', '5 parsecs', '', 'GB']) expect(parseSize(bad), bad).toBeNull();
    expect(t.size().parse('lots')).toMatchObject({
      ok: false,
      message: '"lots" is not a size (e.g. 20GB, 512MiB, unlimited)',
    });
  });
});

describe('integers and ranges', () => {
  it('whole numbers only; the range is in the message', () => {
    expect(parseInteger('42')).toBe(42);
    expect(parseInteger(' 7 ')).toBe(7);
    for (const bad of ['1.5', '3x', '', '1e3', '0x10', ' ']) expect(parseInteger(bad), bad).toBeNull();
    expect(t.integer(1).parse('0')).toMatchObject({ ok: false, message: 'expected an integer >= 1, got "0"' });
    expect(t.integer(0, 65535).parse('99999')).toMatchObject({
      ok: false,
      message: 'expected an integer from 0 to 65535, got "99999"',
    });
    expect(t.integer(0, 65535).parse(8080)).toEqual({ ok: true, value: 8080 });
  });
});

describe('URLs and enums', () => {
  it('protocols are checked; passwords are masked for output', () => {
    expect(parseUrl('redis://h:6379', ['redis:', 'rediss:'])).not.toBeNull();
    expect(parseUrl('http://h:6379', ['redis:'])).toBeNull();
    expect(parseUrl('not a url', ['http:'])).toBeNull();
    expect(parseUrl('redis://', ['redis:'])).toBeNull();
    expect(maskUrlPassword('redis://:s3cret@h:6379/0')).toBe('redis://:***@h:6379/0');
    expect(maskUrlPassword('redis://h:6379')).toBe('redis://h:6379');
    expect(t.oneOf(['all', 'failed', 'none'] as const).parse('some')).toMatchObject({
      message: 'expected all, failed or none, got "some"',
    });
  });
});
