import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { highlyVariableGenesSeurat } from '../../../src/core/data/hvg.ts';
import { normalizeLog1p } from '../../../src/core/data/preprocess.ts';
import { decodeCompact, type CompactHeader } from '../../../src/core/data/compact_format.ts';
import type { CsrMatrix } from '../../../src/core/data/csr.ts';
import { csrFromRows } from '../fixtures/csr_rows.ts';

/** CSR of log1p(values) from dense rows of expm1-scale values, float64 so expm1 gives them back. */
const log1pCsr = (rows: number[][]): CsrMatrix => csrFromRows(rows, { indices: 'uint16', data: 'float64', value: Math.log1p });

// 4 cells x 8 genes on the expm1 scale; each column is one gene.
//   g0 0 0 0 0   mean 0 (-> 1e-12), var 0                          -> dispersion NaN
//   g1 1 1 1 1   mean 1, var 0                                      -> dispersion NaN
//   g2 0 2 0 2   mean 1, var (1+1+1+1)/3 = 4/3,  disp 4/3           -> ln(4/3)
//   g3 0 0 0 4   mean 1, var (1+1+1+9)/3 = 4,    disp 4             -> ln 4
//   g4 0 0 1 3   mean 1, var (1+1+0+4)/3 = 2,    disp 2             -> ln 2
//   g5 2 2 4 4   mean 3, var (1+1+1+1)/3 = 4/3,  disp 4/9           -> ln(4/9)
//   g6 0 0 0 12  mean 3, var (9+9+9+81)/3 = 36,  disp 12            -> ln 12
//   g7 7 7 7 9   mean 7.5, var (.25*3+2.25)/3=1, disp 1/7.5 = 2/15  -> ln(2/15)
const GENES_BY_COLUMN = [
  [0, 0, 0, 0],
  [1, 1, 1, 1],
  [0, 2, 0, 2],
  [0, 0, 0, 4],
  [0, 0, 1, 3],
  [2, 2, 4, 4],
  [0, 0, 0, 12],
  [7, 7, 7, 9],
];
const SMALL = log1pCsr([0, 1, 2, 3].map((cell) => GENES_BY_COLUMN.map((g) => g[cell])));

describe('highlyVariableGenesSeurat on a hand-computed example (3 bins)', () => {
  const res = highlyVariableGenesSeurat(SMALL, 3, 3);

  it('computes log1p(mean) and log dispersion per gene', () => {
    const lnMean = [Math.log1p(1e-12), Math.LN2, Math.LN2, Math.LN2, Math.LN2, Math.log(4), Math.log(4), Math.log(8.5)];
    const lnDisp = [NaN, NaN, Math.log(4 / 3), Math.log(4), Math.log(2), Math.log(4 / 9), Math.log(12), Math.log(2 / 15)];
    for (let j = 0; j < 8; j++) {
      expect(res.means[j]).toBeCloseTo(lnMean[j], 12);
      if (Number.isNaN(lnDisp[j])) expect(res.dispersions[j]).toBeNaN();
      else expect(res.dispersions[j]).toBeCloseTo(lnDisp[j], 12);
    }
  });

  it('z-scores dispersions within equal-width mean bins, a lone gene getting 1', () => {
    // log1p means span [1e-12, ln 8.5 = 2.1401]; 3 bins of width 0.7134, edges 0.7134 and 1.4267:
    //   bin 0: g0..g4 (ln 2 = 0.693), bin 1: g5, g6 (ln 4 = 1.386), bin 2: g7 (ln 8.5).
    // Bin 0 dispersions (g0, g1 are NaN and skipped): a = ln(4/3), b = ln 4, c = ln 2,
    //   mean m = ln(32/3)/3, std s = sqrt(((a-m)^2 + (b-m)^2 + (c-m)^2) / 2).
    const a = Math.log(4 / 3);
    const b = Math.log(4);
    const c = Math.log(2);
    const m = Math.log(32 / 3) / 3;
    const s = Math.sqrt(((a - m) ** 2 + (b - m) ** 2 + (c - m) ** 2) / 2);
    // Hand values: m = 0.789041, s = 0.555548.
    expect(m).toBeCloseTo(0.789041, 6);
    expect(s).toBeCloseTo(0.555548, 6);
    // Bin 1 holds two values: each sits |d|/2 from the mean with std |d|/sqrt(2), so -/+ 1/sqrt(2).
    // Bin 2 holds one gene: mean 0, std = its own dispersion, so exactly 1 (even though ln(2/15) < 0).
    const expected = [NaN, NaN, (a - m) / s, (b - m) / s, (c - m) / s, -Math.SQRT1_2, Math.SQRT1_2, 1];
    expect((a - m) / s).toBeCloseTo(-0.902459, 5);
    expect((b - m) / s).toBeCloseTo(1.07507, 5);
    expect((c - m) / s).toBeCloseTo(-0.172611, 5);
    for (let j = 0; j < 8; j++) {
      if (Number.isNaN(expected[j])) expect(res.dispersionsNorm[j]).toBeNaN();
      else expect(res.dispersionsNorm[j]).toBeCloseTo(expected[j], 12);
    }
  });

  it('keeps the top n by normalised dispersion, in dataset order', () => {
    // Ranking: g3 1.075, g7 1, g6 0.707, g4 -0.173, g5 -0.707, g2 -0.902.
    expect(res.selected).toEqual([3, 6, 7]);
    expect(highlyVariableGenesSeurat(SMALL, 1, 3).selected).toEqual([3]);
    expect(highlyVariableGenesSeurat(SMALL, 5, 3).selected).toEqual([3, 4, 5, 6, 7]);
  });

  it('never selects a gene whose dispersion is undefined, even when the cut-off is below 0', () => {
    // The 4th best is g4 at -0.173: the zero-variance genes g0 and g1 (NaN) must stay out.
    expect(highlyVariableGenesSeurat(SMALL, 4, 3).selected).toEqual([3, 4, 6, 7]);
    // Asking for more genes than have a dispersion returns every gene that has one.
    expect(highlyVariableGenesSeurat(SMALL, 100, 3).selected).toEqual([2, 3, 4, 5, 6, 7]);
  });
});

/**
 * scanpy's flavor='seurat' written out directly from its documentation, in float64 with a
 * two-pass variance: expm1, mean, var (ddof 1), log dispersion (0 -> NaN), log1p mean, pandas.cut
 * into equal-width right-closed bins (first edge lowered by 0.1 % of the range), per-bin z-score
 * (ddof 1; a lone gene gets mean 0, std = its dispersion), top n by normalised dispersion (NaN never).
 */
function referenceHvg(x: CsrMatrix, nTop: number, nBins: number) {
  const n = x.nRows;
  const g = x.nCols;
  const cols: number[][] = Array.from({ length: g }, () => []);
  for (let k = 0; k < x.data.length; k++) cols[x.indices[k]].push(Math.expm1(x.data[k]));
  const means: number[] = [];
  const disp: number[] = [];
  for (let j = 0; j < g; j++) {
    let mean = cols[j].reduce((s, v) => s + v, 0) / n;
    let ss = (n - cols[j].length) * mean * mean;
    for (const v of cols[j]) ss += (v - mean) ** 2;
    const variance = ss / (n - 1);
    if (mean === 0) mean = 1e-12;
    const d = variance / mean;
    disp.push(d === 0 ? NaN : Math.log(d));
    means.push(Math.log1p(mean));
  }
  const mn = Math.min(...means);
  const mx = Math.max(...means);
  const step = (mx - mn) / nBins;
  const edges = Array.from({ length: nBins + 1 }, (_, i) => mn + i * step);
  edges[nBins] = mx;
  edges[0] -= (mx - mn) * 0.001;
  const bin = means.map((v) => {
    let i = 0;
    while (!(v <= edges[i + 1])) i++;
    return i;
  });
  const byBin: number[][] = Array.from({ length: nBins }, () => []);
  disp.forEach((d, j) => {
    if (!Number.isNaN(d)) byBin[bin[j]].push(d);
  });
  const avg = byBin.map((v) => (v.length ? v.reduce((s, t) => s + t, 0) / v.length : NaN));
  const dev = byBin.map((v, b) => (v.length > 1 ? Math.sqrt(v.reduce((s, t) => s + (t - avg[b]) ** 2, 0) / (v.length - 1)) : NaN));
  for (let b = 0; b < nBins; b++) {
    if (Number.isNaN(dev[b])) {
      dev[b] = avg[b];
      avg[b] = 0;
    }
  }
  const norm = disp.map((d, j) => (d - avg[bin[j]]) / dev[bin[j]]);
  const order = norm
    .map((v, j) => [v, j] as const)
    .filter(([v]) => !Number.isNaN(v))
    .sort((p, q) => q[0] - p[0]);
  const cut = order[Math.min(nTop, order.length) - 1][0];
  const selected = norm.flatMap((v, j) => (v >= cut ? [j] : []));
  return { means, disp, norm, bin, selected };
}

describe('highlyVariableGenesSeurat on pbmc3k (2,000 genes)', () => {
  const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
  const body = readFileSync('public/data/pbmc3k/dataset.bin');
  const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));

  it('matches an independent implementation and picks the classic PBMC markers', () => {
    // Independent normalisation: log1p(count * 1e4 / library size), stored as float32 like AnnData's X.
    const m = ds.matrix;
    const logData = new Float32Array(m.data.length);
    for (let r = 0; r < m.nRows; r++) {
      let total = 0;
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) total += m.data[k];
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) logData[k] = Math.log1p((m.data[k] * 1e4) / total);
    }
    const coreLog = normalizeLog1p(m, 1e4);
    let maxRel = 0;
    for (let k = 0; k < logData.length; k++) maxRel = Math.max(maxRel, Math.abs(coreLog.data[k] - logData[k]) / logData[k]);
    expect(maxRel).toBeLessThanOrEqual(2 ** -23);

    const ref = referenceHvg({ ...m, data: logData }, 2000, 20);
    const res = highlyVariableGenesSeurat(coreLog, 2000);
    expect(ref.selected.length).toBe(2000);
    expect(res.selected.length).toBe(2000);
    expect(res.selected).toEqual(ref.selected);

    let worstMean = 0;
    let worstNorm = 0;
    for (let j = 0; j < m.nCols; j++) {
      worstMean = Math.max(worstMean, Math.abs(res.means[j] - ref.means[j]));
      if (Number.isNaN(ref.norm[j])) expect(res.dispersionsNorm[j]).toBeNaN();
      else worstNorm = Math.max(worstNorm, Math.abs(res.dispersionsNorm[j] - ref.norm[j]));
    }
    expect(worstMean).toBeLessThan(1e-6);
    expect(worstNorm).toBeLessThan(1e-6);

    const chosen = new Set(res.selected.map((j) => ds.genes[j]));
    for (const gene of ['LYZ', 'S100A8', 'GNLY', 'NKG7', 'PPBP', 'CD79A', 'FCGR3A']) expect(chosen.has(gene), gene).toBe(true);
  });
});
