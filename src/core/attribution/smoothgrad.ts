/**
 * SmoothGrad (Smilkov et al. 2017): the input gradient averaged over noisy copies of the cell,
 * x + ε with ε ~ N(0, σ²), σ = noiseFraction × (max x − min x) of that cell. Seeded per (cell, sample).
 */
import { ProgressCounter, checkMatrix, type GradientOptions } from './batching.ts';
import { fillNormals, sampleRandom, sampledGradients } from './sampled_gradients.ts';
import type { TargetFn, Tf } from './targets.ts';

/** Options for `smoothGrad`. */
export interface SmoothGradOptions extends GradientOptions {
  /** Noisy copies per cell; default 25. */
  samples?: number;
  /** σ as a fraction of the cell's input range (max − min); default 0.15 (the paper's 10–20 %). */
  noiseFraction?: number;
  /**
   * `[nCells]` key per cell mixed into its seed (for example its dataset row); default its position
   * in `x`. With dataset rows, a cell gets the same draws whichever subset or block it is run in.
   */
  seedKeys?: ArrayLike<number>;
  /** Seed of the noise; default 0. */
  seed?: number;
  /** Multiply each noisy gradient by its noisy input (SmoothGrad of gradient × input); default false. */
  isTimesInput?: boolean;
}

/** SmoothGrad defaults. */
export const SMOOTHGRAD_DEFAULTS = { samples: 25, noiseFraction: 0.15, seed: 0 } as const;

/**
 * σ per cell: `noiseFraction` × (max − min) of each row of `x` `[nCells, nGenes]` → `[nCells]`,
 * in expression units.
 */
export function smoothGradSigma(x: Float32Array, nGenes: number, noiseFraction: number): Float64Array {
  if (!(noiseFraction >= 0) || !Number.isFinite(noiseFraction)) {
    throw new Error(
      `The SmoothGrad noise level must be a fraction ≥ 0 of the input range, but got ${noiseFraction}; use for example 0.15.`,
    );
  }
  const n = x.length / nGenes;
  const sigma = new Float64Array(n);
  for (let c = 0; c < n; c++) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let g = 0; g < nGenes; g++) {
      const v = x[c * nGenes + g];
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    sigma[c] = noiseFraction * (hi - lo);
  }
  return sigma;
}

/** The noise SmoothGrad adds to cell `cell` in sample `sample`: `[nGenes]` float32 (tests rebuild it). */
export function smoothGradNoise(seed: number, cell: number, sample: number, nGenes: number, sigma: number): Float32Array {
  return fillNormals(new Float32Array(nGenes), sampleRandom(seed, cell, sample), sigma);
}

/**
 * SmoothGrad for every cell: `attributions` `[nCells, nGenes]` float32, the mean noisy gradient
 * (target units per expression unit; × input when `isTimesInput`, then target units).
 * `x` is `[nCells, nGenes]` float32; batched over cells × samples.
 */
export async function smoothGrad(
  tf: Tf,
  targetFn: TargetFn,
  x: Float32Array,
  opts: SmoothGradOptions,
): Promise<{ attributions: Float32Array; sigma: Float64Array }> {
  const nCells = checkMatrix(x, opts);
  const { nGenes } = opts;
  const samples = opts.samples ?? SMOOTHGRAD_DEFAULTS.samples;
  const seed = opts.seed ?? SMOOTHGRAD_DEFAULTS.seed;
  const sigma = smoothGradSigma(x, nGenes, opts.noiseFraction ?? SMOOTHGRAD_DEFAULTS.noiseFraction);
  const isTimesInput = opts.isTimesInput ?? false;
  const keys = opts.seedKeys;
  const progress = new ProgressCounter(nCells * samples, opts.onProgress);
  const noise = new Float32Array(nGenes);
  const { attributions } = await sampledGradients(
    tf,
    targetFn,
    x,
    samples,
    opts,
    (c0, nc, s0, k) => {
      const points = new Float32Array(nc * k * nGenes);
      for (let i = 0; i < nc; i++) {
        const cell = c0 + i;
        const row = x.subarray(cell * nGenes, (cell + 1) * nGenes);
        for (let j = 0; j < k; j++) {
          fillNormals(noise, sampleRandom(seed, keys ? keys[cell] : cell, s0 + j), sigma[cell]);
          const o = (i * k + j) * nGenes;
          for (let g = 0; g < nGenes; g++) points[o + g] = row[g] + noise[g];
        }
      }
      return { points, scale: isTimesInput ? points : null, reference: null };
    },
    progress,
  );
  return { attributions, sigma };
}
