import type { Tensor2D, Tensor3D } from '@tensorflow/tfjs';
import {
  DEFAULT_MAX_ROWS_PER_CHUNK,
  ProgressCounter,
  checkMatrix,
  evalGradient,
  evalTarget,
  planChunks,
  targetPerCell,
  throwIfAborted,
  yieldToEventLoop,
  type GradientOptions,
} from './batching.ts';
import { quadratureRule, type QuadratureRuleName } from './quadrature.ts';
import type { TargetFn, Tf } from './targets.ts';

/** Options for `integratedGradients`; defaults follow Captum (Gauss–Legendre, 50 steps). */
export interface IntegratedGradientsOptions extends GradientOptions {
  /** Gradient evaluations per cell along the path; default 50. */
  steps?: number;
  /** Quadrature rule for the path integral; default 'gauss-legendre'. */
  rule?: QuadratureRuleName;
}

/** Integrated gradients for every cell, plus the completeness check. */
export interface IntegratedGradientsResult {
  /** `[nCells, nGenes]` float32, in the target's units (signed). */
  attributions: Float32Array;
  /** `[nCells]` float32: target at the input, f(x). */
  fx: Float32Array;
  /** `[nCells]` float32: target at the baseline, f(b). */
  fBaseline: Float32Array;
  /** `[nCells]` float32: |Σ attributions − (f(x) − f(b))|, in the target's units. */
  deltaAbs: Float32Array;
  /** `[nCells]` float32: deltaAbs / max(|f(x) − f(b)|, 1e-6), unitless. */
  deltaRel: Float32Array;
}

/** Default gradient evaluations per cell, as in Captum. */
export const DEFAULT_IG_STEPS = 50;

/**
 * Integrated gradients (Sundararajan et al. 2017) of `targetFn` from `baseline` to `x`, batched
 * over cells × steps. `x` is `[nCells, nGenes]` float32; `baseline` is `[nGenes]` (shared) or `[nCells, nGenes]`.
 */
export async function integratedGradients(
  tf: Tf,
  targetFn: TargetFn,
  x: Float32Array,
  baseline: Float32Array,
  opts: IntegratedGradientsOptions,
): Promise<IntegratedGradientsResult> {
  const nCells = checkMatrix(x, opts);
  const nGenes = opts.nGenes;
  const steps = opts.steps ?? DEFAULT_IG_STEPS;
  const maxRows = opts.maxRowsPerChunk ?? DEFAULT_MAX_ROWS_PER_CHUNK;
  const isBaselineShared = baseline.length === nGenes;
  if (!isBaselineShared && baseline.length !== x.length) {
    throw new Error(
      `The baseline holds ${baseline.length} values, but it must be one cell of ${nGenes} genes or one row per cell (${x.length} values); check its shape.`,
    );
  }
  const rule = quadratureRule(opts.rule ?? 'gauss-legendre', steps);
  // float32 copies: these go to the device as tensors; the float64 rule is exact to float32 rounding.
  const alphas = Float32Array.from(rule.nodes);
  const weights = Float32Array.from(rule.weights);
  const { signal, gradientFn } = opts;
  throwIfAborted(signal);

  // Forward passes at x and b count as one row each, like one gradient row (roughly the same cost order).
  const progress = new ProgressCounter(nCells * (steps + 2), opts.onProgress);
  const rowsOf = (src: Float32Array) => (c0: number, nc: number) =>
    tf.tensor2d(src.subarray(c0 * nGenes, (c0 + nc) * nGenes), [nc, nGenes]);
  const fx = await targetPerCell(tf, targetFn, nCells, maxRows, rowsOf(x), progress, signal);
  const fBaseline = await targetPerCell(
    tf,
    targetFn,
    nCells,
    maxRows,
    isBaselineShared ? (_c0, nc) => tf.tile(tf.tensor2d(baseline, [1, nGenes]), [nc, 1]) as Tensor2D : rowsOf(baseline),
    progress,
    signal,
  );

  // The cpu backend's broadcasting multiply/add over [cells, steps, genes] cost as much as the model
  // itself (scripts/profile_ig_cpu.ts): there the path and the quadrature sum are batched matMuls.
  // wasm's broadcasting ops are fast and its small-inner-dimension batched matMul is not: IG ran at
  // 10.4–10.7k cell·steps/s with matMuls against 15.2k with broadcasting (measured), so others broadcast.
  const isCpu = tf.getBackend() === 'cpu';
  const attributions = new Float32Array(nCells * nGenes);
  for (const chunk of planChunks(nCells, steps, maxRows)) {
    throwIfAborted(signal);
    const { cellStart: c0, cellCount: nc, stepStart: s0, stepCount: k } = chunk;
    const attr = tf.tidy(() => {
      const xs = tf.tensor2d(x.subarray(c0 * nGenes, (c0 + nc) * nGenes), [nc, nGenes]);
      const bs = isBaselineShared
        ? tf.tensor2d(baseline, [1, nGenes])
        : tf.tensor2d(baseline.subarray(c0 * nGenes, (c0 + nc) * nGenes), [nc, nGenes]);
      const diff = tf.sub(xs, bs); // [nc, nGenes]; a shared baseline broadcasts
      // Rows are cell-major: row i*k + j is cell c0+i at step s0+j, built on device, not uploaded.
      const batch = isCpu ? pathByMatMul(tf, xs, bs, alphas, s0, k) : pathByBroadcast(tf, bs, diff as Tensor2D, alphas, s0, k);
      const rowCells = new Int32Array(nc * k);
      for (let r = 0; r < rowCells.length; r++) rowCells[r] = c0 + Math.floor(r / k);
      // Rows are independent, so the gradient of the sum is each row's own gradient.
      const grads = gradientFn
        ? evalGradient(gradientFn, batch, rowCells).grad
        : tf.grad((b) => tf.sum(evalTarget(targetFn, b as Tensor2D, rowCells)))(batch);
      const integral = isCpu
        ? // The quadrature sum per cell as a matMul too: [nc, 1, k] × [nc, k, nGenes].
          tf.reshape(tf.matMul(tf.tensor3d(tiled(weights, s0, k, nc), [nc, 1, k]), tf.reshape(grads, [nc, k, nGenes]) as Tensor3D), [
            nc,
            nGenes,
          ])
        : tf.sum(tf.mul(tf.reshape(grads, [nc, k, nGenes]), tf.tensor3d(weights.subarray(s0, s0 + k), [1, k, 1])), 1);
      return tf.mul(integral, diff) as Tensor2D;
    });
    try {
      const values = (await attr.data()) as Float32Array;
      if (k === steps) {
        attributions.set(values, c0 * nGenes);
      } else {
        // One cell whose steps span several chunks: its partial integrals add up.
        const offset = c0 * nGenes;
        for (let g = 0; g < nGenes; g++) attributions[offset + g] += values[g];
      }
    } finally {
      attr.dispose();
    }
    progress.add(nc * k);
    await yieldToEventLoop();
  }

  const { deltaAbs, deltaRel } = completenessDelta(attributions, fx, fBaseline, nGenes);
  return { attributions, fx, fBaseline, deltaAbs, deltaRel };
}

/** `values[s0, s0 + k)` repeated `times` times, `[times * k]`. */
function tiled(values: Float32Array, s0: number, k: number, times: number): Float32Array {
  const out = new Float32Array(times * k);
  for (let i = 0; i < times; i++) out.set(values.subarray(s0, s0 + k), i * k);
  return out;
}

/** Path rows `[nc * k, nGenes]`: b + α_j (x − b), broadcast over `[nc, k, nGenes]`. */
function pathByBroadcast(tf: Tf, bs: Tensor2D, diff: Tensor2D, alphas: Float32Array, s0: number, k: number): Tensor2D {
  const alpha = tf.tensor3d(alphas.subarray(s0, s0 + k), [1, k, 1]);
  const path = tf.add(tf.expandDims(bs, 1), tf.mul(alpha, tf.expandDims(diff, 1))) as Tensor3D;
  return tf.reshape(path, [diff.shape[0] * k, diff.shape[1]]);
}

/** Path rows `[nc * k, nGenes]`: (1 − α_j)·b + α_j·x as one batched matMul `[nc, k, 2] × [nc, 2, nGenes]`. */
function pathByMatMul(tf: Tf, xs: Tensor2D, bs: Tensor2D, alphas: Float32Array, s0: number, k: number): Tensor2D {
  const [nc, nGenes] = xs.shape;
  const coef = new Float32Array(nc * k * 2);
  for (let i = 0; i < nc; i++) {
    for (let j = 0; j < k; j++) {
      coef[(i * k + j) * 2] = 1 - alphas[s0 + j];
      coef[(i * k + j) * 2 + 1] = alphas[s0 + j];
    }
  }
  const ends = tf.stack([bs.shape[0] === nc ? bs : tf.tile(bs, [nc, 1]), xs], 1) as Tensor3D; // [nc, 2, nGenes]
  return tf.reshape(tf.matMul(tf.tensor3d(coef, [nc, k, 2]), ends), [nc * k, nGenes]);
}

/**
 * Completeness error per cell: deltaAbs = |Σ_g attr − (f(x) − f(b))| and deltaRel = deltaAbs / max(|f(x) − f(b)|, 1e-6).
 * `attributions` `[nCells, nGenes]`, `fx` and `fBaseline` `[nCells]`; sums in float64.
 */
export function completenessDelta(
  attributions: Float32Array,
  fx: Float32Array,
  fBaseline: Float32Array,
  nGenes: number,
): { deltaAbs: Float32Array; deltaRel: Float32Array } {
  const nCells = fx.length;
  const deltaAbs = new Float32Array(nCells);
  const deltaRel = new Float32Array(nCells);
  for (let c = 0; c < nCells; c++) {
    let sum = 0;
    const offset = c * nGenes;
    for (let g = 0; g < nGenes; g++) sum += attributions[offset + g];
    const change = fx[c] - fBaseline[c];
    const abs = Math.abs(sum - change);
    deltaAbs[c] = abs;
    // Floor the denominator: with a mean baseline f(x) − f(b) can be ~0 (then show deltaAbs instead).
    deltaRel[c] = abs / Math.max(Math.abs(change), 1e-6);
  }
  return { deltaAbs, deltaRel };
}
