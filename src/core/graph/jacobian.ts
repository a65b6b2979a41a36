// The Jacobian of a decoder x̂(z) at one latent point, exactly, with one reverse-mode pass.

import type { Tensor, Tensor2D } from '@tensorflow/tfjs';
import type { Tf } from '../attribution/targets.ts';

/**
 * `[nOut, latentDim]` float32 Jacobian J[g][k] = ∂x̂_g/∂z_k of `decoder` (`[n, latentDim]` →
 * `[n, nOut]`) at `z`. Trick: feed nOut copies of z and differentiate Σ_g x̂_g(copy g); the
 * gradient with respect to copy g is row g of J. One forward and one backward pass of nOut rows.
 */
export async function decoderJacobian(tf: Tf, decoder: (z: Tensor2D) => Tensor2D, z: Float32Array, nOut: number): Promise<Float32Array> {
  const d = z.length;
  const out = tf.tidy(() => {
    const zs = tf.tile(tf.tensor2d(z, [1, d]), [nOut, 1]) as Tensor2D;
    const eye = tf.eye(nOut);
    const f = (t: Tensor) => tf.sum(tf.mul(decoder(t as Tensor2D), eye));
    return tf.grad(f)(zs);
  });
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}
