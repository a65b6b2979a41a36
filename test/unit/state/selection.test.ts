import { describe, expect, it } from 'vitest';
import { combineMasks, indicesToMask, maskToIndices } from '../../../src/state/selection.svelte.ts';

describe('selection masks', () => {
  const a = Uint8Array.from([1, 1, 0, 0, 1]);
  const b = Uint8Array.from([0, 1, 1, 0, 0]);
  it('replace, add and subtract combine as set operations', () => {
    expect(Array.from(combineMasks(a, b, 'replace')!)).toEqual([0, 1, 1, 0, 0]);
    expect(Array.from(combineMasks(a, b, 'add')!)).toEqual([1, 1, 1, 0, 1]);
    expect(Array.from(combineMasks(a, b, 'subtract')!)).toEqual([1, 0, 0, 0, 1]);
    expect(combineMasks(b, b, 'subtract')).toBeNull();
    expect(Array.from(combineMasks(null, b, 'add')!)).toEqual([0, 1, 1, 0, 0]);
  });
  it('indices and masks round-trip', () => {
    expect(Array.from(maskToIndices(a))).toEqual([0, 1, 4]);
    expect(Array.from(indicesToMask([4, 0, 1], 5))).toEqual([1, 1, 0, 0, 1]);
  });
});
