/**
 * The explorer's share of the engine: per-gene columns from a CSC copy, PCA of the expression,
 * and UMAP (exact kNN on tfjs feeding umap-js). engine.ts owns the dataset and delegates here.
 */
import * as tf from '@tensorflow/tfjs';
import { cscFromCsr, geneExpression, type CscMatrix } from '../core/data/csc.ts';
import { librarySizes } from '../core/data/preprocess.ts';
import type { Dataset } from '../core/data/dataset.ts';
import { umapLayout, type UmapResult } from '../core/embedding/umap.ts';
import { pcaLarge } from '../core/embedding/pca_large.ts';
import { knnMatMul, knnPreservation } from '../core/embedding/knn_matmul.ts';
import type { GeneColumn, ProgressFn } from './protocol.ts';

/** The rows-reader of the model input: `[count, nGenes]` float32 of cells `[start, start + count)`. */
export type RowsReader = { nCells: number; nGenes: number; rows(start: number, count: number): Float32Array };

export class ExploreCompute {
  private csc: CscMatrix | null = null;
  private libs: Float64Array | null = null;
  private geneIndex: Map<string, number> | null = null;
  private forDataset: Dataset | null = null;

  /** Forget per-dataset copies (a new dataset was opened). */
  reset(): void {
    this.csc = null;
    this.libs = null;
    this.geneIndex = null;
    this.forDataset = null;
  }

  private prepare(ds: Dataset): void {
    if (this.forDataset === ds && this.csc) return;
    this.reset();
    this.forDataset = ds;
    this.csc = cscFromCsr(ds.matrix);
    this.libs = ds.valueKind === 'counts' ? librarySizes(ds.matrix) : null;
    this.geneIndex = new Map();
    // Exact symbols first, then case-folded ones, so "cd74" still finds CD74.
    ds.genes.forEach((g, j) => {
      if (!this.geneIndex!.has(g)) this.geneIndex!.set(g, j);
    });
    ds.genes.forEach((g, j) => {
      const f = g.toUpperCase();
      if (!this.geneIndex!.has(f)) this.geneIndex!.set(f, j);
    });
  }

  /** One gene's expression for every cell (log1p CP10k of counts, or the file's normalised values). */
  geneColumn(ds: Dataset, symbol: string): GeneColumn {
    const t0 = performance.now();
    const isFirst = this.forDataset !== ds || !this.csc;
    this.prepare(ds);
    const prepareMs = isFirst ? performance.now() - t0 : 0;
    const j = this.geneIndex!.get(symbol) ?? this.geneIndex!.get(symbol.toUpperCase());
    if (j === undefined) throw new Error(`The gene ${symbol} is not in this dataset. Check the symbol (for example CD74 or MS4A1).`);
    const t1 = performance.now();
    const values = geneExpression(this.csc!, j, this.libs);
    const nNonZero = this.csc!.colPtr[j + 1] - this.csc!.colPtr[j];
    return {
      symbol: ds.genes[j],
      values,
      units: this.libs ? 'log1p(CP10k)' : 'as in the file',
      nNonZero,
      prepareMs,
      extractMs: performance.now() - t1,
    };
  }

  /** UMAP of `x` (`[n, dim]`) with exact matMul neighbours; progress and cancel between chunks. */
  umap(
    x: Float32Array,
    n: number,
    dim: number,
    options: { nEpochs?: number; seed?: number; knn?: 'matmul' | 'nn-descent' },
    signal: { readonly aborted: boolean },
    onProgress?: ProgressFn,
  ): Promise<UmapResult> {
    return umapLayout(tf, x, n, dim, { ...options, signal, onProgress: (f, label) => onProgress?.(f, label) });
  }

  /** The first `nComponents` principal components of the model input (log1p CP10k of the model genes). */
  async expressionPca(
    input: RowsReader,
    nComponents: number,
    signal: { readonly aborted: boolean },
    onProgress?: ProgressFn,
  ): Promise<{ coords: Float32Array; explained: Float64Array; ms: number }> {
    const t0 = performance.now();
    const res = await pcaLarge(tf, (s, c) => input.rows(s, c), input.nCells, input.nGenes, nComponents, {
      signal,
      onProgress: (f) => onProgress?.(f, 'PCA of the expression'),
    });
    return { coords: res.coords, explained: res.explained, ms: performance.now() - t0 };
  }

  /**
   * Bench: UMAP of `x` both ways (umap-js alone, and matMul kNN + umap-js) with the same
   * neighbours, epochs and seed, and the kNN preservation of each layout on up to `nCheck` cells.
   */
  async benchUmap(x: Float32Array, n: number, dim: number, nEpochs: number | undefined, nCheck: number) {
    const signal = { aborted: false };
    const ours = await umapLayout(tf, x, n, dim, { nEpochs, seed: 1, signal });
    const base = await umapLayout(null, x, n, dim, { nEpochs, seed: 1, knn: 'nn-descent', signal });
    const step = Math.max(1, Math.floor(n / nCheck));
    const rows = Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step).filter((i) => i < n);
    const k = 15;
    const input = await knnMatMul(tf, x, n, dim, k, { queryRows: rows });
    const keep = async (coords: Float32Array) =>
      knnPreservation(input.indices, (await knnMatMul(tf, coords, n, 2, k, { queryRows: rows })).indices, k);
    const summary = (r: UmapResult) => ({ totalMs: r.totalMs, knnMs: r.knnMs, graphMs: r.graphMs, optimizeMs: r.optimizeMs });
    return {
      n,
      dim,
      nEpochs: ours.nEpochs,
      nNeighbors: k,
      checkedCells: rows.length,
      backend: tf.getBackend(),
      matmulKnn: { ...summary(ours), knnPreservation: await keep(ours.coords) },
      umapJs: { ...summary(base), knnPreservation: await keep(base.coords) },
      speedup: base.totalMs / ours.totalMs,
    };
  }
}
