import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { installIfChanged, planInstall } from '../../runner/install-step';
import { redact } from '../../runner/redis-watch';

const dirs: string[] = [];
const dir = (files: Record<string, string>): string => {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'fleet-install-'));
  dirs.push(d);
  for (const [f, c] of Object.entries(files)) fs.writeFileSync(path.join(d, f), c);
  return d;
};
afterEach(() => {
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

describe('agent install step', () => {
  it('picks the command from the lockfile', () => {
    expect(planInstall(dir({ 'package-lock.json': '{}' }))?.command).toBe('npm ci');
    expect(planInstall(dir({ 'pnpm-lock.yaml': '' }))?.command).toBe('pnpm install --frozen-lockfile');
    expect(planInstall(dir({ 'yarn.lock': '' }))?.command).toBe('yarn install --frozen-lockfile');
    expect(planInstall(dir({ 'yarn.lock': '', '.yarnrc.yml': '' }))?.command).toBe('yarn install --immutable');
    expect(planInstall(dir({ 'bun.lock': '' }))?.command).toBe('bun install --frozen-lockfile');
    expect(planInstall(dir({}))).toBeUndefined();
    expect(planInstall(dir({ 'package-lock.json': '{}' }), 'none')).toBeUndefined();
  });

  it('runs the command once per lockfile content, and reports a failing one with its output', async () => {
    const d = dir({
      'package-lock.json': '{"v":1}',
      'count.js': "require('fs').appendFileSync('ran.txt', 'x'); console.log('hello from install')",
    });
    const lines: string[] = [];
    const cmd = `${JSON.stringify(process.execPath)} count.js`;
    expect(await installIfChanged(d, cmd, (l) => lines.push(l))).toEqual({ ran: true, ok: true });
    expect(lines).toContain('hello from install');
    expect(await installIfChanged(d, cmd, () => undefined)).toEqual({ ran: false });
    fs.writeFileSync(path.join(d, 'package-lock.json'), '{"v":2}');
    expect(await installIfChanged(d, cmd, () => undefined)).toEqual({ ran: true, ok: true });
    expect(fs.readFileSync(path.join(d, 'ran.txt'), 'utf8')).toBe('xx');
    const bad = await installIfChanged(
      d,
      `${JSON.stringify(process.execPath)} -e "console.error('no registry'); process.exit(3)"`,
      () => undefined,
    );
    expect(bad).toMatchObject({ ran: true, ok: false });
    expect((bad as { message: string }).message).toMatch(/exited 3: no registry/);
  });

  it('redacts passwords in Redis URLs for messages', () => {
    expect(redact('redis://:hunter2@host:6379/0')).toBe('redis://:***@host:6379/0');
    expect(redact('rediss://user:hunter2@host:6380')).toBe('rediss://user:***@host:6380');
    expect(redact('redis://host:6379')).toBe('redis://host:6379');
  });
});
