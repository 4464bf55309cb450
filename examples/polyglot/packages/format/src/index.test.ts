import { describe, expect, it } from 'vitest';
import { formatTable } from './index';

describe('formatTable', () => {
  it('pads every column to its widest cell', () => {
    expect(formatTable([['id', 'title'], ['1', 'Hello']])).toBe('id  title\n1   Hello');
  });
});
