/**
 * Every attribution method on a linear and a logistic model, whose gradients are known in closed
 * form: linear exactly (rel 1e-5), logistic against float64 references built from the same seeded
 * draws (1e-4). Plus the decoded-gene target, the tensor-leak check for every method, baselines and
 * aggregates.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientTimesInput, inputGradient, saliency } from '../../../src/core/attribution/saliency.ts';
import { integratedGradients } from '../../../src/core/attribution/integrated_gradients.ts';
import { smoothGrad, smoothGradNoise, smoothGradSigma } from '../../../src/core/attribution/smoothgrad.ts';
import { gradientShap, gradientShapDraw, sampleCellIndices } from '../../../src/core/attribution/gradient_shap.ts';
import { decodedGeneTarget, probabilityTarget, type TargetFn } from '../../../src/core/attribution/targets.ts';
import { aggregateAttributions, mergeAggregates, rankGenes } from '../../../src/core/attribution/aggregates.ts';
import { buildBaseline } from '../../../src/core/attribution/baselines.ts';
import { expectClose, normals, seededRandom, uniforms } from './helpers.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const nGenes = 10;
const nCells = 4;
const random = seededRandom(11);
const w = normals(random, nGenes, 0.4);
const bias = -0.2;
const x = uniforms(random, nCells * nGenes, 0, 3);
const refCells = uniforms(random, 6 * nGenes, 0, 2);
const wT = tf.keep(tf.tensor2d(w, [nGenes, 1]));
afterAll(() => wT.dispose());

const dot = (v: ArrayLike<number>, o = 0) => {
  let s = bias;
  for (let g = 0; g < nGenes; g++) s += w[g] * v[o + g];
  return s;
};
const sigmoid = (u: number) => 1 / (1 + Math.exp(-u));
const row = (m: Float32Array, c: number) => m.subarray(c * nGenes, (c + 1) * nGenes);

/** f(x) = w·x + b. */
const linear: TargetFn = (batch) => tf.add(tf.reshape(tf.matMul(batch, wT), [-1]), bias) as Tensor1D;
/** f(x) = σ(w·x + b), as the probability of class 1 of a two-logit model [0, w·x + b]. */
const twoLogits = (batch: Tensor2D) => tf.concat([tf.zerosLike(tf.matMul(batch, wT)), tf.add(tf.matMul(batch, wT), bias)], 1) as Tensor2D;
const logistic: TargetFn = probabilityTarget(tf, twoLogits, 1);

describe('gradient methods, closed form', () => {
  it('linear: gradient = w, saliency = |w|, gradient × input = x ⊙ w, exactly', async () => {
    const grad = await inputGradient(tf, linear, x, { nGenes });
    const sal = await saliency(tf, linear, x, { nGenes });
    const gxi = await gradientTimesInput(tf, linear, x, { nGenes });
    const expW = Float64Array.from({ length: nCells * nGenes }, (_, i) => w[i % nGenes]);
    expectClose(grad.attributions, expW, 1e-5);
    expectClose(sal.attributions, expW.map(Math.abs), 1e-5);
    expectClose(
      gxi.attributions,
      expW.map((v, i) => v * x[i]),
      1e-5,
      1e-7,
    );
    expectClose(
      grad.fx,
      Array.from({ length: nCells }, (_, c) => dot(x, c * nGenes)),
      1e-5,
      1e-6,
    );
  });

  it("logistic: gradient = σ'(u) w and gradient × input = x ⊙ σ'(u) w", async () => {
    const grad = await inputGradient(tf, logistic, x, { nGenes });
    const gxi = await gradientTimesInput(tf, logistic, x, { nGenes });
    const expected = new Float64Array(nCells * nGenes);
    for (let c = 0; c < nCells; c++) {
      const s = sigmoid(dot(x, c * nGenes));
      for (let g = 0; g < nGenes; g++) expected[c * nGenes + g] = s * (1 - s) * w[g];
    }
    expectClose(grad.attributions, expected, 1e-4, 1e-7);
    expectClose(
      gxi.attributions,
      expected.map((v, i) => v * x[i]),
      1e-4,
      1e-7,
    );
  });
});

describe('SmoothGrad', () => {
  const opts = { nGenes, samples: 7, noiseFraction: 0.2, seed: 5 };

  it('σ is the fraction of each cell’s range', () => {
    const sigma = smoothGradSigma(x, nGenes, 0.2);
    for (let c = 0; c < nCells; c++) {
      const r = row(x, c);
      expect(sigma[c]).toBeCloseTo(0.2 * (Math.max(...r) - Math.min(...r)), 12);
    }
  });

  it('linear: the mean noisy gradient is w exactly, whatever the noise', async () => {
    const sg = await smoothGrad(tf, linear, x, opts);
    expectClose(
      sg.attributions,
      Float64Array.from({ length: nCells * nGenes }, (_, i) => w[i % nGenes]),
      1e-5,
    );
  });

  it('logistic: matches the float64 mean of σ′(w·(x + ε) + b) w over the same seeded noise', async () => {
    const sg = await smoothGrad(tf, logistic, x, opts);
    const sgTimes = await smoothGrad(tf, logistic, x, { ...opts, isTimesInput: true });
    const sigma = smoothGradSigma(x, nGenes, opts.noiseFraction);
    const expected = new Float64Array(nCells * nGenes);
    const expectedTimes = new Float64Array(nCells * nGenes);
    for (let c = 0; c < nCells; c++) {
      for (let s = 0; s < opts.samples; s++) {
        const noise = smoothGradNoise(opts.seed, c, s, nGenes, sigma[c]);
        const p = Float32Array.from(row(x, c), (v, g) => v + noise[g]);
        const q = sigmoid(dot(p));
        for (let g = 0; g < nGenes; g++) {
          expected[c * nGenes + g] += (q * (1 - q) * w[g]) / opts.samples;
          expectedTimes[c * nGenes + g] += (q * (1 - q) * w[g] * p[g]) / opts.samples;
        }
      }
    }
    expectClose(sg.attributions, expected, 1e-4, 1e-7);
    expectClose(sgTimes.attributions, expectedTimes, 1e-4, 1e-7);
    // The noise matters: SmoothGrad differs from the plain gradient by far more than rounding.
    const plain = await inputGradient(tf, logistic, x, { nGenes });
    let diff = 0;
    for (let i = 0; i < plain.attributions.length; i++) diff = Math.max(diff, Math.abs(plain.attributions[i] - sg.attributions[i]));
    expect(diff).toBeGreaterThan(1e-3);
  });

  it('gives the same numbers whatever the chunking (seeds are per cell and sample)', async () => {
    const a = await smoothGrad(tf, logistic, x, opts);
    const b = await smoothGrad(tf, logistic, x, { ...opts, maxRowsPerChunk: 3 });
    expectClose(b.attributions, a.attributions, 1e-6, 1e-9);
    const c = await smoothGrad(tf, logistic, x, { ...opts, seed: 6 });
    expect(Array.from(c.attributions)).not.toEqual(Array.from(a.attributions));
  });
});

describe('GradientSHAP', () => {
  const opts = { nGenes, samples: 9, seed: 3 };
  const nRef = refCells.length / nGenes;

  it('linear: w ⊙ (x − mean of the drawn baselines), and Σ attr = f(x) − mean f(b) exactly', async () => {
    const r = await gradientShap(tf, linear, x, refCells, opts);
    const expected = new Float64Array(nCells * nGenes);
    const fbMean = new Float64Array(nCells);
    for (let c = 0; c < nCells; c++) {
      for (let s = 0; s < opts.samples; s++) {
        const { baseline } = gradientShapDraw(opts.seed, c, s, nRef);
        fbMean[c] += dot(refCells, baseline * nGenes) / opts.samples;
        for (let g = 0; g < nGenes; g++)
          expected[c * nGenes + g] += (w[g] * (x[c * nGenes + g] - refCells[baseline * nGenes + g])) / opts.samples;
      }
    }
    expectClose(r.attributions, expected, 1e-5, 1e-6);
    expectClose(r.fBaselineMean, fbMean, 1e-5, 1e-6);
    for (const d of r.deltaRel) expect(d).toBeLessThan(1e-4);
  });

  it('logistic: matches the float64 mean of (x − b) ⊙ σ′(w·(b + α(x − b)) + b₀) w over the same draws', async () => {
    const r = await gradientShap(tf, logistic, x, refCells, opts);
    const expected = new Float64Array(nCells * nGenes);
    for (let c = 0; c < nCells; c++) {
      for (let s = 0; s < opts.samples; s++) {
        const { baseline, alpha } = gradientShapDraw(opts.seed, c, s, nRef);
        const b = row(refCells, baseline);
        const p = Float32Array.from(b, (bg, g) => bg + alpha * (x[c * nGenes + g] - bg));
        const q = sigmoid(dot(p));
        for (let g = 0; g < nGenes; g++) expected[c * nGenes + g] += ((x[c * nGenes + g] - b[g]) * q * (1 - q) * w[g]) / opts.samples;
      }
    }
    expectClose(r.attributions, expected, 1e-4, 1e-7);
    const chunked = await gradientShap(tf, logistic, x, refCells, { ...opts, maxRowsPerChunk: 4 });
    expectClose(chunked.attributions, r.attributions, 1e-6, 1e-9);
  });

  it('draws distinct, sorted reference cells with a seed, and rejects an empty baseline set', async () => {
    const idx = sampleCellIndices(100, 10, 42);
    expect(new Set(idx).size).toBe(10);
    expect(Array.from(idx)).toEqual([...idx].sort((a, b) => a - b));
    expect(Array.from(sampleCellIndices(100, 10, 42))).toEqual(Array.from(idx));
    expect(Array.from(sampleCellIndices(5, 10, 1))).toEqual([0, 1, 2, 3, 4]);
    await expect(gradientShap(tf, linear, x, new Float32Array(0), opts)).rejects.toThrow(/at least one baseline cell/);
  });
});

describe('decoded-gene target (linear VAE: z = x A, y = z D)', () => {
  const K = 3;
  const A = normals(random, nGenes * K, 0.5);
  const D = normals(random, K * nGenes, 0.5);
  it('has gradient (A D)[:, gene] per cell', async () => {
    const At = tf.tensor2d(A, [nGenes, K]);
    const Dt = tf.tensor2d(D, [K, nGenes]);
    const genes = Int32Array.from([0, 3, 7, 9]);
    const target = decodedGeneTarget(
      tf,
      (b) => tf.matMul(b, At),
      (z) => tf.matMul(z, Dt),
      genes,
    );
    const grad = await inputGradient(tf, target, x, { nGenes });
    const expected = new Float64Array(nCells * nGenes);
    for (let c = 0; c < nCells; c++)
      for (let i = 0; i < nGenes; i++) for (let k = 0; k < K; k++) expected[c * nGenes + i] += A[i * K + k] * D[k * nGenes + genes[c]];
    expectClose(grad.attributions, expected, 1e-5, 1e-7);
    tf.dispose([At, Dt]);
  });
});

describe('no tensor leaks', () => {
  it('every method leaves tf.memory().numTensors where it was', async () => {
    const before = tf.memory().numTensors;
    await inputGradient(tf, logistic, x, { nGenes });
    await saliency(tf, logistic, x, { nGenes });
    await gradientTimesInput(tf, logistic, x, { nGenes });
    await integratedGradients(tf, logistic, x, new Float32Array(nGenes), { nGenes, steps: 8 });
    await integratedGradients(tf, logistic, x, new Float32Array(nGenes), {
      nGenes,
      steps: 8,
      rule: 'riemann-trapezoid',
      maxRowsPerChunk: 3,
    });
    await smoothGrad(tf, logistic, x, { nGenes, samples: 5, maxRowsPerChunk: 3 });
    await gradientShap(tf, logistic, x, refCells, { nGenes, samples: 5, maxRowsPerChunk: 3 });
    await expect(gradientShap(tf, logistic, x, refCells, { nGenes, samples: 5, signal: { aborted: true } })).rejects.toThrow(/cancelled/);
    await expect(smoothGrad(tf, logistic, x, { nGenes, samples: 5, signal: { aborted: true } })).rejects.toThrow(/cancelled/);
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe('baselines and aggregates', () => {
  const read = (start: number, count: number) => x.slice(start * nGenes, (start + count) * nGenes);
  it('builds zeros, dataset mean, selection mean and a chosen cell', () => {
    expect(Array.from(buildBaseline('zeros', read, nCells, nGenes))).toEqual(new Array(nGenes).fill(0));
    const mean = buildBaseline('mean', read, nCells, nGenes, {});
    expectClose(
      mean,
      Array.from({ length: nGenes }, (_, g) => (x[g] + x[nGenes + g] + x[2 * nGenes + g] + x[3 * nGenes + g]) / 4),
      1e-6,
    );
    const sel = buildBaseline('selection', read, nCells, nGenes, { selection: [0, 1, 0, 1] });
    expectClose(
      sel,
      Array.from({ length: nGenes }, (_, g) => (x[nGenes + g] + x[3 * nGenes + g]) / 2),
      1e-6,
    );
    expect(Array.from(buildBaseline('cell', read, nCells, nGenes, { cell: 2 }))).toEqual(Array.from(row(x, 2)));
    expect(() => buildBaseline('selection', read, nCells, nGenes, { selection: [0, 0, 0, 0] })).toThrow(/selection is empty/);
    expect(() => buildBaseline('cell', read, nCells, nGenes, { cell: 9 })).toThrow(/does not exist/);
  });

  it('averages signed and absolute attributions, merges parts by cell count, and ranks genes', () => {
    const attr = Float32Array.from([1, -2, 3, -3, 2, 1]);
    const agg = aggregateAttributions(attr, 3);
    expect(Array.from(agg.meanSigned)).toEqual([-1, 0, 2]);
    expect(Array.from(agg.meanAbs)).toEqual([2, 2, 2]);
    const merged = mergeAggregates([aggregateAttributions(attr.subarray(0, 3), 3), aggregateAttributions(attr.subarray(3), 3)]);
    expect(Array.from(merged.meanSigned)).toEqual([-1, 0, 2]);
    const ranked = rankGenes(['A', 'B', 'C'], agg, 'signed');
    expect(ranked.map((r) => r.gene)).toEqual(['C', 'B', 'A']);
    expect(rankGenes(['A', 'B', 'C'], agg).map((r) => r.gene)).toEqual(['A', 'B', 'C']);
    expect(() => aggregateAttributions(new Float32Array(0), 3)).toThrow(/at least one cell/);
  });
});
