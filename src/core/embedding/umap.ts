/**
 * UMAP layouts in the worker. The neighbour graph is the expensive part of umap-js on our data,
 * so we compute it exactly with batched matrix products on tfjs (knn_matmul.ts) and hand it to
 * umap-js (`setPrecomputedKNN`), which then builds the fuzzy graph and runs its own optimisation:
 * same neighbours (15), same epochs, same optimiser as plain umap-js, only the kNN differs.
 * `knn: 'nn-descent'` runs umap-js unchanged (the baseline the bench compares against).
 */
import { UMAP } from 'umap-js';
import type { Tf } from '../attribution/targets.ts';
import { mulberry32 } from '../random.ts';
import { abortError, knnMatMul, type KnnResult } from './knn_matmul.ts';

/** UMAP settings; defaults follow umap-learn / umap-js. */
export interface UmapOptions {
  nNeighbors?: number;
  minDist?: number;
  /** Optimisation epochs; default umap-js's choice by n (500 up to 2,500 points ... 200 above 10k). */
  nEpochs?: number;
  seed?: number;
  /** 'matmul' (exact kNN on tfjs, default) or 'nn-descent' (umap-js's own approximate search). */
  knn?: 'matmul' | 'nn-descent';
  signal?: { readonly aborted: boolean };
  onProgress?: (fraction: number, label: string) => void;
}

/** A UMAP layout and where its time went. */
export interface UmapResult {
  /** `[n * 2]` float32 layout coordinates. */
  coords: Float32Array;
  nEpochs: number;
  knnMs: number;
  /** Fuzzy graph + initialisation inside umap-js (for 'nn-descent' this includes its neighbour search). */
  graphMs: number;
  optimizeMs: number;
  totalMs: number;
  /** The exact neighbours (self excluded) when knn was 'matmul': reused for quality checks. */
  knnResult: KnnResult | null;
}

// Date.now: src/core may not use performance (not in its runtime globals); ms resolution is plenty for UMAP.
const now = () => Date.now();

/** UMAP of `x` (`[n, dim]` row-major float32) into 2-D. `tf` is needed for knn 'matmul'. */
export async function umapLayout(tf: Tf | null, x: Float32Array, n: number, dim: number, options: UmapOptions = {}): Promise<UmapResult> {
  const nNeighbors = options.nNeighbors ?? 15;
  if (n <= nNeighbors) {
    throw new Error(`UMAP needs more than ${nNeighbors} cells (it looks at ${nNeighbors} neighbours each); this layout has ${n}.`);
  }
  for (let i = 0; i < x.length; i++) {
    if (!Number.isFinite(x[i])) {
      throw new Error(`UMAP input has a missing or infinite value (cell ${Math.floor(i / dim) + 1}); the layout needs finite numbers.`);
    }
  }
  const t0 = now();
  const signal = options.signal;
  const progress = options.onProgress ?? (() => {});
  const umap = new UMAP({ nNeighbors, minDist: options.minDist ?? 0.1, nEpochs: options.nEpochs, random: mulberry32(options.seed ?? 42) });
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(x.subarray(i * dim, (i + 1) * dim));

  let knnResult: KnnResult | null = null;
  if ((options.knn ?? 'matmul') === 'matmul') {
    if (!tf) throw new Error('The matMul neighbour search needs tfjs.');
    knnResult = await knnMatMul(tf, x, n, dim, nNeighbors - 1, { signal, onProgress: (f) => progress(0.35 * f, 'Finding neighbours') });
    // umap-js expects each list to start with the point itself at distance 0, as umap-learn's search returns it.
    const indices: number[][] = new Array(n);
    const distances: number[][] = new Array(n);
    for (let i = 0; i < n; i++) {
      const idx = [i];
      const dist = [0];
      for (let t = 0; t < nNeighbors - 1; t++) {
        idx.push(knnResult.indices[i * (nNeighbors - 1) + t]);
        dist.push(knnResult.distances[i * (nNeighbors - 1) + t]);
      }
      indices[i] = idx;
      distances[i] = dist;
    }
    umap.setPrecomputedKNN(indices, distances);
  }
  const tKnn = now();
  if (signal?.aborted) throw abortError('UMAP');
  progress(0.35, 'Building the neighbour graph');
  await new Promise((resolve) => setTimeout(resolve, 0));
  const nEpochs = umap.initializeFit(rows);
  const tGraph = now();
  for (let epoch = 0; epoch < nEpochs;) {
    if (signal?.aborted) throw abortError('UMAP');
    // A few epochs per turn of the event loop: cancel is answered within ~100 ms.
    const until = now() + 60;
    while (epoch < nEpochs && now() < until) epoch = umap.step();
    progress(0.4 + 0.6 * (epoch / nEpochs), 'Optimising the layout');
    await new Promise((resolve) => setTimeout(resolve, 0));
  }
  const tEnd = now();
  const embedding = umap.getEmbedding();
  const coords = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    coords[2 * i] = embedding[i][0];
    coords[2 * i + 1] = embedding[i][1];
  }
  return { coords, nEpochs, knnMs: tKnn - t0, graphMs: tGraph - tKnn, optimizeMs: tEnd - tGraph, totalMs: tEnd - t0, knnResult };
}
