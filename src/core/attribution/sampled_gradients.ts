/**
 * The shared loop of the sampling methods (SmoothGrad, GradientSHAP): for every cell, `samples`
 * input points built in JS, one batched gradient per chunk of rows, and the mean over samples of
 * gradient ⊙ scale. Seeds are mixed per (cell, sample), so results do not depend on the chunking.
 */
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import {
  DEFAULT_MAX_ROWS_PER_CHUNK,
  ProgressCounter,
  checkMatrix,
  evalGradient,
  evalTarget,
  planChunks,
  throwIfAborted,
  yieldToEventLoop,
  type GradientOptions,
} from './batching.ts';
import type { TargetFn, Tf } from './targets.ts';
import { mulberry32 } from '../random.ts';

/** Rows for one chunk: cell `cellStart + i`, sample `stepStart + j` is row `i * stepCount + j`. */
export interface SampleRows {
  /** `[rows, nGenes]` float32: where the gradient is taken. */
  points: Float32Array;
  /** `[rows, nGenes]` float32 multiplied into the gradient, or null for the plain gradient. */
  scale: Float32Array | null;
  /** `[rows, nGenes]` float32 whose target values are averaged per cell (GradientSHAP's baselines), or null. */
  reference: Float32Array | null;
}

/** What the sampling loop returns. */
export interface SampledResult {
  /** `[nCells, nGenes]` float32: mean over samples of gradient ⊙ scale. */
  attributions: Float32Array;
  /** `[nCells]` float32: mean target over the `reference` rows (0 when there are none). */
  referenceMean: Float32Array;
}

/**
 * Runs the sampling loop. `makeRows(cellStart, cellCount, stepStart, stepCount)` builds each chunk's rows.
 * `x` is only read for its shape here (`[nCells, nGenes]`).
 */
export async function sampledGradients(
  tf: Tf,
  targetFn: TargetFn,
  x: Float32Array,
  samples: number,
  opts: GradientOptions,
  makeRows: (cellStart: number, cellCount: number, stepStart: number, stepCount: number) => SampleRows,
  progress: ProgressCounter,
): Promise<SampledResult> {
  const nCells = checkMatrix(x, opts);
  if (!Number.isInteger(samples) || samples < 1) {
    throw new Error(`The number of samples must be a whole number ≥ 1, but got ${samples}; use for example 25.`);
  }
  const { nGenes, signal, gradientFn } = opts;
  const maxRows = opts.maxRowsPerChunk ?? DEFAULT_MAX_ROWS_PER_CHUNK;
  const attributions = new Float32Array(nCells * nGenes);
  const referenceSum = new Float64Array(nCells);
  let hasReference = false;
  for (const { cellStart: c0, cellCount: nc, stepStart: s0, stepCount: k } of planChunks(nCells, samples, maxRows)) {
    throwIfAborted(signal);
    const rows = makeRows(c0, nc, s0, k);
    const rowCells = new Int32Array(nc * k);
    for (let r = 0; r < rowCells.length; r++) rowCells[r] = c0 + Math.floor(r / k);
    const out = tf.tidy(() => {
      const batch = tf.tensor2d(rows.points, [nc * k, nGenes]);
      const grads = gradientFn
        ? evalGradient(gradientFn, batch, rowCells).grad
        : tf.grad((b) => tf.sum(evalTarget(targetFn, b as Tensor2D, rowCells)))(batch);
      const scaled = rows.scale ? tf.mul(grads, tf.tensor2d(rows.scale, [nc * k, nGenes])) : grads;
      const mean = tf.div(tf.sum(tf.reshape(scaled, [nc, k, nGenes]), 1), samples) as Tensor2D;
      const refValues = rows.reference ? evalTarget(targetFn, tf.tensor2d(rows.reference, [nc * k, nGenes]), rowCells) : null;
      return refValues ? [mean, refValues] : [mean];
    });
    const [attr, ref] = out as [Tensor2D, Tensor1D | undefined];
    try {
      const values = (await attr.data()) as Float32Array;
      const offset = c0 * nGenes;
      for (let i = 0; i < values.length; i++) attributions[offset + i] += values[i];
      if (ref) {
        hasReference = true;
        const rv = (await ref.data()) as Float32Array;
        for (let r = 0; r < rv.length; r++) referenceSum[c0 + Math.floor(r / k)] += rv[r];
      }
    } finally {
      attr.dispose();
      ref?.dispose();
    }
    progress.add(nc * k);
    await yieldToEventLoop();
  }
  const referenceMean = Float32Array.from(referenceSum, (v) => (hasReference ? v / samples : 0));
  return { attributions, referenceMean };
}

/**
 * A uniform [0, 1) source for one (cell, sample) of a seeded run: the seed, cell and sample are
 * mixed (murmur3 finaliser) so neighbouring cells get unrelated streams.
 */
export function sampleRandom(seed: number, cell: number, sample: number): () => number {
  let h = (seed >>> 0) ^ Math.imul(cell + 1, 0x9e3779b1) ^ Math.imul(sample + 1, 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  h ^= h >>> 16;
  return mulberry32(h >>> 0);
}

/** Fills `out` with standard-normal values × `sigma` (Box–Muller, float64 maths, float32 storage). */
export function fillNormals(out: Float32Array, random: () => number, sigma: number): Float32Array {
  for (let i = 0; i < out.length; i += 2) {
    const u = 1 - random();
    const v = random();
    const r = sigma * Math.sqrt(-2 * Math.log(u));
    out[i] = r * Math.cos(2 * Math.PI * v);
    if (i + 1 < out.length) out[i + 1] = r * Math.sin(2 * Math.PI * v);
  }
  return out;
}
