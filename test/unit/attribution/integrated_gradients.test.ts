import * as tf from '@tensorflow/tfjs';
import type { Tensor1D } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { completenessDelta, integratedGradients } from '../../../src/core/attribution/integrated_gradients.ts';
import { logitTarget, type TargetFn } from '../../../src/core/attribution/targets.ts';
import { expectClose, maxAbs, normals, seededRandom, uniforms } from './helpers.ts';
import { TinyMlp } from './models.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

/** f(x) = w·x + bias, one row per cell. */
function linearTarget(w: Float32Array, bias: number): { target: TargetFn; dispose: () => void } {
  const wt = tf.tensor2d(w, [w.length, 1]);
  return {
    target: (batch) => tf.add(tf.reshape(tf.matMul(batch, wt), [-1]), bias) as Tensor1D,
    dispose: () => wt.dispose(),
  };
}

describe('integratedGradients on a linear model', () => {
  const nGenes = 12;
  const nCells = 5;
  const random = seededRandom(7);
  const w = normals(random, nGenes);
  const bias = 0.3;
  const x = uniforms(random, nCells * nGenes, 0, 4);
  const perCellBaseline = uniforms(random, nCells * nGenes, -1, 1);
  const sharedBaseline = uniforms(random, nGenes, 0, 1);
  const linear = linearTarget(w, bias);
  afterAll(() => linear.dispose());

  const cases = [
    { rule: 'gauss-legendre', steps: 50, baseline: 'per-cell' },
    { rule: 'gauss-legendre', steps: 3, baseline: 'shared' },
    { rule: 'riemann-trapezoid', steps: 50, baseline: 'per-cell' },
    { rule: 'riemann-trapezoid', steps: 2, baseline: 'shared' },
  ] as const;

  it.each(cases)('equals (x − b) ⊙ w exactly with $rule, $steps steps, $baseline baseline', async ({ rule, steps, baseline }) => {
    const b = baseline === 'shared' ? sharedBaseline : perCellBaseline;
    const res = await integratedGradients(tf, linear.target, x, b, { nGenes, steps, rule });
    const expected = new Float64Array(nCells * nGenes);
    const fx = new Float64Array(nCells);
    const fb = new Float64Array(nCells);
    for (let c = 0; c < nCells; c++) {
      fx[c] = bias;
      fb[c] = bias;
      for (let g = 0; g < nGenes; g++) {
        const bg = baseline === 'shared' ? b[g] : b[c * nGenes + g];
        expected[c * nGenes + g] = (x[c * nGenes + g] - bg) * w[g];
        fx[c] += x[c * nGenes + g] * w[g];
        fb[c] += bg * w[g];
      }
    }
    expectClose(res.attributions, expected, 1e-5, 1e-7);
    expectClose(res.fx, fx, 1e-5, 1e-6);
    expectClose(res.fBaseline, fb, 1e-5, 1e-6);
    // Completeness: float32 forward passes limit it, not the quadrature.
    expect(maxAbs(res.deltaAbs)).toBeLessThan(1e-5 * Math.max(1, maxAbs(fx)));
    expect(maxAbs(res.deltaRel)).toBeLessThan(1e-4);
  });
});

describe('integratedGradients on a logistic model, zero baseline', () => {
  const nGenes = 10;
  const nCells = 4;
  const random = seededRandom(11);
  const w = normals(random, nGenes, 0.8);
  const bias = -0.5;
  const x = uniforms(random, nCells * nGenes, 0, 3);
  const zero = new Float32Array(nGenes);
  const wt = tf.tensor2d(w, [nGenes, 1]);
  afterAll(() => wt.dispose());
  const target: TargetFn = (batch) => tf.sigmoid(tf.add(tf.reshape(tf.matMul(batch, wt), [-1]), bias)) as Tensor1D;

  /** float64 reference: trapezoid over 1000 intervals of the closed-form gradient σ'(bias + α w·x) w. */
  function reference(): Float64Array {
    const out = new Float64Array(nCells * nGenes);
    const sigmoid = (z: number) => 1 / (1 + Math.exp(-z));
    const intervals = 1000;
    for (let c = 0; c < nCells; c++) {
      let s = 0;
      for (let g = 0; g < nGenes; g++) s += x[c * nGenes + g] * w[g];
      let integral = 0;
      for (let i = 0; i <= intervals; i++) {
        const p = sigmoid(bias + (i / intervals) * s);
        const weight = i === 0 || i === intervals ? 0.5 : 1;
        integral += (weight * p * (1 - p)) / intervals;
      }
      for (let g = 0; g < nGenes; g++) out[c * nGenes + g] = x[c * nGenes + g] * w[g] * integral;
    }
    return out;
  }

  it('makes the integrand curved enough to matter (reference ≠ gradient × input)', () => {
    // Guard against a test that passes for a linear reason: the path must cross σ's curvature.
    const ref = reference();
    let maxRatio = 0;
    for (let c = 0; c < nCells; c++) {
      let s = 0;
      for (let g = 0; g < nGenes; g++) s += x[c * nGenes + g] * w[g];
      const p = 1 / (1 + Math.exp(-(bias + s)));
      const gxi = x[c * nGenes] * w[0] * p * (1 - p);
      maxRatio = Math.max(maxRatio, Math.abs(ref[c * nGenes] / gxi - 1));
    }
    expect(maxRatio).toBeGreaterThan(0.2);
  });

  it('Gauss–Legendre with 50 steps matches a 1,000-step float64 reference within 1e-4', async () => {
    const res = await integratedGradients(tf, target, x, zero, { nGenes, steps: 50 });
    expectClose(res.attributions, reference(), 0, 1e-4);
    expect(maxAbs(res.deltaRel)).toBeLessThan(1e-4);
  });

  it('the trapezoid rule with 50 steps converges to the same reference (looser: O(h²))', async () => {
    const res = await integratedGradients(tf, target, x, zero, { nGenes, steps: 50, rule: 'riemann-trapezoid' });
    expectClose(res.attributions, reference(), 0, 1e-3);
  });
});

describe('integratedGradients on a small tanh MLP', () => {
  const mlp = new TinyMlp(2024);
  const net = mlp.toTf(tf);
  afterAll(() => net.dispose());
  const nGenes = mlp.nIn;
  const nCells = 7;
  const random = seededRandom(3);
  const x = uniforms(random, nCells * nGenes, 0, 3);
  const classes = Int32Array.from({ length: nCells }, (_, c) => c % mlp.nOut);
  const zero = new Float32Array(nGenes);
  const target = logitTarget(tf, net.model, classes);

  /** float64 IG: Gauss–Legendre would share code with the subject, so use a 2,000-interval trapezoid. */
  function reference(): Float64Array {
    const out = new Float64Array(nCells * nGenes);
    const intervals = 2000;
    for (let c = 0; c < nCells; c++) {
      const xc = x.subarray(c * nGenes, (c + 1) * nGenes);
      const avg = new Float64Array(nGenes);
      for (let i = 0; i <= intervals; i++) {
        const alpha = i / intervals;
        const g = mlp.logitGradient(
          Array.from(xc, (v) => alpha * v),
          classes[c],
        );
        const weight = (i === 0 || i === intervals ? 0.5 : 1) / intervals;
        for (let j = 0; j < nGenes; j++) avg[j] += weight * g[j];
      }
      for (let j = 0; j < nGenes; j++) out[c * nGenes + j] = xc[j] * avg[j];
    }
    return out;
  }

  it('has a relative completeness delta < 1 % for every cell at 50 steps (zero baseline)', async () => {
    const res = await integratedGradients(tf, target, x, zero, { nGenes, steps: 50 });
    for (let c = 0; c < nCells; c++) {
      const fx = mlp.logit(x.subarray(c * nGenes, (c + 1) * nGenes), classes[c]);
      const fb = mlp.logit(zero, classes[c]);
      expect(Math.abs(res.fx[c] - fx)).toBeLessThan(1e-5);
      expect(Math.abs(res.fBaseline[c] - fb)).toBeLessThan(1e-5);
      // Non-trivial: the change being explained is not tiny.
      expect(Math.abs(fx - fb)).toBeGreaterThan(0.05);
    }
    expect(maxAbs(res.deltaRel)).toBeLessThan(0.01);
  });

  it('matches a float64 reference IG within 1e-4', async () => {
    const res = await integratedGradients(tf, target, x, zero, { nGenes, steps: 50 });
    const ref = reference();
    expectClose(res.attributions, ref, 0, 1e-4 * Math.max(1, maxAbs(ref)));
  });

  it('gives the same numbers batched, cell by cell, and with tiny chunks', async () => {
    const baseline = uniforms(seededRandom(5), nCells * nGenes, 0, 0.5);
    const opts = { nGenes, steps: 9 };
    const batched = await integratedGradients(tf, target, x, baseline, opts);
    for (const maxRowsPerChunk of [1, 4, 9, 10, 37]) {
      // 1 and 4 split one cell's steps across chunks; 10 and 37 split cells at uneven boundaries.
      let largestBatch = 0;
      const recording: TargetFn = (batch, rowCells) => {
        largestBatch = Math.max(largestBatch, batch.shape[0]);
        return target(batch, rowCells);
      };
      const chunked = await integratedGradients(tf, recording, x, baseline, { ...opts, maxRowsPerChunk });
      expect(largestBatch).toBeLessThanOrEqual(maxRowsPerChunk);
      // Whole cells fill a chunk as far as they fit (4 cells × 9 steps = 36 rows under 37).
      expect(largestBatch).toBe(maxRowsPerChunk < 9 ? maxRowsPerChunk : 9 * Math.floor(maxRowsPerChunk / 9));
      expectClose(chunked.attributions, batched.attributions, 1e-5, 1e-6);
      expectClose(chunked.fx, batched.fx, 1e-6, 1e-6);
      expectClose(chunked.fBaseline, batched.fBaseline, 1e-6, 1e-6);
    }
    for (let c = 0; c < nCells; c++) {
      const one = await integratedGradients(
        tf,
        logitTarget(tf, net.model, classes[c]),
        x.slice(c * nGenes, (c + 1) * nGenes),
        baseline.slice(c * nGenes, (c + 1) * nGenes),
        opts,
      );
      expectClose(one.attributions, batched.attributions.subarray(c * nGenes, (c + 1) * nGenes), 1e-5, 1e-6);
      expectClose(one.deltaAbs, [batched.deltaAbs[c]], 0, 1e-5);
    }
  });

  it('leaves no tensor behind, including when the target throws', async () => {
    const before = tf.memory().numTensors;
    await integratedGradients(tf, target, x, zero, { nGenes, steps: 5, maxRowsPerChunk: 3 });
    await integratedGradients(tf, target, x, x.slice(0, nGenes), { nGenes, steps: 5, rule: 'riemann-trapezoid' });
    const wrongShape: TargetFn = (batch) => net.model(batch) as unknown as Tensor1D;
    await expect(integratedGradients(tf, wrongShape, x, zero, { nGenes, steps: 5 })).rejects.toThrow(/one number per row/);
    const badClass = logitTarget(tf, net.model, 3);
    await expect(integratedGradients(tf, badClass, x, zero, { nGenes, steps: 5 })).rejects.toThrow(/out of range/);
    expect(tf.memory().numTensors).toBe(before);
  });

  it('reports progress that rises to exactly 1', async () => {
    const fractions: number[] = [];
    await integratedGradients(tf, target, x, zero, { nGenes, steps: 4, maxRowsPerChunk: 8, onProgress: (f) => fractions.push(f) });
    expect(fractions.length).toBeGreaterThan(3);
    for (let i = 1; i < fractions.length; i++) expect(fractions[i]).toBeGreaterThan(fractions[i - 1]);
    expect(fractions.at(-1)).toBe(1);
  });

  it('stops between chunks with an AbortError when cancelled, without leaking tensors', async () => {
    const before = tf.memory().numTensors;
    // Cancel after the two forward passes (f(x), f(b)) and the first gradient chunk, then after the
    // very first chunk, so both the forward and the gradient loops are shown to stop.
    for (const abortAtCall of [3, 1]) {
      const signal = { aborted: false };
      let calls = 0;
      const run = integratedGradients(tf, target, x, zero, {
        nGenes,
        steps: 10,
        maxRowsPerChunk: 10,
        signal,
        onProgress: () => {
          calls++;
          if (calls === abortAtCall) signal.aborted = true;
        },
      });
      await expect(run).rejects.toMatchObject({ name: 'AbortError' });
      expect(calls).toBe(abortAtCall);
    }
    await expect(integratedGradients(tf, target, x, zero, { nGenes, signal: { aborted: true } })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(tf.memory().numTensors).toBe(before);
  });

  it('rejects inputs of the wrong shape with a sentence', async () => {
    await expect(integratedGradients(tf, target, x.subarray(1), zero, { nGenes })).rejects.toThrow(/\[nCells, nGenes\]/);
    await expect(integratedGradients(tf, target, x, new Float32Array(3), { nGenes })).rejects.toThrow(/baseline holds 3 values/);
    await expect(integratedGradients(tf, target, x, zero, { nGenes, steps: 1, rule: 'riemann-trapezoid' })).rejects.toThrow(/≥ 2/);
  });
});

describe('completenessDelta', () => {
  it('is |Σ attr − (f(x) − f(b))|, relative to max(|f(x) − f(b)|, 1e-6)', () => {
    const attr = new Float32Array([1, 2, 0.5, 0.25]);
    const { deltaAbs, deltaRel } = completenessDelta(attr, new Float32Array([5, 2]), new Float32Array([1, 2]), 2);
    expect([...deltaAbs]).toEqual([1, 0.75]);
    expect(deltaRel[0]).toBeCloseTo(0.25, 12);
    expect(deltaRel[1]).toBeCloseTo(0.75 / 1e-6, 0);
  });
});
