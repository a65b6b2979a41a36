/**
 * The VAE decoder Jacobian J[k, g] = ∂decoder_g(z)/∂z_k: which genes each latent dimension drives,
 * at one point or averaged over a set of points (a cell's z, or every cell of a selection). For a
 * linear decoder this is its weight matrix, i.e. scvi-tools' LDVAE loadings; for a non-linear one it
 * is the local loading at z.
 *
 * Two paths give the same numbers: forward mode through a Dense stack (K tangent rows per point,
 * about K forward passes: cheap because K is small), and reverse mode with `tf.grad` for any other
 * model (one gradient row per output gene per point: nOut/K times the work).
 */
import type { Tensor2D } from '@tensorflow/tfjs';
import { ProgressCounter, abortError, throwIfAborted, yieldToEventLoop, type CancelSignal } from './batching.ts';
import { activationBackward, denseForward, type DenseStack } from './dense_backprop.ts';
import type { BatchModel, Tf } from './targets.ts';

/** Options for `decoderJacobian`. */
export interface DecoderJacobianOptions {
  /** Latent dimensions K (columns of `z`). */
  latentDim: number;
  /** The decoder as a Dense stack (from `extractDenseStack`) for the forward-mode path, or null for `tf.grad`. */
  stack?: DenseStack | null;
  /** Most rows per model call; default 4096. */
  maxRowsPerChunk?: number;
  /** Fraction of points done, in [0, 1]. */
  onProgress?: (fraction: number) => void;
  /** Checked between chunks; rejects with an AbortError. */
  signal?: CancelSignal;
}

/** The Jacobian averaged over the points. */
export interface DecoderJacobianResult {
  /** `[K, nOut]` float32: mean over points of ∂decoder_g/∂z_k, in output units per latent unit. */
  meanSigned: Float32Array;
  /** `[K, nOut]` float32: mean over points of |∂decoder_g/∂z_k|. */
  meanAbs: Float32Array;
  nPoints: number;
  nOut: number;
  /** Which path ran. */
  path: 'forward-mode-dense' | 'reverse-mode-tf-grad';
}

/**
 * The decoder Jacobian at each row of `z` `[nPoints, K]` float32, averaged (signed and absolute)
 * over the points. `decoder` maps `[rows, K]` → `[rows, nOut]`.
 */
export async function decoderJacobian(
  tf: Tf,
  decoder: BatchModel,
  z: Float32Array,
  opts: DecoderJacobianOptions,
): Promise<DecoderJacobianResult> {
  const K = opts.latentDim;
  if (!Number.isInteger(K) || K < 1 || z.length === 0 || z.length % K !== 0) {
    throw new Error(
      `The latent points hold ${z.length} values, which is not a whole number (≥ 1) of points of ${K} dimensions; pass [nPoints, ${K}].`,
    );
  }
  const nPoints = z.length / K;
  const maxRows = Math.max(1, opts.maxRowsPerChunk ?? 4096);
  const stack = opts.stack ?? null;
  const isForward = stack !== null && stack.nIn === K && stack.layers.every((l) => l.activations.every((a) => a !== 'softmax'));
  const nOut = isForward ? stack.nOut : tf.tidy(() => decoder(tf.zeros([1, K])).shape[1]);
  const sum = new Float64Array(K * nOut);
  const sumAbs = new Float64Array(K * nOut);
  const progress = new ProgressCounter(nPoints, opts.onProgress);
  const addBlock = (values: Float32Array, rowsPerPoint: number, layout: 'k-rows' | 'gene-rows', geneStart: number) => {
    // k-rows: values is [points, K, nOut]; gene-rows: [rowsPerPoint genes, K] for one point.
    if (layout === 'k-rows') {
      for (let i = 0; i < values.length; i++) {
        const j = i % (K * nOut);
        sum[j] += values[i];
        sumAbs[j] += Math.abs(values[i]);
      }
    } else {
      for (let r = 0; r < rowsPerPoint; r++) {
        for (let k = 0; k < K; k++) {
          const v = values[r * K + k];
          const j = k * nOut + geneStart + r;
          sum[j] += v;
          sumAbs[j] += Math.abs(v);
        }
      }
    }
  };

  if (isForward) {
    // Each point carries K tangent rows (the identity), pushed through T ← (T · W) ⊙ act'(pre).
    const pointsPerChunk = Math.max(1, Math.floor(maxRows / K));
    for (let p0 = 0; p0 < nPoints; p0 += pointsPerChunk) {
      throwIfAborted(opts.signal);
      const np = Math.min(pointsPerChunk, nPoints - p0);
      const out = tf.tidy(() => {
        const zt = tf.tensor2d(z.subarray(p0 * K, (p0 + np) * K), [np, K]);
        const tape = denseForward(tf, stack, zt);
        let t = tf.tile(tf.eye(K), [np, 1]) as Tensor2D; // [np*K, K]
        stack.layers.forEach((layer, l) => {
          t = tf.matMul(t, layer.kernel);
          for (const step of tape.steps[l]) {
            const width = step.output.shape[1];
            const d = activationBackward(tf, step.act, tf.onesLike(step.output), step.input, step.output); // [np, width]
            t = tf.reshape(tf.mul(tf.reshape(t, [np, K, width]), tf.expandDims(d, 1)), [np * K, width]) as Tensor2D;
          }
        });
        return t;
      });
      try {
        addBlock((await out.data()) as Float32Array, K, 'k-rows', 0);
      } finally {
        out.dispose();
      }
      progress.add(np);
      await yieldToEventLoop();
    }
  } else {
    // Row r of a block is z_p with the target decoder_{g0 + r}; the gradient of the sum is each row's own.
    const genesPerChunk = Math.min(nOut, maxRows);
    for (let p = 0; p < nPoints; p++) {
      for (let g0 = 0; g0 < nOut; g0 += genesPerChunk) {
        if (opts.signal?.aborted) throw abortError();
        const m = Math.min(genesPerChunk, nOut - g0);
        const grad = tf.tidy(() => {
          const zp = tf.tile(tf.tensor2d(z.subarray(p * K, (p + 1) * K), [1, K]), [m, 1]) as Tensor2D;
          const mask = new Float32Array(m * nOut);
          for (let r = 0; r < m; r++) mask[r * nOut + g0 + r] = 1;
          const maskT = tf.tensor2d(mask, [m, nOut]);
          return tf.grad((b) => tf.sum(tf.mul(decoder(b as Tensor2D), maskT)))(zp);
        });
        try {
          addBlock((await grad.data()) as Float32Array, m, 'gene-rows', g0);
        } finally {
          grad.dispose();
        }
        await yieldToEventLoop();
      }
      progress.add(1);
    }
  }
  return {
    meanSigned: Float32Array.from(sum, (v) => v / nPoints),
    meanAbs: Float32Array.from(sumAbs, (v) => v / nPoints),
    nPoints,
    nOut,
    path: isForward ? 'forward-mode-dense' : 'reverse-mode-tf-grad',
  };
}

/**
 * The top `n` genes latent dimension `k` drives, by |mean Jacobian|: `[{gene, loading, meanAbs}]`,
 * descending. `meanSigned`, `meanAbs` `[K, nOut]` as `decoderJacobian` returns them.
 */
export function topGenesOfLatent(
  result: Pick<DecoderJacobianResult, 'meanSigned' | 'meanAbs' | 'nOut'>,
  genes: readonly string[],
  k: number,
  n: number,
): { gene: string; loading: number; meanAbs: number }[] {
  const { nOut } = result;
  const row = result.meanSigned.subarray(k * nOut, (k + 1) * nOut);
  const order = [...row.keys()].sort((a, b) => Math.abs(row[b]) - Math.abs(row[a]));
  return order.slice(0, n).map((g) => ({ gene: genes[g], loading: row[g], meanAbs: result.meanAbs[k * nOut + g] }));
}
