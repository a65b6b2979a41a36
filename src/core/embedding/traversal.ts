import type * as tfjs from '@tensorflow/tfjs';

/**
 * Latent traversal (VAE): paths through the latent space (along one axis from a cell or a centroid,
 * or along the line between two centroids), the genes whose decoded expression changes most along
 * them, and the projection of a path into a 2-D layout of the cells.
 */

/** Mean latent vector `[dim]` of the cells where `mask` is 1 (`z` is `[n, dim]` row-major). */
export function latentCentroid(z: Float32Array, dim: number, mask: ArrayLike<number>): Float64Array {
  const out = new Float64Array(dim);
  let count = 0;
  for (let i = 0; i < mask.length; i++) {
    if (!mask[i]) continue;
    count++;
    for (let d = 0; d < dim; d++) out[d] += z[i * dim + d];
  }
  if (count === 0) throw new Error('The group has no cells, so it has no centroid. Select cells first.');
  for (let d = 0; d < dim; d++) out[d] /= count;
  return out;
}

/** A straight path z(t) = origin + t · direction, for t in [tMin, tMax]. */
export interface LatentPath {
  origin: Float64Array;
  direction: Float64Array;
  tMin: number;
  tMax: number;
}

/** Along latent axis `axis` through `origin`; t is the value of z_axis, spanning [lo, hi]. */
export function axisPath(origin: ArrayLike<number>, axis: number, lo: number, hi: number): LatentPath {
  const o = Float64Array.from(origin);
  const direction = new Float64Array(o.length);
  direction[axis] = 1;
  // t is the absolute value of z_axis: shift the origin to z_axis = 0 so z(t)_axis = t.
  o[axis] = 0;
  return { origin: o, direction, tMin: lo, tMax: hi };
}

/** The line from centroid `from` (t = 0) to `to` (t = 1), extended by `overshoot` either side. */
export function linePath(from: ArrayLike<number>, to: ArrayLike<number>, overshoot = 0.25): LatentPath {
  const origin = Float64Array.from(from);
  const direction = Float64Array.from(to, (v, d) => v - origin[d]);
  return { origin, direction, tMin: -overshoot, tMax: 1 + overshoot };
}

/** The point z(t) `[dim]` float32. */
export function pointAt(path: LatentPath, t: number): Float32Array {
  return Float32Array.from(path.origin, (o, d) => o + t * path.direction[d]);
}

/** `nSteps` evenly spaced points from tMin to tMax: `[nSteps, dim]` float32, and their t values. */
export function samplePath(path: LatentPath, nSteps: number): { z: Float32Array; t: Float64Array } {
  const dim = path.origin.length;
  const z = new Float32Array(nSteps * dim);
  const t = new Float64Array(nSteps);
  for (let s = 0; s < nSteps; s++) {
    t[s] = nSteps === 1 ? path.tMin : path.tMin + ((path.tMax - path.tMin) * s) / (nSteps - 1);
    z.set(pointAt(path, t[s]), s * dim);
  }
  return { z, t };
}

/** Range of latent dimension `axis` over every cell: [min, max]. */
export function latentRange(z: Float32Array, dim: number, axis: number): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = axis; i < z.length; i += dim) {
    lo = Math.min(lo, z[i]);
    hi = Math.max(hi, z[i]);
  }
  return [lo, hi];
}

/**
 * Genes ranked by |decoded(now) − decoded(reference)|: `decoded*` are `[nGenes]`. Returns the top
 * `k` gene indices with their signed change, largest magnitude first.
 */
export function topChanges(reference: Float32Array, now: Float32Array, k: number): { gene: number; change: number }[] {
  const idx = Array.from({ length: reference.length }, (_, j) => j);
  idx.sort((a, b) => Math.abs(now[b] - reference[b]) - Math.abs(now[a] - reference[a]));
  return idx.slice(0, k).map((gene) => ({ gene, change: now[gene] - reference[gene] }));
}

/**
 * Genes that change most over a whole sampled path: `decoded` `[nSteps, nGenes]`; the score is the
 * range (max − min) of each gene along the path. Top `k`, largest first.
 */
export function topAlongPath(decoded: Float32Array, nSteps: number, k: number): { gene: number; range: number }[] {
  const nGenes = decoded.length / nSteps;
  const ranges = new Float64Array(nGenes);
  for (let j = 0; j < nGenes; j++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let s = 0; s < nSteps; s++) {
      const v = decoded[s * nGenes + j];
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    ranges[j] = hi - lo;
  }
  const idx = Array.from({ length: nGenes }, (_, j) => j).sort((a, b) => ranges[b] - ranges[a]);
  return idx.slice(0, k).map((gene) => ({ gene, range: ranges[gene] }));
}

/**
 * Places latent points `[m, dim]` in a non-linear 2-D layout (UMAP, a file's embedding) at the mean
 * layout position of their `k` nearest cells in latent space (`z` `[n, dim]`, `layout` `[n, 2]`).
 * Brute force: m × n × dim, fine for a path of tens of points.
 */
export function projectThroughNeighbours(points: Float32Array, z: Float32Array, dim: number, layout: Float32Array, k = 10): Float32Array {
  const m = points.length / dim;
  const n = z.length / dim;
  const out = new Float32Array(m * 2);
  const bestD = new Float64Array(k);
  const bestI = new Int32Array(k);
  for (let p = 0; p < m; p++) {
    bestD.fill(Infinity);
    bestI.fill(-1);
    for (let i = 0; i < n; i++) {
      let d2 = 0;
      for (let d = 0; d < dim; d++) d2 += (z[i * dim + d] - points[p * dim + d]) ** 2;
      if (d2 >= bestD[k - 1]) continue;
      let at = k - 1;
      while (at > 0 && bestD[at - 1] > d2) {
        bestD[at] = bestD[at - 1];
        bestI[at] = bestI[at - 1];
        at--;
      }
      bestD[at] = d2;
      bestI[at] = i;
    }
    let x = 0;
    let y = 0;
    let used = 0;
    for (let q = 0; q < k; q++) {
      if (bestI[q] < 0) continue;
      x += layout[2 * bestI[q]];
      y += layout[2 * bestI[q] + 1];
      used++;
    }
    out[2 * p] = x / Math.max(1, used);
    out[2 * p + 1] = y / Math.max(1, used);
  }
  return out;
}

/** An affine map from latent space to a 2-D layout, fitted by least squares, with its R² per axis. */
export interface AffineFit {
  /** `[2][dim + 1]`: x = w·z + b per layout axis (bias last). */
  weights: Float64Array[];
  /** Coefficient of determination of each layout axis; ≈ 1 when the layout is linear in z (latent PCA, latent dims). */
  r2: [number, number];
}

/**
 * Fits layout ≈ A·z + b over every cell (`z` `[n, dim]`, `layout` `[n, 2]`) by the normal equations
 * in float64. A layout that is a linear function of z (PCA of z, two latent dims) fits with R² = 1,
 * so a latent path can be drawn in it exactly; UMAP or a file's embedding does not.
 */
export function fitAffine(z: Float32Array, dim: number, layout: Float32Array): AffineFit {
  const n = z.length / dim;
  const p = dim + 1;
  const xtx = new Float64Array(p * p);
  const xty = [new Float64Array(p), new Float64Array(p)];
  const row = new Float64Array(p);
  const mean = [0, 0];
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dim; d++) row[d] = z[i * dim + d];
    row[dim] = 1;
    for (let a = 0; a < p; a++) {
      for (let b = a; b < p; b++) xtx[a * p + b] += row[a] * row[b];
      xty[0][a] += row[a] * layout[2 * i];
      xty[1][a] += row[a] * layout[2 * i + 1];
    }
    mean[0] += layout[2 * i] / n;
    mean[1] += layout[2 * i + 1] / n;
  }
  for (let a = 0; a < p; a++) for (let b = 0; b < a; b++) xtx[a * p + b] = xtx[b * p + a];
  const weights = xty.map((rhs) => solveSymmetric(xtx, rhs, p));
  const r2 = [0, 1].map((axis) => {
    let ssRes = 0;
    let ssTot = 0;
    for (let i = 0; i < n; i++) {
      let fit = weights[axis][dim];
      for (let d = 0; d < dim; d++) fit += weights[axis][d] * z[i * dim + d];
      const y = layout[2 * i + axis];
      ssRes += (y - fit) ** 2;
      ssTot += (y - mean[axis]) ** 2;
    }
    return ssTot > 0 ? 1 - ssRes / ssTot : 0;
  }) as [number, number];
  return { weights, r2 };
}

/** Applies an affine fit to latent points `[m, dim]`: `[m, 2]` float32. */
export function applyAffine(fit: AffineFit, points: Float32Array, dim: number): Float32Array {
  const m = points.length / dim;
  const out = new Float32Array(m * 2);
  for (let i = 0; i < m; i++)
    for (let axis = 0; axis < 2; axis++) {
      let s = fit.weights[axis][dim];
      for (let d = 0; d < dim; d++) s += fit.weights[axis][d] * points[i * dim + d];
      out[2 * i + axis] = s;
    }
  return out;
}

/** Solves A x = b for a small dense `[p, p]` system by Gaussian elimination with partial pivoting. */
function solveSymmetric(matrix: Float64Array, rhs: Float64Array, p: number): Float64Array {
  const a = Float64Array.from(matrix);
  const b = Float64Array.from(rhs);
  for (let c = 0; c < p; c++) {
    let piv = c;
    for (let r = c + 1; r < p; r++) if (Math.abs(a[r * p + c]) > Math.abs(a[piv * p + c])) piv = r;
    if (piv !== c) {
      for (let k = 0; k < p; k++) [a[c * p + k], a[piv * p + k]] = [a[piv * p + k], a[c * p + k]];
      [b[c], b[piv]] = [b[piv], b[c]];
    }
    const d = a[c * p + c];
    if (Math.abs(d) < 1e-300) continue;
    for (let r = c + 1; r < p; r++) {
      const f = a[r * p + c] / d;
      if (f === 0) continue;
      for (let k = c; k < p; k++) a[r * p + k] -= f * a[c * p + k];
      b[r] -= f * b[c];
    }
  }
  const x = new Float64Array(p);
  for (let r = p - 1; r >= 0; r--) {
    let s = b[r];
    for (let k = r + 1; k < p; k++) s -= a[r * p + k] * x[k];
    const d = a[r * p + r];
    x[r] = Math.abs(d) < 1e-300 ? 0 : s / d;
  }
  return x;
}

/** Decodes latent points `[m, latentDim]` with a VAE decoder: `[m, nGenes]` (the decoder's mean output). */
export async function decodeLatent(tf: typeof tfjs, decoder: tfjs.LayersModel, z: Float32Array, latentDim: number): Promise<Float32Array> {
  const m = z.length / latentDim;
  if (!Number.isInteger(m) || m === 0) throw new Error(`Latent points must come in rows of ${latentDim} numbers.`);
  const out = tf.tidy(() => decoder.apply(tf.tensor2d(z, [m, latentDim])) as tfjs.Tensor);
  const data = (await out.data()) as Float32Array;
  out.dispose();
  return data;
}
