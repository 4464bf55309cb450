import { describe, expect, it } from 'vitest';
import { excludeNestedTests, nestedProjectDirs } from '../../graph';

// Issue #12 §4: a test command leaves the tests of projects nested in its folder to them.
describe('excludeNestedTests / nestedProjectDirs', () => {
  const roots = ['packages/a', 'packages/a/plugins/b', 'packages/a/plugins/b/c', 'packages/ab', 'py/app', 'py/app/sub'];

  it('lists the outermost project folders strictly inside a root, relative to it', () => {
    expect(nestedProjectDirs('packages/a', roots)).toEqual(['plugins/b']);
    expect(nestedProjectDirs('packages/ab', roots)).toEqual([]);
    expect(nestedProjectDirs('.', [...roots, '.'])).toEqual(['packages/a', 'packages/ab', 'py/app']);
  });

  it('adds vitest --exclude and pytest --ignore flags, quoted; leaves jest and unittest alone', () => {
    const vitest = { command: 'vitest run', metadata: { technologies: ['vitest'] } };
    expect(excludeNestedTests(vitest, ['plugins/b', "it's"]).command).toBe(
      "vitest run --exclude 'plugins/b/**' --exclude 'it'\\''s/**'",
    );
    const pytest = {
      options: { command: 'python3 -m pytest', cwd: 'py/app' },
      metadata: { technologies: ['python', 'pytest'] },
    };
    expect(excludeNestedTests(pytest, ['sub']).options.command).toBe("python3 -m pytest --ignore='sub'");
    const jest = { command: 'jest', metadata: { technologies: ['jest'] } };
    expect(excludeNestedTests(jest, ['sub'])).toBe(jest);
    expect(excludeNestedTests(vitest, [])).toBe(vitest);
  });
});
