/**
 * Exact k nearest neighbours (Euclidean) as batched matrix products on tfjs:
 * |a - b|^2 = |a|^2 + |b|^2 - 2 a.b, with a.b for a block of rows against every point in one
 * matMul (against X transposed once: a transpose flag inside matMul is ~12x slower on wasm, see
 * ISSUE-NOTES), then a k-smallest selection per row in plain JS. Exact, so it is at least as
 * good as umap-js's approximate NN-descent, and on wasm it is faster for the sizes we draw.
 */
import type { Tf } from '../attribution/targets.ts';

/** Neighbour lists: `[nQuery * k]` indices (nearest first, the point itself excluded) and Euclidean distances. */
export interface KnnResult {
  k: number;
  indices: Int32Array;
  distances: Float32Array;
}

/** Options for a long kNN run in a worker. */
export interface KnnOptions {
  /** Rows whose neighbours are wanted (default every row); neighbours are always searched among all n. */
  queryRows?: ArrayLike<number>;
  /** Target number of distance entries per block (rows x n); default 8M (32 MB of float32). */
  blockEntries?: number;
  signal?: { readonly aborted: boolean };
  onProgress?: (fraction: number) => void;
}

/** An Error named AbortError, as fetch and the engine's other jobs throw on cancel. */
export function abortError(what: string): Error {
  const err = new Error(`${what} was cancelled.`);
  err.name = 'AbortError';
  return err;
}

/** The k nearest neighbours of rows of `x` (`[n, dim]` row-major float32) among all n rows. */
export async function knnMatMul(tf: Tf, x: Float32Array, n: number, dim: number, k: number, options: KnnOptions = {}): Promise<KnnResult> {
  if (k >= n) throw new Error(`Asked for ${k} neighbours among only ${n} points; use fewer neighbours or more points.`);
  const query = options.queryRows ?? null;
  const nQuery = query ? query.length : n;
  const norms = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += x[i * dim + d] * x[i * dim + d];
    norms[i] = s;
  }
  const indices = new Int32Array(nQuery * k);
  const distances = new Float32Array(nQuery * k);
  const blockRows = Math.max(1, Math.min(4096, Math.floor((options.blockEntries ?? 8_000_000) / n)));
  const xt = tf.tidy(() => tf.transpose(tf.tensor2d(x, [n, dim])));
  // |a|^2 + |b|^2 - 2 a.b in float32 loses digits when the norms are large next to the distances:
  // a few spare candidates are kept, then re-ranked and measured exactly in float64 from x, so the
  // lists and distances are those of an exact float64 search (ties: lower index first).
  const spare = Math.min(4, n - 1 - k);
  const kk = k + Math.max(0, spare);
  const bestD = new Float64Array(kk);
  const bestI = new Int32Array(kk);
  try {
    for (let q0 = 0; q0 < nQuery; q0 += blockRows) {
      if (options.signal?.aborted) throw abortError('Finding nearest neighbours');
      const b = Math.min(blockRows, nQuery - q0);
      const rows = new Float32Array(b * dim);
      for (let r = 0; r < b; r++) {
        const i = query ? query[q0 + r] : q0 + r;
        rows.set(x.subarray(i * dim, (i + 1) * dim), r * dim);
      }
      const product = tf.tidy(() => tf.matMul(tf.tensor2d(rows, [b, dim]), xt));
      const dots = (await product.data()) as Float32Array;
      product.dispose();
      for (let r = 0; r < b; r++) {
        const i = query ? query[q0 + r] : q0 + r;
        bestD.fill(Infinity);
        bestI.fill(-1);
        let worst = Infinity;
        const ni = norms[i];
        const off = r * n;
        for (let j = 0; j < n; j++) {
          // Squared distance; strict < keeps the lower index on exact ties.
          const d2 = ni + norms[j] - 2 * dots[off + j];
          if (d2 >= worst || j === i) continue;
          worst = insertCandidate(bestD, bestI, 0, kk, d2, j);
        }
        rerankExact(x, dim, i, bestI, k, indices, distances, (q0 + r) * k);
      }
      options.onProgress?.(Math.min(1, (q0 + b) / nQuery));
      // Let the worker answer a cancel between blocks.
      await new Promise((resolve) => setTimeout(resolve, 0));
    }
  } finally {
    xt.dispose();
  }
  return { k, indices, distances };
}

/**
 * kNN preservation: the mean over rows of |A_i ∩ B_i| / k, where A and B are `[nRows * k]`
 * neighbour lists of the same rows in two spaces (e.g. the input and a 2-D layout). 1 = every
 * input-space neighbour is still a neighbour in the layout.
 */
export function knnPreservation(a: Int32Array, b: Int32Array, k: number): number {
  const nRows = Math.floor(a.length / k);
  if (nRows === 0) return NaN;
  let shared = 0;
  const set = new Set<number>();
  for (let i = 0; i < nRows; i++) {
    set.clear();
    for (let t = 0; t < k; t++) set.add(a[i * k + t]);
    for (let t = 0; t < k; t++) if (set.has(b[i * k + t])) shared++;
  }
  return shared / (nRows * k);
}

/**
 * Puts candidate j at squared distance d2 into the best list at `base` (`kk` entries, ascending by
 * distance, then index, so equal distances keep the lower index whatever order candidates come
 * in; callers skip candidates beyond the last entry); returns the new last (k-th best) distance.
 */
export function insertCandidate(bestD: Float64Array, bestI: Int32Array, base: number, kk: number, d2: number, j: number): number {
  let p = kk - 1;
  while (p > 0 && (bestD[base + p - 1] > d2 || (bestD[base + p - 1] === d2 && bestI[base + p - 1] > j))) {
    bestD[base + p] = bestD[base + p - 1];
    bestI[base + p] = bestI[base + p - 1];
    p--;
  }
  bestD[base + p] = d2;
  bestI[base + p] = j;
  return bestD[base + kk - 1];
}

/**
 * The k nearest of `candidates` (indices into x, -1 for none, at least k real ones) by exact
 * float64 distance from row i, ties to the lower index: written to `indices`/`distances` at `offset`.
 */
export function rerankExact(
  x: Float32Array,
  dim: number,
  i: number,
  candidates: Int32Array,
  k: number,
  indices: Int32Array,
  distances: Float32Array,
  offset: number,
): void {
  const found: { j: number; e: number }[] = [];
  for (const j of candidates) {
    if (j < 0) continue;
    let e = 0;
    for (let d = 0; d < dim; d++) {
      const diff = x[i * dim + d] - x[j * dim + d];
      e += diff * diff;
    }
    found.push({ j, e });
  }
  found.sort((p, q) => p.e - q.e || p.j - q.j);
  for (let t = 0; t < k; t++) {
    indices[offset + t] = found[t].j;
    distances[offset + t] = Math.sqrt(found[t].e);
  }
}
