/**
 * Integrated-gradients baselines: zeros, the dataset mean, the mean of a selection, or one chosen cell.
 * Rows are read through a callback so the dense matrix is never built whole.
 */

/** Which reference input IG starts its path from. */
export type BaselineKind = 'zeros' | 'mean' | 'selection' | 'cell';

/** Reads rows `[start, start + count)` of the model input as `[count, nGenes]` float32. */
export type RowReader = (start: number, count: number) => Float32Array;

/**
 * Mean of the rows of `read` whose `mask` entry is non-zero (or of all `nCells` rows without a
 * mask): `[nGenes]` float32 (float64 sums), in expression units. Throws a sentence when no row is chosen.
 */
export function meanOfRows(read: RowReader, nCells: number, nGenes: number, mask?: ArrayLike<number>, chunkRows = 4096): Float32Array {
  if (mask && mask.length !== nCells) {
    throw new Error(`The selection covers ${mask.length} cells but the dataset has ${nCells}; make the selection on this dataset.`);
  }
  const sum = new Float64Array(nGenes);
  let n = 0;
  for (let start = 0; start < nCells; start += chunkRows) {
    const count = Math.min(chunkRows, nCells - start);
    let any = !mask;
    if (mask) for (let i = 0; i < count && !any; i++) any = mask[start + i] !== 0;
    if (!any) continue;
    const block = read(start, count);
    for (let i = 0; i < count; i++) {
      if (mask && mask[start + i] === 0) continue;
      n++;
      const o = i * nGenes;
      for (let g = 0; g < nGenes; g++) sum[g] += block[o + g];
    }
  }
  if (n === 0) throw new Error('The selection is empty, so it has no mean; select some cells first or pick another baseline.');
  return Float32Array.from(sum, (v) => v / n);
}

/**
 * The baseline `[nGenes]` float32 for `kind`: zeros; the mean over all cells; the mean over the
 * cells where `selection` is non-zero; or the row of cell `cell`.
 */
export function buildBaseline(
  kind: BaselineKind,
  read: RowReader,
  nCells: number,
  nGenes: number,
  options: { selection?: ArrayLike<number>; cell?: number } = {},
): Float32Array {
  switch (kind) {
    case 'zeros':
      return new Float32Array(nGenes);
    case 'mean':
      return meanOfRows(read, nCells, nGenes);
    case 'selection':
      if (!options.selection) throw new Error('A selection-mean baseline needs a selection; select some cells first.');
      return meanOfRows(read, nCells, nGenes, options.selection);
    case 'cell': {
      const c = options.cell;
      if (c === undefined || !Number.isInteger(c) || c < 0 || c >= nCells) {
        throw new Error(`The baseline cell ${String(c)} does not exist: pick a cell between 0 and ${nCells - 1}.`);
      }
      return read(c, 1).slice();
    }
    default:
      throw new Error(`Unknown baseline "${String(kind)}"; use zeros, mean, selection or cell.`);
  }
}
