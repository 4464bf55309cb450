import { describe, expect, it } from 'vitest';
import { slugify, titleCase } from './strings';

describe('slugify', () => {
  it('drops accents and punctuation', () => {
    expect(slugify('Crème Brûlée, deluxe!')).toBe('creme-brulee-deluxe');
  });
});

describe('titleCase', () => {
  it('capitalises every word', () => {
    expect(titleCase('nx fleet example')).toBe('Nx Fleet Example');
  });
});
