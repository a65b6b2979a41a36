/** Violin / dot-plot summaries against direct computations on a seeded sample. */
import { describe, expect, it } from 'vitest';
import { summariseGene } from '../../../src/core/stats/gene_summary.ts';
import { mulberry32 } from '../../../src/core/random.ts';

describe('gene summaries', () => {
  it('fractions, means and quartiles per group; densities integrate to 1', () => {
    const rand = mulberry32(4);
    const n = 3000;
    const values = new Float32Array(n);
    const codes = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      codes[i] = i % 3 === 0 ? -1 : i % 3 === 1 ? 0 : 1;
      // Group 0: zero 40 % of the time, else ~U(1, 3); group 1: ~U(0, 5), never zero.
      values[i] = codes[i] === 0 ? (rand() < 0.4 ? 0 : 1 + 2 * rand()) : codes[i] === 1 ? 1e-3 + 5 * rand() : 100;
    }
    const s = summariseGene(values, codes, 2);
    for (let g = 0; g < 2; g++) {
      const v = [...values].filter((_, i) => codes[i] === g).sort((a, b) => a - b);
      const mean = v.reduce((a, b) => a + b, 0) / v.length;
      expect(s.groups[g].n).toBe(v.length);
      expect(s.groups[g].mean).toBeCloseTo(mean, 5);
      expect(s.groups[g].fracExpressing).toBeCloseTo(v.filter((x) => x !== 0).length / v.length, 12);
      // Quartiles come from 512 bins over [0, 5]: within one bin width (~0.01).
      expect(Math.abs(s.groups[g].quartiles[2] - v[Math.floor((v.length - 1) / 2)])).toBeLessThan(0.011);
      expect(Math.abs(s.groups[g].quartiles[4] - v[v.length - 1])).toBeLessThan(0.011);
      // Trapezoid over the grid.
      let area = 0;
      for (let k = 1; k < s.grid.length; k++)
        area += ((s.groups[g].density[k] + s.groups[g].density[k - 1]) / 2) * (s.grid[k] - s.grid[k - 1]);
      // Group 0's 40 % spike at 0 loses half its kernel below 0 (0.2); group 1 loses a little at both ends.
      expect(area).toBeGreaterThan(g === 0 ? 0.78 : 0.9);
      expect(area).toBeLessThan(1.01);
    }
    // Cells in no group (the 100s) do not stretch the grid.
    expect(s.grid[s.grid.length - 1]).toBeLessThan(5.01);
    // Group 0 has a spike at 0: its density there is far above group 1's.
    expect(s.groups[0].density[0]).toBeGreaterThan(3 * s.groups[1].density[0]);
  });
});
