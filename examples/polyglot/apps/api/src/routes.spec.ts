import { describe, expect, it } from 'vitest';
import { renderIndex } from './routes';

describe('renderIndex', () => {
  it('lists every article with its url', () => {
    const text = renderIndex([
      { id: 1, title: 'First post' },
      { id: 12, title: 'Nx, fleets & caches' },
    ]);
    expect(text).toBe('id  url\n1   /articles/1-first-post\n12  /articles/12-nx-fleets-caches');
  });
});
