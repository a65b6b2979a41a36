import { describe, expect, it } from 'vitest';
import { syntheticCounts } from '../../../src/core/data/synthetic.ts';
import { cscFromCsr } from '../../../src/core/data/csc.ts';

describe('synthetic count matrix for the recolour bench', () => {
  it('detects gene j in about 30 %/(1 + j/5) of cells, with sorted column indices and counts 1..8', () => {
    const m = syntheticCounts(20_000, 300, 3);
    const csc = cscFromCsr(m);
    const rate = (j: number) => (csc.colPtr[j + 1] - csc.colPtr[j]) / 20_000;
    expect(rate(0)).toBeCloseTo(0.3, 1);
    expect(Math.abs(rate(10) - 0.1)).toBeLessThan(0.01);
    expect(Math.abs(rate(40) - 0.3 / 9)).toBeLessThan(0.006);
    // Rare genes (geometric skipping) are still detected at roughly their rate.
    const rare = Array.from({ length: 100 }, (_, t) => rate(200 + t)).reduce((a, b) => a + b, 0) / 100;
    const expected = Array.from({ length: 100 }, (_, t) => Math.max(0.001, 0.3 / (1 + (200 + t) / 5))).reduce((a, b) => a + b, 0) / 100;
    expect(Math.abs(rare - expected) / expected).toBeLessThan(0.05);
    for (let r = 0; r < 50; r++)
      for (let k = m.indptr[r] + 1; k < m.indptr[r + 1]; k++) expect(m.indices[k]).toBeGreaterThan(m.indices[k - 1]);
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of m.data) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect([lo, hi]).toEqual([1, 8]);
  });
});
