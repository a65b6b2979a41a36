/**
 * GradientSHAP (Lundberg & Lee 2017; Captum's GradientShap without input noise): for each cell,
 * `samples` draws of a baseline b from a set of reference cells and α ~ U(0, 1); the attribution
 * is the mean of (x − b) ⊙ ∂f(b + α(x − b))/∂x. In expectation Σ attr = f(x) − E_b[f(b)].
 */
import { ProgressCounter, checkMatrix, targetPerCell, type GradientOptions } from './batching.ts';
import { sampleRandom, sampledGradients } from './sampled_gradients.ts';
import type { TargetFn, Tf } from './targets.ts';
import { mulberry32 } from '../random.ts';

/** Options for `gradientShap`. */
export interface GradientShapOptions extends GradientOptions {
  /** (baseline, α) draws per cell; default 50. */
  samples?: number;
  /**
   * `[nCells]` key per cell mixed into its seed (for example its dataset row); default its position
   * in `x`. With dataset rows, a cell gets the same draws whichever subset or block it is run in.
   */
  seedKeys?: ArrayLike<number>;
  /** Seed of the draws; default 0. */
  seed?: number;
}

/** GradientSHAP defaults; 50 draws gives a completeness error of a few percent on the demo classifier. */
export const GRADIENT_SHAP_DEFAULTS = { samples: 50, seed: 0 } as const;

/** GradientSHAP attributions and the expected-value check. */
export interface GradientShapResult {
  /** `[nCells, nGenes]` float32, signed, in target units. */
  attributions: Float32Array;
  /** `[nCells]` float32: f(x). */
  fx: Float32Array;
  /** `[nCells]` float32: mean target over the drawn baselines, the sample estimate of E_b[f(b)]. */
  fBaselineMean: Float32Array;
  /** `[nCells]` float32: |Σ attr − (f(x) − mean f(b))| / max(|f(x) − mean f(b)|, 1e-6) (sampling error, not 0). */
  deltaRel: Float32Array;
}

/** The baseline row and α of cell `cell`, draw `sample` (tests rebuild the draws with it). */
export function gradientShapDraw(seed: number, cell: number, sample: number, nBaselines: number): { baseline: number; alpha: number } {
  const random = sampleRandom(seed, cell, sample);
  const baseline = Math.min(nBaselines - 1, Math.floor(random() * nBaselines));
  return { baseline, alpha: Math.fround(random()) };
}

/**
 * `k` distinct cell indices out of `n`, drawn with `seed` (partial Fisher–Yates), ascending:
 * the reference cells GradientSHAP takes its baselines from.
 */
export function sampleCellIndices(n: number, k: number, seed: number): Int32Array {
  const m = Math.min(n, Math.max(0, Math.floor(k)));
  const idx = new Int32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  const random = mulberry32(seed);
  for (let i = 0; i < m; i++) {
    const j = i + Math.floor(random() * (n - i));
    const t = idx[i];
    idx[i] = idx[j];
    idx[j] = t;
  }
  return idx.slice(0, m).sort();
}

/**
 * GradientSHAP for every cell of `x` `[nCells, nGenes]` against `baselines` `[nBaselines, nGenes]`
 * float32 (for example `sampleCellIndices` rows of the dataset). Batched over cells × draws.
 */
export async function gradientShap(
  tf: Tf,
  targetFn: TargetFn,
  x: Float32Array,
  baselines: Float32Array,
  opts: GradientShapOptions,
): Promise<GradientShapResult> {
  const nCells = checkMatrix(x, opts);
  const { nGenes } = opts;
  if (baselines.length === 0 || baselines.length % nGenes !== 0) {
    throw new Error(
      `GradientSHAP needs at least one baseline cell of ${nGenes} genes, but got ${baselines.length} values; pass [nBaselines, nGenes].`,
    );
  }
  const nBaselines = baselines.length / nGenes;
  const samples = opts.samples ?? GRADIENT_SHAP_DEFAULTS.samples;
  const seed = opts.seed ?? GRADIENT_SHAP_DEFAULTS.seed;
  const progress = new ProgressCounter(nCells * (samples + 1), opts.onProgress);
  const keys = opts.seedKeys;
  const maxRows = opts.maxRowsPerChunk ?? 4096;
  const fx = await targetPerCell(
    tf,
    targetFn,
    nCells,
    maxRows,
    (c0, nc) => tf.tensor2d(x.subarray(c0 * nGenes, (c0 + nc) * nGenes), [nc, nGenes]),
    progress,
    opts.signal,
  );
  const { attributions, referenceMean } = await sampledGradients(
    tf,
    targetFn,
    x,
    samples,
    opts,
    (c0, nc, s0, k) => {
      const rows = nc * k * nGenes;
      const points = new Float32Array(rows);
      const scale = new Float32Array(rows);
      const reference = new Float32Array(rows);
      for (let i = 0; i < nc; i++) {
        const cell = c0 + i;
        const xo = cell * nGenes;
        for (let j = 0; j < k; j++) {
          const { baseline, alpha } = gradientShapDraw(seed, keys ? keys[cell] : cell, s0 + j, nBaselines);
          const bo = baseline * nGenes;
          const o = (i * k + j) * nGenes;
          for (let g = 0; g < nGenes; g++) {
            const b = baselines[bo + g];
            const d = x[xo + g] - b;
            scale[o + g] = d;
            points[o + g] = b + alpha * d;
            reference[o + g] = b;
          }
        }
      }
      return { points, scale, reference };
    },
    progress,
  );
  const deltaRel = new Float32Array(nCells);
  for (let c = 0; c < nCells; c++) {
    let sum = 0;
    for (let g = 0; g < nGenes; g++) sum += attributions[c * nGenes + g];
    const change = fx[c] - referenceMean[c];
    deltaRel[c] = Math.abs(sum - change) / Math.max(Math.abs(change), 1e-6);
  }
  return { attributions, fx, fBaselineMean: referenceMean, deltaRel };
}
