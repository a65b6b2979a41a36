import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import {
  DEFAULT_MAX_ROWS_PER_CHUNK,
  ProgressCounter,
  checkMatrix,
  consecutiveCells,
  evalGradient,
  evalTarget,
  throwIfAborted,
  yieldToEventLoop,
  type GradientOptions,
} from './batching.ts';
import type { TargetFn, Tf } from './targets.ts';

/** A single-gradient attribution for every cell. */
export interface GradientResult {
  /** `[nCells, nGenes]` float32, per method (see each function), in target units per expression unit or target units. */
  attributions: Float32Array;
  /** `[nCells]` float32: target at the input, f(x) (free from the same pass). */
  fx: Float32Array;
}

type Combine = 'gradient' | 'abs' | 'times-input';

/**
 * Signed input gradient ∂f/∂x per cell: `[nCells, nGenes]` float32, in target units per expression unit.
 * `x` is `[nCells, nGenes]` float32; batched in chunks of `maxRowsPerChunk` cells.
 */
export function inputGradient(tf: Tf, targetFn: TargetFn, x: Float32Array, opts: GradientOptions): Promise<GradientResult> {
  return gradientAttribution(tf, targetFn, x, opts, 'gradient');
}

/**
 * Saliency |∂f/∂x| per cell: `[nCells, nGenes]` float32, unsigned (use a sequential colour map).
 * `x` is `[nCells, nGenes]` float32; batched in chunks of `maxRowsPerChunk` cells.
 */
export function saliency(tf: Tf, targetFn: TargetFn, x: Float32Array, opts: GradientOptions): Promise<GradientResult> {
  return gradientAttribution(tf, targetFn, x, opts, 'abs');
}

/**
 * Gradient × input x ⊙ ∂f/∂x per cell: `[nCells, nGenes]` float32, signed, in target units
 * (IG with a zero baseline for a linear model). `x` is `[nCells, nGenes]` float32.
 */
export function gradientTimesInput(tf: Tf, targetFn: TargetFn, x: Float32Array, opts: GradientOptions): Promise<GradientResult> {
  return gradientAttribution(tf, targetFn, x, opts, 'times-input');
}

async function gradientAttribution(
  tf: Tf,
  targetFn: TargetFn,
  x: Float32Array,
  opts: GradientOptions,
  combine: Combine,
): Promise<GradientResult> {
  const nCells = checkMatrix(x, opts);
  const { nGenes, signal, gradientFn } = opts;
  const maxRows = opts.maxRowsPerChunk ?? DEFAULT_MAX_ROWS_PER_CHUNK;
  const attributions = new Float32Array(nCells * nGenes);
  const fx = new Float32Array(nCells);
  const progress = new ProgressCounter(nCells, opts.onProgress);
  throwIfAborted(signal);
  for (let c0 = 0; c0 < nCells; c0 += maxRows) {
    throwIfAborted(signal);
    const nc = Math.min(maxRows, nCells - c0);
    const [attr, value] = tf.tidy(() => {
      const xs = tf.tensor2d(x.subarray(c0 * nGenes, (c0 + nc) * nGenes), [nc, nGenes]);
      const rowCells = consecutiveCells(c0, nc);
      // valueAndGrad with the per-row vector (implicit dy = ones) is the gradient of the sum, and
      // returns f(x) per row from the same forward pass; a gradientFn does both by hand.
      const { value, grad } = gradientFn
        ? evalGradient(gradientFn, xs, rowCells)
        : tf.valueAndGrad((b: Tensor2D) => evalTarget(targetFn, b, rowCells))(xs);
      const out = combine === 'abs' ? tf.abs(grad) : combine === 'times-input' ? tf.mul(grad, xs) : grad;
      return [out as Tensor2D, value as Tensor1D];
    });
    try {
      attributions.set((await attr.data()) as Float32Array, c0 * nGenes);
      fx.set((await value.data()) as Float32Array, c0);
    } finally {
      attr.dispose();
      value.dispose();
    }
    progress.add(nc);
    await yieldToEventLoop();
  }
  return { attributions, fx };
}
