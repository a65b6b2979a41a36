/**
 * Compressed sparse row matrices: the one in-memory layout for expression data.
 * Rows are cells (obs), columns are genes (var).
 */

/** Typed arrays a CSR matrix may hold its values in. Integer counts fit Uint16/Uint32 losslessly. */
export type CsrValues = Float32Array | Float64Array | Uint16Array | Uint32Array | Int32Array;

/** A sparse matrix: `indptr` [nRows+1], `indices` [nnz] column ids sorted per row, `data` [nnz]. */
export interface CsrMatrix {
  nRows: number;
  nCols: number;
  indptr: Uint32Array;
  indices: Uint32Array | Uint16Array;
  data: CsrValues;
}

/**
 * Builds a CSR matrix from coordinate triplets (0-based), summing duplicates is NOT done:
 * MatrixMarket files may not repeat an entry, so a repeat is reported as an error.
 * `describeEntry` names a 0-based (row, col) in the user's own terms for that error
 * (a reader that transposed its file passes the file's row/column order back).
 */
export function csrFromCoo(
  nRows: number,
  nCols: number,
  rows: Uint32Array,
  cols: Uint32Array,
  values: Float64Array | Float32Array,
  describeEntry: (row: number, col: number) => string = (r, c) => `(row ${r + 1}, column ${c + 1})`,
): CsrMatrix {
  const nnz = rows.length;
  const indptr = new Uint32Array(nRows + 1);
  for (let k = 0; k < nnz; k++) indptr[rows[k] + 1]++;
  for (let r = 0; r < nRows; r++) indptr[r + 1] += indptr[r];
  const cursor = indptr.slice(0, nRows);
  const indices = nCols <= 0xffff ? new Uint16Array(nnz) : new Uint32Array(nnz);
  const data = new Float32Array(nnz);
  for (let k = 0; k < nnz; k++) {
    const at = cursor[rows[k]]++;
    indices[at] = cols[k];
    data[at] = values[k];
  }
  sortRows(indptr, indices, data);
  for (let r = 0; r < nRows; r++) {
    for (let k = indptr[r] + 1; k < indptr[r + 1]; k++) {
      if (indices[k] === indices[k - 1]) {
        throw new Error(
          `The matrix lists entry ${describeEntry(r, indices[k])} twice; each entry may appear once. Re-export the matrix without duplicates.`,
        );
      }
    }
  }
  return { nRows, nCols, indptr, indices, data };
}

/** Sorts column indices within each row (insertion sort: rows are short and usually nearly sorted). */
function sortRows(indptr: Uint32Array, indices: Uint32Array | Uint16Array, data: CsrValues): void {
  const nRows = indptr.length - 1;
  for (let r = 0; r < nRows; r++) {
    const start = indptr[r];
    const end = indptr[r + 1];
    for (let i = start + 1; i < end; i++) {
      const c = indices[i];
      const v = data[i];
      let j = i - 1;
      while (j >= start && indices[j] > c) {
        indices[j + 1] = indices[j];
        data[j + 1] = data[j];
        j--;
      }
      indices[j + 1] = c;
      data[j + 1] = v;
    }
  }
}

/** Sum of each row: `[nRows]` float64. */
export function rowSums(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.nRows);
  for (let r = 0; r < m.nRows; r++) {
    let s = 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) s += m.data[k];
    out[r] = s;
  }
  return out;
}

/** Sum of each column: `[nCols]` float64. */
export function colSums(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.nCols);
  for (let k = 0; k < m.data.length; k++) out[m.indices[k]] += m.data[k];
  return out;
}

/** Value at (row, col), 0 when not stored. Binary search within the row. */
export function csrGet(m: CsrMatrix, row: number, col: number): number {
  let lo = m.indptr[row];
  let hi = m.indptr[row + 1] - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    const c = m.indices[mid];
    if (c === col) return m.data[mid];
    if (c < col) lo = mid + 1;
    else hi = mid - 1;
  }
  return 0;
}

/** Values of one column for every row: `[nRows]` float32 (a dense gene vector). */
export function csrColumn(m: CsrMatrix, col: number): Float32Array {
  const out = new Float32Array(m.nRows);
  for (let r = 0; r < m.nRows; r++) out[r] = csrGet(m, r, col);
  return out;
}
