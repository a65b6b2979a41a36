import type { CsrMatrix } from './csr.ts';
import type { Dataset } from './dataset.ts';

/** One step of a model's recorded preprocessing, applied in order (scanpy conventions). */
export type PreprocessStep =
  | { op: 'normalize_total'; targetSum: number }
  | { op: 'log1p' }
  | { op: 'select_genes' }
  | { op: 'scale'; mean: number[]; std: number[]; maxValue?: number };

/** How a dataset's genes line up with a model's input genes. */
export interface GeneAlignment {
  /** `[nModelGenes]`: dataset column for each model gene, -1 when missing (filled with 0). */
  datasetColumn: Int32Array;
  nMatched: number;
  nModelGenes: number;
  /** Model genes with no dataset column, in model order. */
  missing: string[];
}

/**
 * Aligns model genes to dataset genes by exact symbol, then case-insensitively.
 * The first dataset column wins for duplicated symbols (as scanpy's var_names_make_unique keeps it).
 */
export function alignGenes(datasetGenes: string[], modelGenes: string[]): GeneAlignment {
  const exact = new Map<string, number>();
  const folded = new Map<string, number>();
  datasetGenes.forEach((g, j) => {
    if (!exact.has(g)) exact.set(g, j);
    const f = g.toUpperCase();
    if (!folded.has(f)) folded.set(f, j);
  });
  const datasetColumn = new Int32Array(modelGenes.length).fill(-1);
  const missing: string[] = [];
  modelGenes.forEach((g, i) => {
    const j = exact.get(g) ?? folded.get(g.toUpperCase());
    if (j === undefined) missing.push(g);
    else datasetColumn[i] = j;
  });
  return { datasetColumn, nMatched: modelGenes.length - missing.length, nModelGenes: modelGenes.length, missing };
}

/** Total counts per cell over every gene in the file: `[nCells]` float64 (normalize_total's denominator). */
export function librarySizes(m: CsrMatrix): Float64Array {
  const out = new Float64Array(m.nRows);
  for (let r = 0; r < m.nRows; r++) {
    let s = 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) s += m.data[k];
    out[r] = s;
  }
  return out;
}

/**
 * Applies normalize_total + log1p to every stored value: returns a float32 CSR with the same
 * sparsity (zeros stay zero because log1p(0) = 0). Cells with zero counts stay all-zero.
 */
export function normalizeLog1p(m: CsrMatrix, targetSum: number): CsrMatrix {
  const totals = librarySizes(m);
  const data = new Float32Array(m.data.length);
  for (let r = 0; r < m.nRows; r++) {
    const scale = totals[r] > 0 ? targetSum / totals[r] : 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) data[k] = Math.log1p(m.data[k] * scale);
  }
  return { ...m, data };
}

/**
 * Puts rows of a dataset through a model's preprocessing and returns dense model input
 * `[rows.length, nModelGenes]` float32. Normalisation steps are skipped when the dataset is
 * already normalised, so a transform is never applied twice.
 */
export function modelInput(ds: Dataset, steps: PreprocessStep[], alignment: GeneAlignment, rows?: ArrayLike<number>): Float32Array {
  const m = ds.matrix;
  const nOut = alignment.nModelGenes;
  const cellRows = rows ?? Uint32Array.from({ length: m.nRows }, (_, i) => i);
  const toModel = new Int32Array(m.nCols).fill(-1);
  // Two model genes can share a dataset column (e.g. 'Lyz' and 'LYZ' both folding to LYZ):
  // the first one is filled from the matrix, the others copy it as [modelGene, firstModelGene] pairs.
  const copies: [number, number][] = [];
  alignment.datasetColumn.forEach((col, i) => {
    if (col < 0) return;
    if (toModel[col] < 0) toModel[col] = i;
    else copies.push([i, toModel[col]]);
  });
  const isCounts = ds.valueKind === 'counts';
  const norm = steps.find((s) => s.op === 'normalize_total') as { targetSum: number } | undefined;
  const doNorm = isCounts && norm !== undefined;
  const doLog = isCounts && steps.some((s) => s.op === 'log1p');
  const out = new Float32Array(cellRows.length * nOut);
  for (let i = 0; i < cellRows.length; i++) {
    const r = cellRows[i];
    const start = m.indptr[r];
    const end = m.indptr[r + 1];
    let scale = 1;
    if (doNorm) {
      let total = 0;
      for (let k = start; k < end; k++) total += m.data[k];
      scale = total > 0 ? norm!.targetSum / total : 0;
    }
    const base = i * nOut;
    for (let k = start; k < end; k++) {
      const j = toModel[m.indices[k]];
      if (j < 0) continue;
      const v = m.data[k] * scale;
      out[base + j] = doLog ? Math.log1p(v) : v;
    }
    for (const [to, from] of copies) out[base + to] = out[base + from];
  }
  const scaleStep = steps.find((s) => s.op === 'scale') as Extract<PreprocessStep, { op: 'scale' }> | undefined;
  if (scaleStep) {
    const max = scaleStep.maxValue ?? Infinity;
    for (let i = 0; i < cellRows.length; i++) {
      for (let j = 0; j < nOut; j++) {
        const v = (out[i * nOut + j] - scaleStep.mean[j]) / (scaleStep.std[j] || 1);
        out[i * nOut + j] = Math.max(-max, Math.min(max, v));
      }
    }
  }
  return out;
}
