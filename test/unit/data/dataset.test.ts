import { describe, expect, it } from 'vitest';
import { categoricalFromStrings } from '../../../src/core/data/dataset.ts';

describe('categoricalFromStrings', () => {
  it('orders categories by frequency, then by name, and codes each cell', () => {
    const col = categoricalFromStrings(['NK', 'B', 'T', 'B', 'T', 'DC', 'T', 'NK']);
    // Counts: T 3, B 2, NK 2, DC 1; B and NK tie and sort by name.
    expect(col.type).toBe('categorical');
    expect(col.categories).toEqual(['T', 'B', 'NK', 'DC']);
    expect(Array.from(col.codes)).toEqual([2, 1, 0, 1, 0, 3, 0, 2]);
    expect(col.codes).toBeInstanceOf(Int32Array);
  });

  it('handles an empty column', () => {
    const col = categoricalFromStrings([]);
    expect(col.categories).toEqual([]);
    expect(col.codes.length).toBe(0);
  });
});
