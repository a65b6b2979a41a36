import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { gradientTimesInput, inputGradient, saliency } from '../../../src/core/attribution/saliency.ts';
import { logitTarget } from '../../../src/core/attribution/targets.ts';
import { expectClose, seededRandom, uniforms } from './helpers.ts';
import { TinyMlp } from './models.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('gradient methods on a small tanh MLP', () => {
  const mlp = new TinyMlp(99);
  const net = mlp.toTf(tf);
  afterAll(() => net.dispose());
  const nGenes = mlp.nIn;
  const nCells = 5;
  const x = uniforms(seededRandom(17), nCells * nGenes, 0, 3);
  const classes = Int32Array.from({ length: nCells }, (_, c) => (c * 2) % mlp.nOut);
  const target = logitTarget(tf, net.model, classes);

  /** Central finite differences of the float64 network, h = 1e-5 (error ~h² ≈ 1e-10). */
  function finiteDifferences(): Float64Array {
    const out = new Float64Array(nCells * nGenes);
    const h = 1e-5;
    for (let c = 0; c < nCells; c++) {
      const xc = Array.from(x.subarray(c * nGenes, (c + 1) * nGenes));
      for (let g = 0; g < nGenes; g++) {
        const plus = xc.slice();
        const minus = xc.slice();
        plus[g] += h;
        minus[g] -= h;
        out[c * nGenes + g] = (mlp.logit(plus, classes[c]) - mlp.logit(minus, classes[c])) / (2 * h);
      }
    }
    return out;
  }
  const fd = finiteDifferences();

  it('inputGradient matches central finite differences and returns f(x)', async () => {
    const res = await inputGradient(tf, target, x, { nGenes });
    expectClose(res.attributions, fd, 1e-4, 1e-5);
    const fx = Array.from({ length: nCells }, (_, c) => mlp.logit(x.subarray(c * nGenes, (c + 1) * nGenes), classes[c]));
    expectClose(res.fx, fx, 0, 1e-5);
  });

  it('saliency is |∂f/∂x| and gradient × input is x ⊙ ∂f/∂x', async () => {
    const sal = await saliency(tf, target, x, { nGenes });
    const gxi = await gradientTimesInput(tf, target, x, { nGenes });
    expectClose(sal.attributions, fd.map(Math.abs), 1e-4, 1e-5);
    expectClose(
      gxi.attributions,
      fd.map((g, i) => g * x[i]),
      1e-4,
      3e-5,
    );
    // The test point must have mixed signs, or |·| would be indistinguishable from the identity.
    expect(fd.some((g) => g < -1e-3) && fd.some((g) => g > 1e-3)).toBe(true);
  });

  it('gives the same numbers in chunks of 2 cells', async () => {
    const whole = await gradientTimesInput(tf, target, x, { nGenes });
    const chunked = await gradientTimesInput(tf, target, x, { nGenes, maxRowsPerChunk: 2 });
    expectClose(chunked.attributions, whole.attributions, 1e-6, 1e-7);
    expectClose(chunked.fx, whole.fx, 1e-6, 1e-7);
  });

  it('leaves no tensor behind and cancels between chunks with an AbortError', async () => {
    const before = tf.memory().numTensors;
    await saliency(tf, target, x, { nGenes, maxRowsPerChunk: 2 });
    const signal = { aborted: false };
    let calls = 0;
    const run = saliency(tf, target, x, {
      nGenes,
      maxRowsPerChunk: 2,
      signal,
      onProgress: () => {
        calls++;
        signal.aborted = true;
      },
    });
    await expect(run).rejects.toMatchObject({ name: 'AbortError' });
    expect(calls).toBe(1);
    expect(tf.memory().numTensors).toBe(before);
  });
});
