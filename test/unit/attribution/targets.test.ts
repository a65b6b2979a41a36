import * as tf from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientTimesInput, inputGradient } from '../../../src/core/attribution/saliency.ts';
import { latentTarget, logitTarget, probabilityTarget } from '../../../src/core/attribution/targets.ts';
import { expectClose, normals, seededRandom, uniforms } from './helpers.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('target builders on a linear classifier logits = x W + c', () => {
  const nGenes = 6;
  const nClasses = 4;
  const nCells = 5;
  const random = seededRandom(42);
  const w = normals(random, nGenes * nClasses); // [nGenes, nClasses]
  const c = normals(random, nClasses);
  const x = uniforms(random, nCells * nGenes, 0, 2);
  const classes = new Int32Array([3, 0, 2, 1, 3]);
  const wt = tf.tensor2d(w, [nGenes, nClasses]);
  const ct = tf.tensor1d(c);
  afterAll(() => tf.dispose([wt, ct]));
  const model = (batch: Tensor2D) => tf.add(tf.matMul(batch, wt), ct) as Tensor2D;

  /** Column `k` of W for every cell: the gradient of a linear logit. */
  const columns = (pick: (cell: number) => number) =>
    Array.from({ length: nCells * nGenes }, (_, i) => w[(i % nGenes) * nClasses + pick(Math.floor(i / nGenes))]);

  it("logitTarget picks each cell's own class (gradient = W[:, class])", async () => {
    const res = await inputGradient(tf, logitTarget(tf, model, classes), x, { nGenes, maxRowsPerChunk: 2 });
    expectClose(
      res.attributions,
      columns((cell) => classes[cell]),
      1e-6,
      1e-7,
    );
    const shared = await inputGradient(tf, logitTarget(tf, model, 1), x, { nGenes });
    expectClose(
      shared.attributions,
      columns(() => 1),
      1e-6,
      1e-7,
    );
  });

  it('probabilityTarget has the softmax gradient p_k (W[:, k] − Σ_j p_j W[:, j])', async () => {
    const res = await inputGradient(tf, probabilityTarget(tf, model, classes), x, { nGenes, maxRowsPerChunk: 3 });
    const expected = new Float64Array(nCells * nGenes);
    const probs = new Float64Array(nCells);
    for (let cell = 0; cell < nCells; cell++) {
      const logits = Array.from({ length: nClasses }, (_, j) => {
        let s = c[j];
        for (let g = 0; g < nGenes; g++) s += x[cell * nGenes + g] * w[g * nClasses + j];
        return s;
      });
      const m = Math.max(...logits);
      const e = logits.map((l) => Math.exp(l - m));
      const total = e.reduce((a, b) => a + b, 0);
      const p = e.map((v) => v / total);
      const k = classes[cell];
      probs[cell] = p[k];
      for (let g = 0; g < nGenes; g++) {
        let mean = 0;
        for (let j = 0; j < nClasses; j++) mean += p[j] * w[g * nClasses + j];
        expected[cell * nGenes + g] = p[k] * (w[g * nClasses + k] - mean);
      }
    }
    expectClose(res.attributions, expected, 1e-4, 1e-6);
    expectClose(res.fx, probs, 1e-5, 1e-7);
  });

  it('latentTarget picks z_k of the encoder mean, per cell or shared', async () => {
    const ks = new Int32Array([0, 1, 2, 3, 0]);
    const res = await inputGradient(tf, latentTarget(tf, model, ks), x, { nGenes });
    expectClose(
      res.attributions,
      columns((cell) => ks[cell]),
      1e-6,
      1e-7,
    );
    const gxi = await gradientTimesInput(tf, latentTarget(tf, model, 2), x, { nGenes });
    expectClose(
      gxi.attributions,
      columns(() => 2).map((v, i) => v * x[i]),
      1e-6,
      1e-7,
    );
  });

  it('rejects an out-of-range index or a class list shorter than the cells, with a sentence', async () => {
    await expect(inputGradient(tf, logitTarget(tf, model, nClasses), x, { nGenes })).rejects.toThrow(
      /class index 4 is out of range: the model has 4/,
    );
    await expect(inputGradient(tf, logitTarget(tf, model, new Int32Array(3)), x, { nGenes })).rejects.toThrow(/one class per cell/);
    await expect(inputGradient(tf, latentTarget(tf, model, -1), x, { nGenes })).rejects.toThrow(/latent dimension index -1/);
  });
});
