/**
 * The decoder Jacobian (forward mode through the Dense stack, and reverse mode with tf.grad) against
 * a linear decoder's weights and against central finite differences on the shipped pbmc3k VAE
 * decoder; the latent and decoded-gene targets against finite differences on the shipped encoder.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { loadLayersModelFromDisk, useWasmBackend } from '../../../scripts/node_tf.ts';
import { decoderJacobian, topGenesOfLatent } from '../../../src/core/attribution/decoder_jacobian.ts';
import { extractDenseStack, denseLatentGradient, type DenseStack } from '../../../src/core/attribution/dense_backprop.ts';
import { inputGradient } from '../../../src/core/attribution/saliency.ts';
import { decodedGeneTarget, latentTarget } from '../../../src/core/attribution/targets.ts';
import { decodeCompact, type CompactHeader } from '../../../src/core/data/compact_format.ts';
import { alignGenes, modelInput } from '../../../src/core/data/preprocess.ts';
import { validateManifest, type VaeManifest } from '../../../src/core/model/manifest.ts';
import { expectClose, maxAbs, normals, seededRandom } from './helpers.ts';

describe('decoderJacobian on a linear decoder (cpu)', () => {
  it('equals the weight matrix (LDVAE loadings) on both paths, at any point', async () => {
    await tf.setBackend('cpu');
    const K = 4;
    const G = 7;
    const random = seededRandom(3);
    const W = normals(random, K * G);
    const b = normals(random, G);
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [K], units: G, weights: [tf.tensor2d(W, [K, G]), tf.tensor1d(b)] })],
    });
    const stack = extractDenseStack(tf, model) as DenseStack;
    const z = normals(random, 5 * K);
    const before = tf.memory().numTensors;
    const fwd = await decoderJacobian(tf, (t) => model.apply(t) as Tensor2D, z, { latentDim: K, stack });
    const rev = await decoderJacobian(tf, (t) => model.apply(t) as Tensor2D, z, { latentDim: K, maxRowsPerChunk: 3 });
    expect(tf.memory().numTensors).toBe(before);
    expect(fwd.path).toBe('forward-mode-dense');
    expect(rev.path).toBe('reverse-mode-tf-grad');
    expectClose(fwd.meanSigned, W, 1e-6, 1e-7);
    expectClose(rev.meanSigned, W, 1e-6, 1e-7);
    expectClose(fwd.meanAbs, Array.from(W, Math.abs), 1e-6, 1e-7);
    const top = topGenesOfLatent(fwd, ['a', 'b', 'c', 'd', 'e', 'f', 'g'], 1, 2);
    const row = Array.from(W.subarray(G, 2 * G));
    const order = [...row.keys()].sort((p, q) => Math.abs(row[q]) - Math.abs(row[p]));
    expect(top.map((t) => t.gene)).toEqual(order.slice(0, 2).map((i) => 'abcdefg'[i]));
    await expect(decoderJacobian(tf, (t) => model.apply(t) as Tensor2D, new Float32Array(5), { latentDim: K })).rejects.toThrow(
      /whole number/,
    );
    stack.dispose();
    model.dispose();
  });
});

describe('the shipped pbmc3k VAE (wasm), finite differences', () => {
  let encoder: tf.LayersModel;
  let decoder: tf.LayersModel;
  let xCells: Float32Array;
  let zCells: Float32Array;
  const G = 2000;
  const K = 10;
  const nCells = 3;

  beforeAll(async () => {
    await useWasmBackend();
    encoder = await loadLayersModelFromDisk('models/pbmc3k-vae/encoder');
    decoder = await loadLayersModelFromDisk('models/pbmc3k-vae/decoder');
    const checked = validateManifest(JSON.parse(readFileSync('models/pbmc3k-vae/manifest.json', 'utf8')));
    if (!checked.ok) throw new Error(checked.errors.join('\n'));
    const vae = checked.manifest as VaeManifest;
    const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
    const body = readFileSync('public/data/pbmc3k/dataset.bin');
    const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    const x = modelInput(ds, vae.preprocessing.steps, alignGenes(ds.genes, vae.input.genes));
    xCells = x.slice(0, nCells * G);
    zCells = tf.tidy(() => (encoder.predict(tf.tensor2d(xCells, [nCells, G])) as tf.Tensor[])[0].dataSync() as Float32Array);
  });
  afterAll(() => {
    encoder.dispose();
    decoder.dispose();
  });

  const dec = (t: Tensor2D) => decoder.apply(t) as Tensor2D;
  const encMean = (t: Tensor2D) => (encoder.apply(t) as tf.Tensor[])[0] as Tensor2D;

  it('decoder Jacobian: forward mode = reverse mode, and both match central differences in z', async () => {
    const stack = extractDenseStack(tf, decoder) as DenseStack;
    expect(stack).not.toBeNull();
    const before = tf.memory().numTensors;
    const fwd = await decoderJacobian(tf, dec, zCells, { latentDim: K, stack });
    const rev = await decoderJacobian(tf, dec, zCells, { latentDim: K, maxRowsPerChunk: 700 });
    expect(tf.memory().numTensors).toBe(before);
    expect(fwd.nOut).toBe(G);
    const scale = maxAbs(fwd.meanSigned);
    expect(scale).toBeGreaterThan(0.05);
    expectClose(rev.meanSigned, fwd.meanSigned, 0, 1e-5 * scale);
    expectClose(rev.meanAbs, fwd.meanAbs, 0, 1e-5 * scale);
    // Central differences, each point and dimension, all genes, averaged like the Jacobian.
    // h balances truncation (h² f''') against float32 rounding (~1e-7 · |y| / h).
    const h = 2e-3;
    const fd = new Float64Array(K * G);
    for (let p = 0; p < nCells; p++) {
      for (let k = 0; k < K; k++) {
        const plus = zCells.slice(p * K, (p + 1) * K);
        const minus = plus.slice();
        plus[k] += h;
        minus[k] -= h;
        const [yp, ym] = tf.tidy(() => [dec(tf.tensor2d(plus, [1, K])).dataSync(), dec(tf.tensor2d(minus, [1, K])).dataSync()]);
        for (let g = 0; g < G; g++) fd[k * G + g] += (yp[g] - ym[g]) / (2 * h) / nCells;
      }
    }
    // Float32 forward passes and relu kinks limit finite differences; 1 % of the largest loading.
    expectClose(fwd.meanSigned, fd, 0, 1e-2 * scale);
    stack.dispose();
  });

  it('latent z_k and decoded-gene targets: the input gradient matches central differences in x', async () => {
    const stack = extractDenseStack(tf, encoder, 'z_mean') as DenseStack;
    const k = 2;
    const fast = await inputGradient(tf, latentTarget(tf, encMean, k), xCells, {
      nGenes: G,
      gradientFn: denseLatentGradient(tf, stack, k),
    });
    const slow = await inputGradient(tf, latentTarget(tf, encMean, k), xCells, { nGenes: G });
    const scale = maxAbs(slow.attributions);
    expect(scale).toBeGreaterThan(1e-3);
    expectClose(fast.attributions, slow.attributions, 0, 1e-5 * scale);
    const gene = 5;
    const decoded = await inputGradient(tf, decodedGeneTarget(tf, encMean, dec, gene), xCells, { nGenes: G });
    const dScale = maxAbs(decoded.attributions);
    expect(dScale).toBeGreaterThan(1e-4);
    // The genes with the largest gradients in cell 0, where differences are far above float32 noise.
    const top = (a: Float32Array) => [...a.subarray(0, G).keys()].sort((p, q) => Math.abs(a[q]) - Math.abs(a[p])).slice(0, 12);
    const h = 1e-2;
    for (const [what, grad, fn] of [
      ['latent', slow.attributions, (t: Tensor2D) => encMean(t).slice([0, k], [-1, 1])],
      ['decoded', decoded.attributions, (t: Tensor2D) => dec(encMean(t)).slice([0, gene], [-1, 1])],
    ] as const) {
      for (const g of top(grad)) {
        const plus = xCells.slice(0, G);
        const minus = plus.slice();
        plus[g] += h;
        minus[g] -= h;
        const d = tf.tidy(() => {
          const y = fn(tf.tensor2d([...plus, ...minus], [2, G])).dataSync();
          return (y[0] - y[1]) / (2 * h);
        });
        expect(Math.abs(d - grad[g]), `${what} gene ${g}`).toBeLessThan(2e-2 * maxAbs(grad.subarray(0, G)));
      }
    }
    stack.dispose();
  });
});
