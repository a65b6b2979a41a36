/**
 * Principal components of a small dense matrix (`dim` up to a few hundred), e.g. the VAE
 * latent means. Covariance + cyclic Jacobi eigendecomposition in float64.
 */
export interface PcaResult {
  /** `[n * nComponents]` row-major projected coordinates. */
  coords: Float32Array;
  /** `[nComponents]` variance along each component, descending. */
  variances: Float64Array;
  /** Fraction of total variance per component. */
  explained: Float64Array;
  /** `[nComponents][dim]` unit loadings; the sign is fixed so the largest |loading| is positive. */
  components: Float64Array[];
}

/** PCA of `x` `[n, dim]` row-major float32, keeping `nComponents`. */
export function pca(x: Float32Array, n: number, dim: number, nComponents = 2): PcaResult {
  const mean = new Float64Array(dim);
  for (let i = 0; i < n; i++) for (let j = 0; j < dim; j++) mean[j] += x[i * dim + j];
  for (let j = 0; j < dim; j++) mean[j] /= n;
  const cov = new Float64Array(dim * dim);
  const row = new Float64Array(dim);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < dim; j++) row[j] = x[i * dim + j] - mean[j];
    for (let a = 0; a < dim; a++) {
      const ra = row[a];
      for (let b = a; b < dim; b++) cov[a * dim + b] += ra * row[b];
    }
  }
  for (let a = 0; a < dim; a++)
    for (let b = a; b < dim; b++) {
      cov[a * dim + b] /= Math.max(1, n - 1);
      cov[b * dim + a] = cov[a * dim + b];
    }
  const { values, vectors } = jacobiEigen(cov, dim);
  const order = [...values.keys()].sort((a, b) => values[b] - values[a]).slice(0, nComponents);
  const total = values.reduce((a, b) => a + Math.max(0, b), 0);
  const components = order.map((k) => {
    const v = new Float64Array(dim);
    for (let j = 0; j < dim; j++) v[j] = vectors[j * dim + k];
    let big = 0;
    for (let j = 0; j < dim; j++) if (Math.abs(v[j]) > Math.abs(v[big])) big = j;
    if (v[big] < 0) for (let j = 0; j < dim; j++) v[j] = -v[j];
    return v;
  });
  const coords = new Float32Array(n * order.length);
  for (let i = 0; i < n; i++) {
    for (let c = 0; c < order.length; c++) {
      let s = 0;
      for (let j = 0; j < dim; j++) s += (x[i * dim + j] - mean[j]) * components[c][j];
      coords[i * order.length + c] = s;
    }
  }
  const variances = Float64Array.from(order, (k) => values[k]);
  return { coords, variances, explained: variances.map((v) => (total > 0 ? v / total : 0)), components };
}

/** Eigen-decomposition of a symmetric `[dim, dim]` matrix; `vectors` columns are eigenvectors. */
export function jacobiEigen(matrix: Float64Array, dim: number): { values: number[]; vectors: Float64Array } {
  const a = Float64Array.from(matrix);
  const v = new Float64Array(dim * dim);
  for (let i = 0; i < dim; i++) v[i * dim + i] = 1;
  // Rotations keep the Frobenius norm, so "off-diagonal small" is measured against it: an absolute
  // threshold stops at once on a matrix of tiny entries (e.g. covariances ~1e-12) and returns its diagonal.
  let norm2 = 0;
  for (let i = 0; i < dim * dim; i++) norm2 += a[i] * a[i];
  for (let sweep = 0; sweep < 100; sweep++) {
    let off = 0;
    for (let p = 0; p < dim; p++) for (let q = p + 1; q < dim; q++) off += a[p * dim + q] ** 2;
    if (off <= 1e-30 * norm2) break;
    for (let p = 0; p < dim; p++) {
      for (let q = p + 1; q < dim; q++) {
        const apq = a[p * dim + q];
        if (Math.abs(apq) < 1e-300) continue;
        const theta = (a[q * dim + q] - a[p * dim + p]) / (2 * apq);
        const t = Math.sign(theta || 1) / (Math.abs(theta) + Math.sqrt(theta * theta + 1));
        const c = 1 / Math.sqrt(t * t + 1);
        const s = t * c;
        for (let k = 0; k < dim; k++) {
          const akp = a[k * dim + p];
          const akq = a[k * dim + q];
          a[k * dim + p] = c * akp - s * akq;
          a[k * dim + q] = s * akp + c * akq;
        }
        for (let k = 0; k < dim; k++) {
          const apk = a[p * dim + k];
          const aqk = a[q * dim + k];
          a[p * dim + k] = c * apk - s * aqk;
          a[q * dim + k] = s * apk + c * aqk;
        }
        for (let k = 0; k < dim; k++) {
          const vkp = v[k * dim + p];
          const vkq = v[k * dim + q];
          v[k * dim + p] = c * vkp - s * vkq;
          v[k * dim + q] = s * vkp + c * vkq;
        }
      }
    }
  }
  return { values: Array.from({ length: dim }, (_, i) => a[i * dim + i]), vectors: v };
}
