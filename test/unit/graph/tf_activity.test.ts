import { describe, expect, it } from 'vitest';
import type { GrnEdge } from '../../../src/core/graph/grn';
import { buildRegulons, contrastActivity, tfActivity, tfActivityDense, ULM_MIN_TARGETS } from '../../../src/core/graph/tf_activity';
import { lcg } from '../../../src/core/graph/layout';
import { csrFromRows as csr } from '../fixtures/csr_rows.ts';

const edge = (regulator: string, target: string, weight: number): GrnEdge => ({
  regulator,
  target,
  weight,
  sign: weight > 0 ? 1 : weight < 0 ? -1 : 0,
  source: 'test',
});

describe('ULM TF activity', () => {
  // Genes G1..G4; TF T regulates G1 (+1), G2 (-1), G4 (+1). One cell y = [1, 2, 0, 3].
  // x = [1, -1, 0, 1]: x̄ = 1/4, ȳ = 3/2, Sxx = 11/4, Sxy = 1/2, Syy = 5, so r² = (1/2)² / (11/4 · 5) = 1/55
  // and t = r·√(2 / (1 − r²)) = √(1/55 · 110/54) = 1/√27 = 0.19245...; the weighted mean is (1 − 2 + 3)/3 = 2/3.
  const genes = ['G1', 'G2', 'G3', 'G4'];
  const net = [edge('T', 'G1', 1), edge('T', 'g2', -1), edge('T', 'G4', 1), edge('T', 'NOT_IN_DATA', 1)];
  const x = csr([[1, 2, 0, 3]]);

  it('gives t = 1/√27 on the hand-computed example', async () => {
    const regulons = buildRegulons(net, genes);
    expect(regulons.tfs).toEqual(['T']);
    expect(Array.from(regulons.nTargets)).toEqual([3]);
    const result = await tfActivity(x, regulons, { minTargets: 1 });
    expect(result.methods).toEqual(['ulm']);
    expect(result.scores[0]).toBeCloseTo(1 / Math.sqrt(27), 6);
  });

  it('falls back to the weighted mean Σw·y / Σ|w| = 2/3 below the threshold of 5 targets', async () => {
    expect(ULM_MIN_TARGETS).toBe(5);
    const result = await tfActivity(x, buildRegulons(net, genes));
    expect(result.methods).toEqual(['wmean']);
    expect(result.scores[0]).toBeCloseTo(2 / 3, 6);
  });

  it('averages repeated pairs (activation + repression cancel) and drops TFs left with nothing', () => {
    const regulons = buildRegulons([edge('A', 'G1', 1), edge('A', 'G1', -1), edge('B', 'G2', 1), edge('B', 'G2', 0.5)], genes);
    expect(regulons.tfs).toEqual(['B']);
    expect(Array.from(regulons.weight)).toEqual([0.75]);
  });

  it('matches a dense least-squares reference on random sparse data within 1e-4 (relative)', async () => {
    const random = lcg(42);
    const nGenes = 300;
    const nCells = 40;
    const dense = Array.from({ length: nCells }, () =>
      Array.from({ length: nGenes }, () => (random() < 0.3 ? Math.fround(Math.log1p(10 * random())) : 0)),
    );
    const geneNames = Array.from({ length: nGenes }, (_, j) => `G${j}`);
    const edges: GrnEdge[] = [];
    for (let t = 0; t < 25; t++) {
      const size = 2 + Math.floor(random() * 40);
      for (let k = 0; k < size; k++) edges.push(edge(`TF${t}`, `G${Math.floor(random() * nGenes)}`, random() < 0.8 ? 1 : -1));
    }
    const regulons = buildRegulons(edges, geneNames);
    const m = csr(dense);
    const fast = await tfActivity(m, regulons, { chunkCells: 7 });
    const cells = Array.from({ length: nCells }, (_, i) => i);
    const ref = tfActivityDense(m, regulons, cells);
    expect(fast.methods.filter((k) => k === 'wmean').length).toBeGreaterThan(0);
    expect(fast.methods.filter((k) => k === 'ulm').length).toBeGreaterThan(10);
    let worst = 0;
    for (let i = 0; i < ref.length; i++) worst = Math.max(worst, Math.abs(fast.scores[i] - ref[i]) / Math.max(1, Math.abs(ref[i])));
    expect(worst).toBeLessThan(1e-4);
  });

  it('marks an empty cell NaN and stops when cancelled', async () => {
    const regulons = buildRegulons(net, genes);
    const result = await tfActivity(csr([[0, 0, 0, 0]]), regulons, { minTargets: 1 });
    expect(result.scores[0]).toBeNaN();
    await expect(tfActivity(x, regulons, { signal: { aborted: true } })).rejects.toThrow('TF activity was cancelled.');
  });
});

describe('contrastActivity', () => {
  it("computes the mean difference and Welch's t, sorted by |t|", () => {
    // TF A: selection [1, 2, 3], rest [0, 0, 1, 1]; TF B: both groups identical in mean.
    const scores = Float32Array.from([1, 2, 3, 0, 0, 1, 1, 5, 1, 3, 3, 3, 3, 3]);
    const mask = Uint8Array.from([1, 1, 1, 0, 0, 0, 0]);
    const rows = contrastActivity(
      { tfs: ['A', 'B'], nCells: 7, scores, methods: ['ulm', 'ulm'], nTargets: Uint32Array.from([9, 9]) },
      mask,
    );
    // A: m1 = 2, v1 = 1; m0 = 0.5, v0 = 1/3; t = 1.5 / √(1/3 + 1/12) = 1.5 / √(5/12).
    expect(rows[0].tf).toBe('A');
    expect(rows[0].difference).toBeCloseTo(1.5, 12);
    expect(rows[0].welchT).toBeCloseTo(1.5 / Math.sqrt(5 / 12), 10);
    // df = (1/3 + 1/12)² / ((1/3)²/2 + (1/12)²/3)
    expect(rows[0].df).toBeCloseTo((5 / 12) ** 2 / (1 / 18 + 1 / 432), 10);
    expect(rows[1].tf).toBe('B');
    expect(rows[1].difference).toBeCloseTo(0, 12);
  });
});
