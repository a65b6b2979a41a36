import { describe, expect, it } from 'vitest';
import { alignGenes, librarySizes, modelInput, normalizeLog1p, type PreprocessStep } from '../../../src/core/data/preprocess.ts';
import { csrGet, type CsrMatrix } from '../../../src/core/data/csr.ts';
import type { Dataset } from '../../../src/core/data/dataset.ts';
import { expectClose } from '../attribution/helpers.ts';
import { csrFromRows } from '../fixtures/csr_rows.ts';

/** CSR from dense rows (zeros not stored), Uint16 indices as the h5ad reader gives. */
const csr = (rows: number[][]): CsrMatrix => csrFromRows(rows, { indices: 'uint16' });

function dense(m: CsrMatrix): number[] {
  const out: number[] = [];
  for (let r = 0; r < m.nRows; r++) for (let c = 0; c < m.nCols; c++) out.push(csrGet(m, r, c));
  return out;
}

// Counts, 3 cells x 4 genes (CD3E, LYZ, MS4A1, NKG7); library sizes 4, 10 and 5.
const COUNTS = [
  [1, 0, 3, 0],
  [0, 2, 2, 6],
  [5, 0, 0, 0],
];
// normalize_total(1e4) then log1p, by hand:
//   cell 0: scale 1e4/4 = 2500  -> 1*2500 = 2500, 3*2500 = 7500 -> ln(2501), ln(7501)
//   cell 1: scale 1e4/10 = 1000 -> 2000, 2000, 6000           -> ln(2001), ln(2001), ln(6001)
//   cell 2: scale 1e4/5 = 2000  -> 5*2000 = 10000              -> ln(10001)
const LN_2501 = 7.824445930877619;
const LN_7501 = 8.922791623969637;
const LN_2001 = 7.601402334583733;
const LN_6001 = 8.699681400989514;
const LN_10001 = 9.210440366976517;
const LOGNORM = [
  [LN_2501, 0, LN_7501, 0],
  [0, LN_2001, LN_2001, LN_6001],
  [LN_10001, 0, 0, 0],
];
const F32_RTOL = 2 ** -23;

function countsDataset(): Dataset {
  return {
    name: 'hand',
    matrix: csr(COUNTS),
    valueKind: 'counts',
    genes: ['CD3E', 'LYZ', 'MS4A1', 'NKG7'],
    cellIds: ['a', 'b', 'c'],
    obs: {},
    obsm: {},
  };
}

const NORM_LOG: PreprocessStep[] = [{ op: 'normalize_total', targetSum: 1e4 }, { op: 'log1p' }, { op: 'select_genes' }];

describe('normalize_total + log1p', () => {
  it('matches the hand-computed 3 x 4 example and keeps the sparsity', () => {
    const m = csr(COUNTS);
    expect(Array.from(librarySizes(m))).toEqual([4, 10, 5]);
    const out = normalizeLog1p(m, 1e4);
    expect(out.data).toBeInstanceOf(Float32Array);
    expect(out.data.length).toBe(6);
    expect(out.indices).toBe(m.indices);
    expectClose(dense(out), LOGNORM.flat(), F32_RTOL);
    // Each cell sums to 1e4 before the log.
    for (let r = 0; r < 3; r++) {
      let s = 0;
      for (let k = out.indptr[r]; k < out.indptr[r + 1]; k++) s += Math.expm1(out.data[k]);
      expect(s).toBeCloseTo(1e4, 1);
    }
  });

  it('leaves a cell with no counts at zero instead of dividing by zero', () => {
    const out = normalizeLog1p(
      csr([
        [0, 0],
        [0, 4],
      ]),
      1e4,
    );
    expect(dense(out)).toEqual([0, 0, 0, Math.fround(Math.log(10001))]);
  });
});

describe('gene alignment', () => {
  it('matches exactly, then case-insensitively, and reports missing genes in model order', () => {
    const a = alignGenes(['CD3E', 'LYZ', 'MS4A1', 'NKG7'], ['nkg7', 'CD3E', 'GNLY', 'Lyz', 'PPBP']);
    expect(Array.from(a.datasetColumn)).toEqual([3, 0, -1, 1, -1]);
    expect(a.nMatched).toBe(3);
    expect(a.nModelGenes).toBe(5);
    expect(a.missing).toEqual(['GNLY', 'PPBP']);
  });

  it('prefers an exact match over a case-folded one, and the first of duplicated symbols', () => {
    const a = alignGenes(['Foo', 'FOO', 'BAR', 'BAR'], ['FOO', 'foo', 'BAR', 'bar']);
    // 'FOO' exact -> 1; 'foo' folds to FOO, first folded column is 'Foo' at 0; 'BAR' -> first, 2.
    expect(Array.from(a.datasetColumn)).toEqual([1, 0, 2, 2]);
  });
});

describe('modelInput', () => {
  it('normalises counts over all genes, then reorders them to the model, filling a missing gene with 0', () => {
    const ds = countsDataset();
    const align = alignGenes(ds.genes, ['nkg7', 'CD3E', 'GNLY', 'Lyz']);
    const x = modelInput(ds, NORM_LOG, align);
    expect(x.length).toBe(3 * 4);
    // Model order: NKG7, CD3E, (GNLY missing), LYZ.
    expectClose(
      x,
      [
        [0, LN_2501, 0, 0],
        [LN_6001, 0, 0, LN_2001],
        [0, LN_10001, 0, 0],
      ].flat(),
      F32_RTOL,
    );
  });

  it('returns only the requested rows, in the requested order', () => {
    const ds = countsDataset();
    const align = alignGenes(ds.genes, ['CD3E', 'NKG7']);
    expectClose(modelInput(ds, NORM_LOG, align, [2, 0]), [LN_10001, 0, LN_2501, 0], F32_RTOL);
  });

  it('fills every model gene that maps to the same dataset column', () => {
    const ds = countsDataset();
    const align = alignGenes(ds.genes, ['LYZ', 'lyz', 'Lyz']);
    expect(Array.from(align.datasetColumn)).toEqual([1, 1, 1]);
    expectClose(modelInput(ds, NORM_LOG, align), [0, 0, 0, LN_2001, LN_2001, LN_2001, 0, 0, 0], F32_RTOL);
  });

  it('does not normalise or log a dataset that is already normalised', () => {
    const already: Dataset = { ...countsDataset(), valueKind: 'normalized', matrix: csr(LOGNORM) };
    const align = alignGenes(already.genes, ['MS4A1', 'CD3E']);
    const x = modelInput(already, NORM_LOG, align);
    // Passed through as stored (float32), not log1p(1e4 * x / total) again.
    expect(Array.from(x)).toEqual([LN_7501, LN_2501, LN_2001, 0, 0, LN_10001].map(Math.fround));
  });

  it('applies normalize_total without log1p when the model records only that step', () => {
    const ds = countsDataset();
    const x = modelInput(ds, [{ op: 'normalize_total', targetSum: 100 }], alignGenes(ds.genes, ds.genes));
    // 100 / 4 = 25 per count; 100 / 10 = 10; 100 / 5 = 20.
    expect(Array.from(x)).toEqual([25, 0, 75, 0, 0, 20, 20, 60, 100, 0, 0, 0]);
  });

  it('scales with the recorded mean and std and clips to ±maxValue', () => {
    // Already-normalised values, 3 cells x 3 genes.
    const ds: Dataset = {
      ...countsDataset(),
      valueKind: 'normalized',
      genes: ['A', 'B', 'C'],
      matrix: csr([
        [1, 0, 0],
        [3, 4, 0],
        [0.25, 1.5, 0],
      ]),
    };
    const scale: PreprocessStep = { op: 'scale', mean: [2, 1, 0.5], std: [0.5, 1, 0], maxValue: 2.5 };
    const x = modelInput(ds, [{ op: 'log1p' }, scale], alignGenes(ds.genes, ds.genes));
    // (x - mean) / std, std 0 treated as 1 (as scanpy does), then clip to [-2.5, 2.5]:
    //   cell 0: (1-2)/0.5 = -2,      (0-1)/1 = -1,   (0-0.5)/1 = -0.5
    //   cell 1: (3-2)/0.5 = 2,       (4-1)/1 = 3 -> 2.5, -0.5
    //   cell 2: (0.25-2)/0.5 = -3.5 -> -2.5, (1.5-1)/1 = 0.5, -0.5
    expect(Array.from(x)).toEqual([-2, -1, -0.5, 2, 2.5, -0.5, -2.5, 0.5, -0.5]);
    // Without maxValue nothing is clipped.
    const y = modelInput(ds, [{ ...scale, maxValue: undefined }], alignGenes(ds.genes, ds.genes));
    expect(Array.from(y)).toEqual([-2, -1, -0.5, 2, 3, -0.5, -3.5, 0.5, -0.5]);
  });

  it('scales a missing gene from 0, after normalisation of the counts', () => {
    const ds = countsDataset();
    const steps: PreprocessStep[] = [...NORM_LOG, { op: 'scale', mean: [8, 1], std: [2, 0.5], maxValue: 10 }];
    const x = modelInput(ds, steps, alignGenes(ds.genes, ['MS4A1', 'GNLY']));
    // MS4A1: (ln 7501 - 8)/2, (ln 2001 - 8)/2, (0 - 8)/2 = -4; GNLY missing: (0 - 1)/0.5 = -2.
    expectClose(x, [(LN_7501 - 8) / 2, -2, (LN_2001 - 8) / 2, -2, -4, -2], 1e-6);
  });
});
