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
   * Bench: UMAP of `x` one way ('ours': matMul kNN + typed-array umap; 'umap-js': umap-js alone),
   * same 15 neighbours, default epochs and seed, and the layout's kNN preservation on up to `nCheck` cells.
   */
  async benchUmap(x: Float32Array, n: number, dim: number, which: 'ours' | 'umap-js', nCheck: number, seed = 1) {
    const signal = { aborted: false };
    const r =
      which === 'ours'
        ? await umapLayout(tf, x, n, dim, { seed, signal })
        : await umapLayout(null, x, n, dim, { seed, knn: 'nn-descent', signal });
    const step = Math.max(1, Math.floor(n / nCheck));
    const rows = Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step).filter((i) => i < n);
    const k = 15;
    // Exact neighbours in the input and in the layout, for the checked cells (not part of the timing).
    const input = await knnMatMul(tf, x, n, dim, k, { queryRows: rows });
    const layout = await knnMatMul(tf, r.coords, n, 2, k, { queryRows: rows });
    return {
      which,
      seed,
      n,
      dim,
      nEpochs: r.nEpochs,
      nNeighbors: k,
      checkedCells: rows.length,
      backend: tf.getBackend(),
      totalMs: r.totalMs,
      knnMs: r.knnMs,
      knnFractionComputed: r.knnFractionComputed,
      graphMs: r.graphMs,
      optimizeMs: r.optimizeMs,
      knnPreservation: knnPreservation(input.indices, layout.indices, k),
    };
  }
}
