/**
 * Exact k nearest neighbours for large n: brute force (knn_matmul.ts) computes all n^2
 * distances; here the points are first grouped by a few rounds of k-means, and a group of
 * queries is measured only against the groups the triangle inequality cannot rule out:
 * a point j in group B is at least |q - c_B| - r_B from q (c_B the centre, r_B the largest
 * distance of a member from it), so B is skipped when that bound is beyond q's k-th best so far.
 * The distances that are computed are batched matMuls on tfjs, as in brute force, and the
 * candidates are re-ranked in float64; so the lists are those of an exact search, and the
 * grouping only decides how much work is skipped (on unclustered data, little or none).
 */
import type { Tf } from '../attribution/targets.ts';
import { mulberry32 } from '../random.ts';
import { abortError, insertCandidate, knnMatMul, rerankExact, type KnnOptions, type KnnResult } from './knn_matmul.ts';

/** Points per group; a query group is one matMul against its candidate groups. */
const GROUP_SIZE = 384;
const KMEANS_ROUNDS = 4;
/** Below this many points the groups cannot save much: brute force. */
const MIN_POINTS = 6 * GROUP_SIZE;

/** What the search measured: how much of the n^2 work the bounds skipped. */
export interface KnnClusteredResult extends KnnResult {
  groups: number;
  /** Distances computed / n^2. */
  fractionComputed: number;
}

/** The k nearest neighbours (self excluded) of every row of `x` (`[n, dim]` row-major float32). */
export async function knnClustered(
  tf: Tf,
  x: Float32Array,
  n: number,
  dim: number,
  k: number,
  options: Pick<KnnOptions, 'signal' | 'onProgress'> = {},
): Promise<KnnClusteredResult> {
  if (k >= n) throw new Error(`Asked for ${k} neighbours among only ${n} points; use fewer neighbours or more points.`);
  if (n < MIN_POINTS) {
    const r = await knnMatMul(tf, x, n, dim, k, options);
    return { ...r, groups: 1, fractionComputed: 1 };
  }
  const { signal, onProgress } = options;
  // Centred copy: |a|^2 + |b|^2 - 2ab in float32 then loses digits only relative to the spread.
  const xc = centred(x, n, dim);
  const norms = rowNorms(xc, n, dim);
  const nGroups = Math.ceil(n / GROUP_SIZE);
  const xcTensor = tf.tensor2d(xc, [n, dim]);
  let groups: Awaited<ReturnType<typeof kMeans>>;
  try {
    groups = await kMeans(tf, xc, xcTensor, n, dim, nGroups, signal);
  } catch (err) {
    xcTensor.dispose();
    throw err;
  }
  const { assign, centres, nC } = groups;
  onProgress?.(0.1);

  // Members of each group, contiguous; each group's radius (float64, exact from xc).
  const start = new Int32Array(nC + 1);
  for (let i = 0; i < n; i++) start[assign[i] + 1]++;
  for (let c = 0; c < nC; c++) start[c + 1] += start[c];
  const members = new Int32Array(n);
  const fill = start.slice(0, nC);
  for (let i = 0; i < n; i++) members[fill[assign[i]]++] = i;
  const radius = new Float64Array(nC);
  for (let i = 0; i < n; i++) {
    const c = assign[i];
    let s = 0;
    for (let d = 0; d < dim; d++) {
      const t = xc[i * dim + d] - centres[c * dim + d];
      s += t * t;
    }
    if (s > radius[c]) radius[c] = s;
  }
  for (let c = 0; c < nC; c++) radius[c] = Math.sqrt(radius[c]);
  // Order of the other groups by centre distance, for each group's first pass.
  const centreNorms = rowNorms(centres, nC, dim);

  const spare = Math.min(4, n - 1 - k);
  const kk = k + Math.max(0, spare);
  const indices = new Int32Array(n * k);
  const distances = new Float32Array(n * k);
  const centreTensor = tf.tensor2d(Float32Array.from(centres), [nC, dim]);
  let computed = 0;
  let lastYield = Date.now();
  try {
    for (let a = 0; a < nC; a++) {
      if (signal?.aborted) throw abortError('Finding nearest neighbours');
      const q = members.subarray(start[a], start[a + 1]);
      const nq = q.length;
      if (nq === 0) continue;
      const bestD = new Float64Array(nq * kk).fill(Infinity);
      const bestI = new Int32Array(nq * kk).fill(-1);
      const queryT = new Float32Array(dim * nq);
      for (let t = 0; t < nq; t++) for (let d = 0; d < dim; d++) queryT[d * nq + t] = xc[q[t] * dim + d];
      const qT = tf.tensor2d(queryT, [dim, nq]);
      try {
        // First pass: its own group and the two with the nearest centres give every query a k-th best.
        const order = Array.from({ length: nC }, (_, c) => c);
        const cd = new Float64Array(nC);
        for (let c = 0; c < nC; c++) {
          let s = 0;
          for (let d = 0; d < dim; d++) s += centres[a * dim + d] * centres[c * dim + d];
          cd[c] = centreNorms[a] + centreNorms[c] - 2 * s;
        }
        order.sort((u, v) => cd[u] - cd[v]);
        const done = new Uint8Array(nC);
        const first = [a, ...order.filter((c) => c !== a).slice(0, 2)];
        for (const c of first) done[c] = 1;
        computed += await scanGroups(tf, xcTensor, qT, q, norms, members, start, first, bestD, bestI, kk);
        // Second pass: every group some query cannot rule out.
        const toCentre = await centreDistanceBounds(tf, centreTensor, centreNorms, qT, q, norms);
        const second: number[] = [];
        for (const c of order) {
          if (done[c]) continue;
          for (let t = 0; t < nq; t++) {
            const worst = bestD[t * kk + kk - 1];
            if (worst === Infinity) {
              second.push(c);
              break;
            }
            // Bound with slack for float32 rounding in both the bound and the k-th best.
            const lower = toCentre[c * nq + t] - radius[c];
            if (lower <= 0 || lower * lower < worst * (1 + 1e-4) + 1e-9 * (norms[q[t]] + 1)) {
              second.push(c);
              break;
            }
          }
        }
        computed += await scanGroups(tf, xcTensor, qT, q, norms, members, start, second, bestD, bestI, kk);
      } finally {
        qT.dispose();
      }
      for (let t = 0; t < nq; t++) rerankExact(x, dim, q[t], bestI.subarray(t * kk, (t + 1) * kk), k, indices, distances, q[t] * k);
      if (Date.now() - lastYield > 50) {
        onProgress?.(0.1 + (0.9 * start[a + 1]) / n);
        await new Promise((resolve) => setTimeout(resolve, 0));
        lastYield = Date.now();
      }
    }
  } finally {
    xcTensor.dispose();
    centreTensor.dispose();
  }
  onProgress?.(1);
  return { k, indices, distances, groups: nC, fractionComputed: computed / (n * n) };
}

/** Distances of queries `q` (their transposed coordinates `qT`) to the members of `groups`, kept in each query's sorted best list. */
async function scanGroups(
  tf: Tf,
  xcTensor: ReturnType<Tf['tensor2d']>,
  qT: ReturnType<Tf['tensor2d']>,
  q: Int32Array,
  norms: Float64Array,
  members: Int32Array,
  start: Int32Array,
  groups: number[],
  bestD: Float64Array,
  bestI: Int32Array,
  kk: number,
): Promise<number> {
  if (groups.length === 0) return 0;
  let m = 0;
  for (const c of groups) m += start[c + 1] - start[c];
  const cand = new Int32Array(m);
  let o = 0;
  for (const c of groups) {
    cand.set(members.subarray(start[c], start[c + 1]), o);
    o += start[c + 1] - start[c];
  }
  const nq = q.length;
  const qn = new Float64Array(nq);
  // Each query's current k-th best, contiguous for the scan.
  const worst = new Float64Array(nq);
  for (let t = 0; t < nq; t++) {
    qn[t] = norms[q[t]];
    worst[t] = bestD[t * kk + kk - 1];
  }
  // Candidates in slices, so one product stays near 8M entries.
  const slice = Math.max(1, Math.floor(8_000_000 / nq));
  for (let s0 = 0; s0 < m; s0 += slice) {
    const part = cand.subarray(s0, Math.min(m, s0 + slice));
    const product = tf.tidy(() => tf.matMul(tf.gather(xcTensor, tf.tensor1d(part, 'int32')), qT));
    const dots = (await product.data()) as Float32Array;
    product.dispose();
    for (let r = 0; r < part.length; r++) {
      const j = part[r];
      const nj = norms[j];
      const off = r * nq;
      for (let t = 0; t < nq; t++) {
        const d2 = qn[t] + nj - 2 * dots[off + t];
        if (d2 > worst[t] || j === q[t]) continue;
        const base = t * kk;
        // Candidates arrive in group order, not index order: on equal distances the lower index stays, as in brute force.
        if (d2 === worst[t] && j > bestI[base + kk - 1]) continue;
        worst[t] = insertCandidate(bestD, bestI, base, kk, d2, j);
      }
    }
  }
  return m * nq;
}

function centred(x: Float32Array, n: number, dim: number): Float32Array {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) mean[d] += x[i * dim + d];
  for (let d = 0; d < dim; d++) mean[d] /= n;
  const out = new Float32Array(n * dim);
  for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) out[i * dim + d] = x[i * dim + d] - mean[d];
  return out;
}

function rowNorms(x: ArrayLike<number>, n: number, dim: number): Float64Array {
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    let s = 0;
    for (let d = 0; d < dim; d++) s += x[i * dim + d] * x[i * dim + d];
    out[i] = s;
  }
  return out;
}

/**
 * `[nC * nq]` lower bounds on |q_t - c| for one group's queries (`qT` their transposed coordinates):
 * a float32 matMul, less a margin for its rounding.
 */
async function centreDistanceBounds(
  tf: Tf,
  centreTensor: ReturnType<Tf['tensor2d']>,
  cNorms: Float64Array,
  qT: ReturnType<Tf['tensor2d']>,
  q: Int32Array,
  norms: Float64Array,
): Promise<Float64Array> {
  const nC = cNorms.length;
  const nq = q.length;
  const product = tf.matMul(centreTensor, qT);
  const dots = (await product.data()) as Float32Array;
  product.dispose();
  const out = new Float64Array(nC * nq);
  for (let c = 0; c < nC; c++) {
    for (let t = 0; t < nq; t++) {
      const qn = norms[q[t]];
      const d2 = qn + cNorms[c] - 2 * dots[c * nq + t];
      // float32 products of dim terms: error well under 1e-5 of |x|^2 + |c|^2.
      const margin = 1e-5 * (qn + cNorms[c]) + 1e-12;
      out[c * nq + t] = Math.sqrt(Math.max(0, d2 - margin));
    }
  }
  return out;
}

/** A few rounds of Lloyd's k-means from a seeded sample of points; empty groups are dropped. */
async function kMeans(
  tf: Tf,
  xc: Float32Array,
  xTensor: ReturnType<Tf['tensor2d']>,
  n: number,
  dim: number,
  nGroups: number,
  signal: KnnOptions['signal'],
): Promise<{ assign: Int32Array; centres: Float64Array; nC: number }> {
  const random = mulberry32(7);
  let nC = nGroups;
  let centres = new Float64Array(nC * dim);
  const picked = new Set<number>();
  for (let c = 0; c < nC; c++) {
    let i = Math.floor(random() * n);
    while (picked.has(i)) i = (i + 1) % n;
    picked.add(i);
    for (let d = 0; d < dim; d++) centres[c * dim + d] = xc[i * dim + d];
  }
  const assign = new Int32Array(n);
  for (let round = 0; round <= KMEANS_ROUNDS; round++) {
    if (signal?.aborted) throw abortError('Finding nearest neighbours');
    const cNorms = rowNorms(centres, nC, dim);
    const centresT = tf.tidy(() => tf.transpose(tf.tensor2d(Float32Array.from(centres), [nC, dim])));
    // Rows in blocks, so one product stays near 8M entries however many points and groups.
    const rows = Math.max(1, Math.floor(8_000_000 / nC));
    try {
      for (let r0 = 0; r0 < n; r0 += rows) {
        const b = Math.min(rows, n - r0);
        const product = tf.tidy(() => tf.matMul(tf.slice(xTensor, [r0, 0], [b, dim]), centresT));
        const dots = (await product.data()) as Float32Array;
        product.dispose();
        for (let r = 0; r < b; r++) {
          let best = Infinity;
          let arg = 0;
          for (let c = 0; c < nC; c++) {
            const d2 = cNorms[c] - 2 * dots[r * nC + c];
            if (d2 < best) {
              best = d2;
              arg = c;
            }
          }
          assign[r0 + r] = arg;
        }
      }
    } finally {
      centresT.dispose();
    }
    // New centres: the mean of each group's members; empty groups are dropped.
    const sum = new Float64Array(nC * dim);
    const count = new Int32Array(nC);
    for (let i = 0; i < n; i++) {
      const c = assign[i];
      count[c]++;
      for (let d = 0; d < dim; d++) sum[c * dim + d] += xc[i * dim + d];
    }
    const remap = new Int32Array(nC).fill(-1);
    let kept = 0;
    for (let c = 0; c < nC; c++) if (count[c] > 0) remap[c] = kept++;
    const next = new Float64Array(kept * dim);
    for (let c = 0; c < nC; c++) {
      if (remap[c] < 0) continue;
      for (let d = 0; d < dim; d++) next[remap[c] * dim + d] = sum[c * dim + d] / count[c];
    }
    for (let i = 0; i < n; i++) assign[i] = remap[assign[i]];
    centres = next;
    nC = kept;
    // The last round's centres are the means of the final groups (radii are measured from them).
  }
  return { assign, centres, nC };
}
