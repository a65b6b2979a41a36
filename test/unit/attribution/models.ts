import type * as tfjs from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import { normals, seededRandom } from './helpers.ts';

type Tf = typeof tfjs;

/**
 * A seeded 20 → 16 tanh → 3 MLP with float32 weights, runnable both in tfjs and in plain float64 JS
 * (the same float32 weights widened exactly), so tfjs gradients can be checked against float64 maths.
 */
export class TinyMlp {
  readonly nIn = 20;
  readonly nHidden = 16;
  readonly nOut = 3;
  readonly w1: Float32Array; // [nIn, nHidden]
  readonly b1: Float32Array; // [nHidden]
  readonly w2: Float32Array; // [nHidden, nOut]
  readonly b2: Float32Array; // [nOut]

  constructor(seed: number) {
    const random = seededRandom(seed);
    // Scaled so pre-activations reach tanh's curved region for inputs in [0, 3): IG is then non-trivial.
    this.w1 = normals(random, this.nIn * this.nHidden, 0.35);
    this.b1 = normals(random, this.nHidden, 0.3);
    this.w2 = normals(random, this.nHidden * this.nOut, 0.6);
    this.b2 = normals(random, this.nOut, 0.1);
  }

  /** Hidden activations for one cell, float64. */
  private hidden(x: ArrayLike<number>): Float64Array {
    const h = new Float64Array(this.nHidden);
    for (let j = 0; j < this.nHidden; j++) {
      let s = this.b1[j];
      for (let i = 0; i < this.nIn; i++) s += x[i] * this.w1[i * this.nHidden + j];
      h[j] = Math.tanh(s);
    }
    return h;
  }

  /** Logit `c` for one cell `[nIn]`, float64. */
  logit(x: ArrayLike<number>, c: number): number {
    const h = this.hidden(x);
    let s = this.b2[c];
    for (let j = 0; j < this.nHidden; j++) s += h[j] * this.w2[j * this.nOut + c];
    return s;
  }

  /** ∂ logit_c / ∂x for one cell `[nIn]`, float64, by hand-written backprop. */
  logitGradient(x: ArrayLike<number>, c: number): Float64Array {
    const h = this.hidden(x);
    const g = new Float64Array(this.nIn);
    for (let j = 0; j < this.nHidden; j++) {
      const back = this.w2[j * this.nOut + c] * (1 - h[j] * h[j]);
      for (let i = 0; i < this.nIn; i++) g[i] += back * this.w1[i * this.nHidden + j];
    }
    return g;
  }

  /** The same network as a tfjs function `[rows, nIn]` → logits `[rows, nOut]`; weights live in `tensors`. */
  toTf(tf: Tf): { model: (x: Tensor2D) => Tensor2D; dispose: () => void } {
    const w1 = tf.tensor2d(this.w1, [this.nIn, this.nHidden]);
    const b1 = tf.tensor1d(this.b1);
    const w2 = tf.tensor2d(this.w2, [this.nHidden, this.nOut]);
    const b2 = tf.tensor1d(this.b2);
    return {
      model: (x) => tf.add(tf.matMul(tf.tanh(tf.add(tf.matMul(x, w1), b1)), w2), b2) as Tensor2D,
      dispose: () => tf.dispose([w1, b1, w2, b2]),
    };
  }
}
