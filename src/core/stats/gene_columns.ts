/**
 * Per-gene access to expression: a compressed sparse column copy of the counts plus the per-cell
 * factor of normalize_total, so a gene's values (log1p CP10k) are computed in float64 on demand
 * without a dense matrix or a second float copy of the data.
 */
import type { CsrMatrix, CsrValues } from '../data/csr.ts';

/** A CSC matrix: `indptr` [nCols+1], `indices` [nnz] row ids ascending per column, `data` [nnz]. */
export interface CscMatrix {
  nRows: number;
  nCols: number;
  indptr: Uint32Array;
  indices: Uint32Array;
  data: CsrValues;
}

/** Transposes the storage of a CSR matrix into CSC (same values, same type); O(nnz). */
export function cscFromCsr(m: CsrMatrix): CscMatrix {
  const nnz = m.data.length;
  const indptr = new Uint32Array(m.nCols + 1);
  for (let k = 0; k < nnz; k++) indptr[m.indices[k] + 1]++;
  for (let c = 0; c < m.nCols; c++) indptr[c + 1] += indptr[c];
  const cursor = indptr.slice(0, m.nCols);
  const indices = new Uint32Array(nnz);
  const data = new (m.data.constructor as new (n: number) => CsrValues)(nnz);
  // Rows are visited in order, so row ids come out ascending within each column.
  for (let r = 0; r < m.nRows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
      const at = cursor[m.indices[k]]++;
      indices[at] = r;
      data[at] = m.data[k];
    }
  }
  return { nRows: m.nRows, nCols: m.nCols, indptr, indices, data };
}

/**
 * Expression by gene: value(cell, gene) = log1p(stored × cellScale[cell]) when `isLog1p`
 * (counts through normalize_total + log1p, in float64 as scanpy/SciPy compute it), else the stored value.
 */
export interface GeneColumns {
  csc: CscMatrix;
  /** `[nCells]` multiplier before log1p (targetSum / library size); null = 1. */
  cellScale: Float64Array | null;
  isLog1p: boolean;
  /** What the values are, for tables and exports (e.g. "log1p CP10k"). */
  scaleName: string;
}

/**
 * Builds per-gene access for a dataset's matrix. Counts get normalize_total(`targetSum`) + natural
 * log1p (library size = the cell's total over every gene); already-normalised values are used as stored.
 */
export function geneColumns(m: CsrMatrix, valueKind: 'counts' | 'normalized', targetSum = 1e4): GeneColumns {
  const csc = cscFromCsr(m);
  if (valueKind !== 'counts') return { csc, cellScale: null, isLog1p: false, scaleName: 'expression as stored in the file' };
  const cellScale = new Float64Array(m.nRows);
  for (let r = 0; r < m.nRows; r++) {
    let total = 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) total += m.data[k];
    cellScale[r] = total > 0 ? targetSum / total : 0;
  }
  return { csc, cellScale, isLog1p: true, scaleName: `log1p(counts per ${targetSum.toLocaleString('en-US')})` };
}

/** The value of stored entry `k` (a position in `csc.data`) for cell `row`. */
export function entryValue(g: GeneColumns, k: number, row: number): number {
  const v = g.csc.data[k];
  if (!g.isLog1p) return v;
  return Math.log1p(v * g.cellScale![row]);
}

/** One gene's expression for every cell: `[nCells]` float32 (zeros where not stored). */
export function geneValues(g: GeneColumns, gene: number): Float32Array {
  const out = new Float32Array(g.csc.nRows);
  for (let k = g.csc.indptr[gene]; k < g.csc.indptr[gene + 1]; k++) {
    const r = g.csc.indices[k];
    out[r] = entryValue(g, k, r);
  }
  return out;
}
