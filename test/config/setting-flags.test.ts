import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { addSettingFlags, flagValues } from '../../cli/commands/setting-flags';
import { REFERENCE_COMMANDS } from '../../cli/settings/reference-commands';
import { agentSettings, runSettings } from '../../cli/settings';

const parse = (specs: typeof agentSettings.settings, args: string[]) => {
  const cmd = addSettingFlags(new Command('x').exitOverride(), specs);
  cmd.parse(args, { from: 'user' });
  return flagValues(cmd, specs);
};

describe('commander flags from the declarations', () => {
  it('only values given on the command line are flags; negations and file flags keep their keys', () => {
    expect(parse(agentSettings.settings, [])).toEqual({});
    expect(
      parse(agentSettings.settings, [
        '--no-warm',
        '--daemon',
        '--slots',
        '3',
        '--public-key-file',
        '/k.pem',
        '--redis-file',
        '/r',
      ]),
    ).toEqual({ warm: false, daemon: true, slots: '3', publicKeyFile: '/k.pem', redisUrlFile: '/r' });
    expect(parse(agentSettings.settings, ['--no-daemon']).daemon).toBe(false);
    expect(parse(runSettings.settings, ['--push-ref', '--stream', '--redis', 'redis://h:1'])).toEqual({
      pushRef: true,
      stream: true,
      redisUrl: 'redis://h:1',
    });
  });

  it('a secret has no value flag unless it had one before (then deprecated)', () => {
    expect(() => parse(runSettings.settings, ['--signing-key', 'x'])).toThrow(/unknown option/);
    expect(parse(runSettings.settings, ['--cache-token', 't'])).toEqual({ cacheToken: 't' });
  });

  it('every declared flag of every command parses back to its own key', () => {
    let checked = 0;
    for (const cmd of REFERENCE_COMMANDS)
      for (const s of cmd.settings) {
        if (!s.flag || (s.secret && !s.deprecatedFlag)) continue;
        const args = s.valueName ? [s.flag, 'v'] : [s.flag];
        expect(Object.keys(parse(cmd.settings, args)), `${cmd.command} ${s.flag}`).toEqual([s.key]);
        checked++;
      }
    console.log(`flags: ${checked} declared flags parsed back to their settings`);
  });
});
