/**
 * Worker side of Compare and Traverse: differential expression and gene summaries over the open
 * dataset's sparse columns, and the VAE decoder over latent points. engine.ts delegates here.
 */
import type { Dataset } from '../core/data/dataset.ts';
import type { CancelSignal } from '../core/attribution/batching.ts';
import {
  benjaminiHochberg,
  differentialExpression,
  mannWhitneyFromU,
  welchFromStats,
  type DeResult,
} from '../core/stats/differential_expression.ts';
import { geneColumns, geneValues, type GeneColumns } from '../core/stats/gene_columns.ts';
import { summariseGene, type GeneSummary } from '../core/stats/gene_summary.ts';
import type { ProgressFn } from './protocol.ts';

/** Per-gene column access for each dataset opened in this worker (built on first use, O(nnz)). */
const columnsOf = new WeakMap<Dataset, GeneColumns>();

function columns(ds: Dataset): GeneColumns {
  let c = columnsOf.get(ds);
  if (!c) {
    c = geneColumns(ds.matrix, ds.valueKind);
    columnsOf.set(ds, c);
  }
  return c;
}

/** DE of A vs B (`[nCells]` 0/1 masks), with timings of the column index and of the tests. */
export async function runDifferentialExpression(
  ds: Dataset,
  maskA: Uint8Array,
  maskB: Uint8Array,
  signal: CancelSignal,
  onProgress?: ProgressFn,
): Promise<DeResult & { ms: number; indexMs: number }> {
  const t0 = performance.now();
  const cols = columns(ds);
  const indexMs = performance.now() - t0;
  const res = await differentialExpression(cols, maskA, maskB, {
    signal,
    onProgress: (f) => onProgress?.(f, 'Differential expression'),
  });
  return { ...res, ms: performance.now() - t0, indexMs };
}

/** Violin/dot-plot summaries of `genes` (dataset columns) over groups `codes` `[nCells]` (-1 = none). */
export function runGeneSummaries(ds: Dataset, genes: number[], codes: Int32Array, nGroups: number): GeneSummary[] {
  if (codes.length !== ds.matrix.nRows)
    throw new Error(`The groups describe ${codes.length} cells but the dataset has ${ds.matrix.nRows}. Pick the groups again.`);
  const cols = columns(ds);
  return genes.map((j) => {
    if (!(j >= 0 && j < ds.matrix.nCols)) throw new Error(`Gene column ${j} does not exist in this dataset.`);
    return summariseGene(geneValues(cols, j), codes, nGroups);
  });
}

/** One gene's expression for every cell `[nCells]` (colour-by, tests). */
export function runGeneValues(ds: Dataset, gene: number): Float32Array {
  return geneValues(columns(ds), gene);
}

/** The naive dense DE the bench compares against: densify both groups, then per gene a full sort, sums, p-values and BH. */
export function denseBaselineDe(
  ds: Dataset,
  maskA: Uint8Array,
  maskB: Uint8Array,
): { ms: number; nGenes: number; uSum: number; tSum: number } {
  const t0 = performance.now();
  const m = ds.matrix;
  const cells: number[] = [];
  for (let i = 0; i < m.nRows; i++) if (maskA[i] || maskB[i]) cells.push(i);
  const nG = m.nCols;
  // Dense log1p CP10k, cells × genes (what a straightforward port of a NumPy script would build).
  const dense = new Float64Array(cells.length * nG);
  cells.forEach((r, i) => {
    let total = 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) total += m.data[k];
    const s = total > 0 ? 1e4 / total : 0;
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++)
      dense[i * nG + m.indices[k]] = ds.valueKind === 'counts' ? Math.log1p(m.data[k] * s) : m.data[k];
  });
  const isA = cells.map((r) => maskA[r] === 1);
  const pooled = new Float64Array(cells.length);
  const order = new Uint32Array(cells.length);
  let nGenes = 0;
  let uSum = 0;
  let tSum = 0;
  const pWelch: number[] = [];
  const pWilcoxon: number[] = [];
  const nA = isA.filter(Boolean).length;
  const nB = cells.length - nA;
  for (let j = 0; j < nG; j++) {
    let any = false;
    for (let i = 0; i < cells.length; i++) {
      pooled[i] = dense[i * nG + j];
      if (pooled[i] !== 0) any = true;
    }
    if (!any) continue;
    nGenes++;
    for (let i = 0; i < cells.length; i++) order[i] = i;
    order.sort((a, b) => pooled[a] - pooled[b]);
    let r1 = 0;
    let ties = 0;
    for (let i = 0; i < cells.length;) {
      let e = i;
      while (e < cells.length && pooled[order[e]] === pooled[order[i]]) e++;
      for (let q = i; q < e; q++) if (isA[order[q]]) r1 += (i + 1 + e) / 2;
      ties += (e - i) ** 3 - (e - i);
      i = e;
    }
    let sa = 0;
    let sb = 0;
    for (let i = 0; i < cells.length; i++)
      if (isA[i]) sa += pooled[i];
      else sb += pooled[i];
    let va = 0;
    let vb = 0;
    for (let i = 0; i < cells.length; i++) {
      if (isA[i]) va += (pooled[i] - sa / nA) ** 2;
      else vb += (pooled[i] - sb / nB) ** 2;
    }
    const welch = welchFromStats(sa / nA, va / (nA - 1), nA, sb / nB, vb / (nB - 1), nB);
    const u1 = r1 - (nA * (nA + 1)) / 2;
    pWelch.push(welch.p);
    pWilcoxon.push(mannWhitneyFromU(u1, nA, nB, ties).p);
    uSum += u1;
    tSum += welch.t;
  }
  benjaminiHochberg(pWelch);
  benjaminiHochberg(pWilcoxon);
  return { ms: performance.now() - t0, nGenes, uSum, tSum };
}
