/**
 * UMAP layouts in the worker. umap-js spends its time in three places: NN-descent, a fuzzy graph
 * kept in a Map keyed by strings, and an optimiser over number[][]. We replace the first with an
 * exact kNN by batched matrix products on tfjs, which skips the groups of points the triangle
 * inequality rules out (knn_clustered.ts), and the other two with a port of the
 * same algorithm onto typed arrays (umap_graph.ts): same 15 neighbours, same epochs, same curve
 * (umap-js's findABParams), same SGD. `knn: 'nn-descent'` runs umap-js unchanged (the baseline the
 * bench compares against).
 */
import { UMAP } from 'umap-js';
import type { Tf } from '../attribution/targets.ts';
import { mulberry32 } from '../random.ts';
import { abortError, type KnnResult } from './knn_matmul.ts';
import { knnClustered } from './knn_clustered.ts';
import { pca } from './pca.ts';
import { defaultEpochs, fuzzySimplicialSet, optimizeLayout } from './umap_graph.ts';
// findABParams is not re-exported from umap-js's index; the same curve fit the baseline uses.
import { findABParams } from 'umap-js/dist/umap.js';

/** UMAP settings; defaults follow umap-learn / umap-js. */
export interface UmapOptions {
  nNeighbors?: number;
  minDist?: number;
  /** Optimisation epochs; default umap-js's choice by n (500 up to 2,500 points ... 200 above 10k). */
  nEpochs?: number;
  seed?: number;
  /** 'matmul' (exact kNN on tfjs, default) or 'nn-descent' (umap-js's own approximate search). */
  knn?: 'matmul' | 'nn-descent';
  /**
   * Starting layout for 'matmul': 'pca' (the input's first two principal components scaled to
   * max |coord| 10 plus 1e-4 noise, umap-learn's init='pca') or 'random' (umap-js's uniform [-10, 10]).
   */
  init?: 'pca' | 'random';
  signal?: { readonly aborted: boolean };
  onProgress?: (fraction: number, label: string) => void;
}

/** A UMAP layout and where its time went. */
export interface UmapResult {
  /** `[n * 2]` float32 layout coordinates. */
  coords: Float32Array;
  nEpochs: number;
  knnMs: number;
  /** Share of the n^2 distances the exact search computed (the rest were ruled out by bounds); null for NN-descent. */
  knnFractionComputed: number | null;
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

  if ((options.knn ?? 'matmul') === 'matmul') {
    if (!tf) throw new Error('The matMul neighbour search needs tfjs.');
    const knnResult = await knnClustered(tf, x, n, dim, nNeighbors - 1, {
      signal,
      onProgress: (f) => progress(0.3 * f, 'Finding neighbours'),
    });
    // The fuzzy graph wants each list to start with the point itself at distance 0 (umap-learn's convention).
    const k = nNeighbors;
    const indices = new Int32Array(n * k);
    const distances = new Float32Array(n * k);
    for (let i = 0; i < n; i++) {
      indices[i * k] = i;
      indices.set(knnResult.indices.subarray(i * (k - 1), (i + 1) * (k - 1)), i * k + 1);
      distances.set(knnResult.distances.subarray(i * (k - 1), (i + 1) * (k - 1)), i * k + 1);
    }
    const tKnn = now();
    if (signal?.aborted) throw abortError('UMAP');
    progress(0.3, 'Building the neighbour graph');
    const graph = fuzzySimplicialSet(indices, distances, n, k);
    const tGraph = now();
    const nEpochs = options.nEpochs ?? defaultEpochs(n);
    const { a, b } = findABParams(1, options.minDist ?? 0.1);
    const random = mulberry32(options.seed ?? 42);
    const initial = (options.init ?? 'random') === 'pca' ? pcaInit(x, n, dim, random) : undefined;
    const coords = await optimizeLayout(graph, {
      initial,
      nEpochs,
      a,
      b,
      random,
      signal,
      onProgress: (f) => progress(0.35 + 0.65 * f, 'Optimising the layout'),
    });
    const tEnd = now();
    return {
      coords,
      nEpochs,
      knnMs: tKnn - t0,
      knnFractionComputed: knnResult.fractionComputed,
      graphMs: tGraph - tKnn,
      optimizeMs: tEnd - tGraph,
      totalMs: tEnd - t0,
      knnResult,
    };
  }

  // Plain umap-js: its own NN-descent, fuzzy graph and optimiser (the baseline).
  const umap = new UMAP({ nNeighbors, minDist: options.minDist ?? 0.1, nEpochs: options.nEpochs, random: mulberry32(options.seed ?? 42) });
  const rows: number[][] = new Array(n);
  for (let i = 0; i < n; i++) rows[i] = Array.from(x.subarray(i * dim, (i + 1) * dim));
  const tKnn = now();
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
  return {
    coords,
    nEpochs,
    knnMs: 0,
    knnFractionComputed: null,
    graphMs: tGraph - tKnn,
    optimizeMs: tEnd - tGraph,
    totalMs: tEnd - t0,
    knnResult: null,
  };
}

/** umap-learn's init='pca': the first two PCs scaled so max |coord| = 10, plus N(0, 1e-4) noise; `[n * 2]`. */
export function pcaInit(x: Float32Array, n: number, dim: number, random: () => number): Float64Array {
  const { coords } = pca(x, n, dim, 2);
  let m = 0;
  for (let i = 0; i < coords.length; i++) m = Math.max(m, Math.abs(coords[i]));
  const scale = m > 0 ? 10 / m : 1;
  const out = new Float64Array(n * 2);
  for (let i = 0; i < out.length; i++) {
    const g = Math.sqrt(-2 * Math.log(random() + 1e-12)) * Math.cos(2 * Math.PI * random());
    out[i] = coords[i] * scale + 1e-4 * g;
  }
  return out;
}
