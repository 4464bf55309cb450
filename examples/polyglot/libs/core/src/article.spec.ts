import { describe, expect, it } from 'vitest';
import { articleUrl } from './article';

describe('articleUrl', () => {
  it('joins the id and the slug of the title', () => {
    expect(articleUrl({ id: 42, title: 'Hello, World' })).toBe('/articles/42-hello-world');
  });
});
