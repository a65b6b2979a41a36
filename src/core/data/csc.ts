/**
 * A column-major (CSC) copy of the expression matrix, so one gene's values for every cell are a
 * contiguous slice: colouring 2M cells by a gene reads that slice instead of binary-searching
 * 2M rows. Built once per dataset, on first use, in the worker.
 */
import type { CsrMatrix } from './csr.ts';

/** `[nRows, nCols]` sparse matrix by column: `colPtr` [nCols+1], `rowIndices` [nnz] ascending per column, `data` [nnz]. */
export interface CscMatrix {
  nRows: number;
  nCols: number;
  colPtr: Uint32Array;
  rowIndices: Uint32Array;
  data: Float32Array;
}

/** Transposes the storage of `m` (counting sort over columns, O(nnz), rows stay ascending within a column). */
export function cscFromCsr(m: CsrMatrix): CscMatrix {
  const nnz = m.indptr[m.nRows];
  const colPtr = new Uint32Array(m.nCols + 1);
  for (let k = 0; k < nnz; k++) colPtr[m.indices[k] + 1]++;
  for (let c = 0; c < m.nCols; c++) colPtr[c + 1] += colPtr[c];
  const fill = colPtr.slice(0, m.nCols);
  const rowIndices = new Uint32Array(nnz);
  const data = new Float32Array(nnz);
  for (let r = 0; r < m.nRows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
      const dst = fill[m.indices[k]]++;
      rowIndices[dst] = r;
      data[dst] = m.data[k];
    }
  }
  return { nRows: m.nRows, nCols: m.nCols, colPtr, rowIndices, data };
}

/**
 * One gene's expression for every cell, `[nRows]` float32, in the units the app shows:
 * log1p(counts / librarySize * targetSum) when `librarySizes` is given (count data, scanpy's
 * normalize_total + log1p), or the stored values as they are (data already normalised).
 */
export function geneExpression(
  csc: CscMatrix,
  col: number,
  librarySizes: Float64Array | null,
  targetSum = 1e4,
  out?: Float32Array,
): Float32Array {
  const values = out && out.length === csc.nRows ? out.fill(0) : new Float32Array(csc.nRows);
  for (let k = csc.colPtr[col]; k < csc.colPtr[col + 1]; k++) {
    const r = csc.rowIndices[k];
    const v = csc.data[k];
    if (librarySizes) {
      const lib = librarySizes[r];
      values[r] = lib > 0 ? Math.log1p((v / lib) * targetSum) : 0;
    } else values[r] = v;
  }
  return values;
}
