/**
 * Exact k nearest neighbours by brute force (Euclidean), for small n (a few thousand): the
 * reference that faster approximate searches are checked against.
 * Returns `[n * k]` neighbour indices, nearest first, excluding the point itself.
 */
export function knnBruteForce(x: Float32Array, n: number, dim: number, k: number): Int32Array {
  const out = new Int32Array(n * k);
  const dist = new Float64Array(n);
  const order = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0;
      for (let d = 0; d < dim; d++) {
        const t = x[i * dim + d] - x[j * dim + d];
        s += t * t;
      }
      dist[j] = j === i ? Infinity : s;
      order[j] = j;
    }
    order.sort((a, b) => dist[a] - dist[b] || a - b);
    out.set(order.subarray(0, k), i * k);
  }
  return out;
}

/** Fraction of each cell's k neighbours that share its label, averaged over cells. */
export function knnLabelPurity(neighbours: Int32Array, k: number, labels: ArrayLike<number>): number {
  const n = neighbours.length / k;
  let same = 0;
  for (let i = 0; i < n; i++) for (let j = 0; j < k; j++) if (labels[neighbours[i * k + j]] === labels[i]) same++;
  return same / (n * k);
}
