/**
 * PCA of a wide matrix (thousands of genes) on tfjs: the gene covariance is accumulated with
 * matMuls over row chunks, its top eigenvectors found by subspace iteration (matMuls again, with
 * a Gram–Schmidt step in JS), and the small Ritz problem solved exactly by Jacobi. The Jacobi PCA
 * in pca.ts would need O(g^3) per sweep at g = 2,000.
 */
import type { Tf } from '../attribution/targets.ts';
import { jacobiEigen } from './pca.ts';
import { abortError } from './knn_matmul.ts';

/** Leading principal components of the rows of a `[n, g]` matrix read in chunks. */
export interface LargePcaResult {
  /** `[n * nComponents]` projected coordinates. */
  coords: Float32Array;
  /** `[nComponents]` fraction of the total variance each component explains. */
  explained: Float64Array;
  /** `[nComponents * g]` unit loadings, sign fixed so the largest |loading| is positive. */
  components: Float32Array;
}

/**
 * PCA of the rows `rows(start, count)` (`[count, g]` float32) of an `[n, g]` matrix, centred per
 * column. Deterministic (the start basis is fixed), with progress and cancel.
 */
export async function pcaLarge(
  tf: Tf,
  rows: (start: number, count: number) => Float32Array,
  n: number,
  g: number,
  nComponents: number,
  options: { chunkRows?: number; iterations?: number; signal?: { readonly aborted: boolean }; onProgress?: (f: number) => void } = {},
): Promise<LargePcaResult> {
  const chunk = options.chunkRows ?? 2048;
  const l = Math.min(g, nComponents + 10);
  const check = () => {
    if (options.signal?.aborted) throw abortError('PCA');
  };
  // Pass 1: column sums and X^T X.
  const mean = new Float64Array(g);
  let gram = tf.zeros([g, g]);
  for (let s = 0; s < n; s += chunk) {
    check();
    const c = Math.min(chunk, n - s);
    const block = rows(s, c);
    for (let k = 0; k < block.length; k++) mean[k % g] += block[k];
    const next = tf.tidy(() => {
      const b = tf.tensor2d(block, [c, g]);
      return gram.add(tf.matMul(tf.transpose(b), b));
    });
    gram.dispose();
    gram = next;
    options.onProgress?.((0.7 * (s + c)) / n);
    await new Promise((r) => setTimeout(r, 0));
  }
  for (let j = 0; j < g; j++) mean[j] /= n;
  // Covariance = (X^T X - n m m^T) / (n - 1).
  const mTensor = tf.tensor2d(Float32Array.from(mean), [g, 1]);
  const cov = tf.tidy(() => gram.sub(tf.matMul(mTensor, mTensor.transpose()).mul(n)).div(Math.max(1, n - 1)));
  gram.dispose();
  mTensor.dispose();
  const covData = (await cov.data()) as Float32Array;
  let trace = 0;
  for (let j = 0; j < g; j++) trace += covData[j * g + j];

  // Subspace iteration from a fixed, well-spread start basis.
  let q = new Float32Array(g * l);
  for (let j = 0; j < g; j++) for (let c = 0; c < l; c++) q[j * l + c] = Math.sin((j + 1) * (c + 1) * 0.7071) + (j % (c + 2) === 0 ? 1 : 0);
  orthonormalise(q, g, l);
  const iterations = options.iterations ?? 30;
  for (let it = 0; it < iterations; it++) {
    check();
    const product = tf.tidy(() => tf.matMul(cov, tf.tensor2d(q, [g, l])));
    q = Float32Array.from((await product.data()) as Float32Array);
    product.dispose();
    orthonormalise(q, g, l);
    options.onProgress?.(0.7 + (0.25 * (it + 1)) / iterations);
  }
  // Rayleigh–Ritz: T = Q^T C Q is l x l; its eigenvectors rotate Q onto the eigenvectors of C.
  const cq = tf.tidy(() => tf.matMul(cov, tf.tensor2d(q, [g, l])));
  const cqData = (await cq.data()) as Float32Array;
  cq.dispose();
  cov.dispose();
  const t = new Float64Array(l * l);
  for (let a = 0; a < l; a++)
    for (let b = 0; b < l; b++) {
      let s = 0;
      for (let j = 0; j < g; j++) s += q[j * l + a] * cqData[j * l + b];
      t[a * l + b] = s;
    }
  for (let a = 0; a < l; a++) for (let b = a + 1; b < l; b++) t[a * l + b] = t[b * l + a] = (t[a * l + b] + t[b * l + a]) / 2;
  const { values, vectors } = jacobiEigen(t, l);
  const order = [...values.keys()].sort((a, b) => values[b] - values[a]).slice(0, nComponents);
  const components = new Float32Array(nComponents * g);
  order.forEach((k, c) => {
    let big = 0;
    for (let j = 0; j < g; j++) {
      let s = 0;
      for (let a = 0; a < l; a++) s += q[j * l + a] * vectors[a * l + k];
      components[c * g + j] = s;
      if (Math.abs(s) > Math.abs(components[c * g + big])) big = j;
    }
    if (components[c * g + big] < 0) for (let j = 0; j < g; j++) components[c * g + j] *= -1;
  });
  const explained = Float64Array.from(order, (k) => (trace > 0 ? values[k] / trace : 0));

  // Pass 2: project the centred rows.
  const coords = new Float32Array(n * nComponents);
  const w = tf.tensor2d(components, [nComponents, g]);
  const wt = tf.tidy(() => w.transpose());
  let shift: Float32Array;
  {
    // m . w_c, subtracted from every projection (centring without densifying a centred copy).
    shift = new Float32Array(nComponents);
    for (let c = 0; c < nComponents; c++) {
      let s = 0;
      for (let j = 0; j < g; j++) s += mean[j] * components[c * g + j];
      shift[c] = s;
    }
  }
  try {
    for (let s = 0; s < n; s += chunk) {
      check();
      const c = Math.min(chunk, n - s);
      const p = tf.tidy(() => tf.matMul(tf.tensor2d(rows(s, c), [c, g]), wt));
      const data = (await p.data()) as Float32Array;
      p.dispose();
      for (let k = 0; k < data.length; k++) coords[s * nComponents + k] = data[k] - shift[k % nComponents];
    }
  } finally {
    w.dispose();
    wt.dispose();
  }
  options.onProgress?.(1);
  return { coords, explained, components };
}

/** Modified Gram–Schmidt on the `l` columns of `q` (`[g, l]` row-major), in place. */
function orthonormalise(q: Float32Array, g: number, l: number): void {
  for (let c = 0; c < l; c++) {
    for (let p = 0; p < c; p++) {
      let dot = 0;
      for (let j = 0; j < g; j++) dot += q[j * l + c] * q[j * l + p];
      for (let j = 0; j < g; j++) q[j * l + c] -= dot * q[j * l + p];
    }
    let norm = 0;
    for (let j = 0; j < g; j++) norm += q[j * l + c] * q[j * l + c];
    norm = Math.sqrt(norm) || 1;
    for (let j = 0; j < g; j++) q[j * l + c] /= norm;
  }
}
