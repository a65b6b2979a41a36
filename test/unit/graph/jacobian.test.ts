import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decoderJacobian } from '../../../src/core/graph/jacobian';
import { lcg } from '../../../src/core/graph/layout';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('decoderJacobian', () => {
  it('matches central finite differences of a small tanh decoder (3 latent dims -> 7 genes), and leaks no tensors', async () => {
    const random = lcg(11);
    const w1 = tf.tensor2d(
      Array.from({ length: 3 * 5 }, () => random() * 2 - 1),
      [3, 5],
    );
    const w2 = tf.tensor2d(
      Array.from({ length: 5 * 7 }, () => random() * 2 - 1),
      [5, 7],
    );
    const decode = (z: tf.Tensor2D) => tf.tanh(tf.matMul(tf.tanh(tf.matMul(z, w1)), w2)) as tf.Tensor2D;
    const z = Float32Array.from([0.3, -0.7, 1.1]);
    const before = tf.memory().numTensors;
    const jac = await decoderJacobian(tf, decode, z, 7);
    expect(tf.memory().numTensors).toBe(before);
    expect(jac.length).toBe(21);
    // Finite differences in float64 via the same float32 weights.
    const W1 = await w1.array();
    const W2 = await w2.array();
    const f = (v: number[]) => {
      const h = W1[0].map((_, j) => Math.tanh(v.reduce((s, vk, k) => s + vk * W1[k][j], 0)));
      return W2[0].map((_, g) => Math.tanh(h.reduce((s, hj, j) => s + hj * W2[j][g], 0)));
    };
    const eps = 1e-5;
    let worst = 0;
    for (let k = 0; k < 3; k++) {
      const up = Array.from(z);
      const down = Array.from(z);
      up[k] += eps;
      down[k] -= eps;
      const fu = f(up);
      const fd = f(down);
      for (let g = 0; g < 7; g++) worst = Math.max(worst, Math.abs(jac[g * 3 + k] - (fu[g] - fd[g]) / (2 * eps)));
    }
    expect(worst).toBeLessThan(1e-5);
    w1.dispose();
    w2.dispose();
  });
});
