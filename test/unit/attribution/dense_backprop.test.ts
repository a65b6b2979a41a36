/**
 * The explicit Dense-stack backprop (src/core/attribution/dense_backprop.ts) against tf.grad:
 * every supported activation, Activation/Dropout layers, a multi-output encoder branch, the
 * target builders through integrated gradients and saliency, the models it must refuse, tensor
 * leaks, and the shipped classifier on real cells. Each random-model block runs on the cpu and on
 * the wasm backend (where the fast path matters: tf.grad's transposed matMul is slow there).
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useWasmBackend } from '../../../scripts/node_tf.ts';
import {
  denseForward,
  denseInputGradient,
  denseLatentGradient,
  denseLogitGradient,
  denseProbabilityGradient,
  extractDenseStack,
  type DenseStack,
} from '../../../src/core/attribution/dense_backprop.ts';
import { integratedGradients, type IntegratedGradientsResult } from '../../../src/core/attribution/integrated_gradients.ts';
import { gradientTimesInput, inputGradient, saliency } from '../../../src/core/attribution/saliency.ts';
import { latentTarget, logitTarget, probabilityTarget, type TargetFn } from '../../../src/core/attribution/targets.ts';
import type { GradientFn } from '../../../src/core/attribution/batching.ts';
import { decodeCompact, type CompactHeader } from '../../../src/core/data/compact_format.ts';
import { alignGenes, modelInput } from '../../../src/core/data/preprocess.ts';
import { validateManifest, type ClassifierManifest } from '../../../src/core/model/manifest.ts';
import { expectClose, maxAbs, normals, seededRandom, uniforms } from './helpers.ts';

const ACTIVATIONS = ['linear', 'relu', 'tanh', 'sigmoid', 'softplus', 'elu', 'relu6', 'softmax'] as const;
type Act = (typeof ACTIVATIONS)[number];

/** Seeded weights for every layer of `model` (normal, scaled by 1.2/√fan-in; biases too, so relu units switch). */
function seedWeights(model: tf.LayersModel, seed: number): void {
  const random = seededRandom(seed);
  for (const layer of model.layers) {
    const ws = layer.getWeights();
    if (ws.length === 0) continue;
    const fanIn = ws[0].shape[0] ?? 1;
    layer.setWeights(ws.map((w) => tf.tensor(normals(random, w.size, w.rank === 2 ? 1.2 / Math.sqrt(fanIn) : 0.5), w.shape)));
  }
}

/** Input(nIn) → Dense(10, act) → Dense(8, act) → Dense(5, last). */
function mlp(act: Act, last: Act, nIn: number, seed: number): tf.LayersModel {
  const input = tf.input({ shape: [nIn], name: 'x' });
  let h = tf.layers.dense({ units: 10, activation: act, name: 'h1' }).apply(input) as tf.SymbolicTensor;
  h = tf.layers.dense({ units: 8, activation: act, name: 'h2' }).apply(h) as tf.SymbolicTensor;
  const out = tf.layers.dense({ units: 5, activation: last, name: 'out' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out });
  seedWeights(model, seed);
  return model;
}

/** Input(nIn) → Dense(10 relu) → { z_mean: Dense(3), z_log_var: Dense(3) }, like the VAE encoder. */
function encoder(nIn: number, seed: number): tf.LayersModel {
  const input = tf.input({ shape: [nIn] });
  const h = tf.layers.dense({ units: 10, activation: 'relu', name: 'enc_hidden' }).apply(input) as tf.SymbolicTensor;
  const mean = tf.layers.dense({ units: 3, name: 'z_mean' }).apply(h) as tf.SymbolicTensor;
  const logVar = tf.layers.dense({ units: 3, name: 'z_log_var' }).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: [mean, logVar] });
  seedWeights(model, seed);
  return model;
}

/** tf.grad of Σ_rows Σ_j w[r, j] · out[r, j] with respect to x: the reference input gradient. */
function tfGrad(apply: (x: Tensor2D) => Tensor2D, x: Tensor2D, w: Tensor2D): Float32Array {
  return tf.tidy(
    () =>
      tf
        .grad((b) => tf.sum(tf.mul(apply(b as Tensor2D), w)))(x)
        .dataSync() as Float32Array,
  );
}

/** Same float32 numbers up to rounding: rel 1e-5 element-wise, plus 1e-6 of the largest entry for entries near 0. */
function expectSame(actual: ArrayLike<number>, expected: ArrayLike<number>): void {
  expectClose(actual, expected, 1e-5, 1e-6 * maxAbs(expected));
}

function expectSameIg(fast: IntegratedGradientsResult, slow: IntegratedGradientsResult): void {
  expectSame(fast.attributions, slow.attributions);
  expect(fast.fx).toEqual(slow.fx);
  expect(fast.fBaseline).toEqual(slow.fBaseline);
  expectClose(fast.deltaAbs, slow.deltaAbs, 0, 1e-5 * Math.max(1, maxAbs(slow.fx), maxAbs(slow.fBaseline)));
}

const nIn = 12;
const rows = 7;
const xValues = uniforms(seededRandom(5), rows * nIn, -3, 3);

describe.each(['cpu', 'wasm'] as const)('dense backprop on the %s backend', (backend) => {
  beforeAll(async () => {
    if (backend === 'wasm') await useWasmBackend();
    else await tf.setBackend('cpu');
    expect(tf.getBackend()).toBe(backend);
  });

  it.each(ACTIVATIONS)('equals tf.grad through Dense layers with %s activations (random output weights)', (act) => {
    const model = mlp(act, act === 'softmax' ? 'softmax' : 'linear', nIn, 100 + ACTIVATIONS.indexOf(act));
    const stack = extractDenseStack(tf, model);
    expect(stack).not.toBeNull();
    const s = stack as DenseStack;
    expect([s.nIn, s.nOut, s.outputName]).toEqual([nIn, 5, 'out']);
    expect(s.layers.map((l) => l.activations)).toEqual(
      act === 'linear' ? [[], [], []] : [[act], [act], act === 'softmax' ? ['softmax'] : []],
    );
    // relu6 needs pre-activations past 6 as well as in (0, 6): a wider input range reaches both.
    const x = tf.tensor2d(act === 'relu6' ? xValues.map((v) => 3 * v) : xValues, [rows, nIn]);
    const w = tf.tensor2d(normals(seededRandom(9), rows * 5), [rows, 5]);
    const { grad, output } = denseInputGradient(tf, s, x, w);
    const expected = tfGrad((b) => model.apply(b) as Tensor2D, x, w);
    expectSame(grad.dataSync(), expected);
    // The forward pass is the model's own, to the bit.
    const modelOut = tf.tidy(() => (model.apply(x) as Tensor2D).dataSync());
    expect(output.dataSync()).toEqual(modelOut);
    // Guard against a vacuous pass: the gradient is not ~0, and relu-like units really switch.
    expect(maxAbs(expected)).toBeGreaterThan(1e-3);
    if (act === 'relu' || act === 'relu6' || act === 'elu') {
      const z1 = tf.tidy(() => tf.add(tf.matMul(x, s.layers[0].kernel), s.layers[0].bias as Tensor1D).dataSync());
      expect(z1.some((v) => v < 0) && z1.some((v) => v > 0)).toBe(true);
      if (act === 'relu6') expect(z1.some((v) => v > 6) && z1.some((v) => v > 0 && v < 6)).toBe(true);
    }
    tf.dispose([x, w, grad, output]);
    s.dispose();
    model.dispose();
  });

  it('folds Activation layers into the Dense before them and skips Dropout (the identity at inference)', () => {
    const input = tf.input({ shape: [nIn] });
    let h = tf.layers.dense({ units: 10, name: 'd1' }).apply(input) as tf.SymbolicTensor;
    h = tf.layers.activation({ activation: 'tanh' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.dropout({ rate: 0.5 }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.dense({ units: 6, activation: 'relu', name: 'd2' }).apply(h) as tf.SymbolicTensor;
    h = tf.layers.activation({ activation: 'sigmoid' }).apply(h) as tf.SymbolicTensor;
    const out = tf.layers.dense({ units: 4, name: 'd3', useBias: false }).apply(h) as tf.SymbolicTensor;
    const model = tf.model({ inputs: input, outputs: out });
    seedWeights(model, 31);
    const s = extractDenseStack(tf, model) as DenseStack;
    expect(s.layers.map((l) => [l.name, l.activations, l.bias === null])).toEqual([
      ['d1', ['tanh'], false],
      ['d2', ['relu', 'sigmoid'], false],
      ['d3', [], true],
    ]);
    const x = tf.tensor2d(xValues, [rows, nIn]);
    const w = tf.tensor2d(normals(seededRandom(4), rows * 4), [rows, 4]);
    const { grad, output } = denseInputGradient(tf, s, x, w);
    expectSame(
      grad.dataSync(),
      tfGrad((b) => model.apply(b) as Tensor2D, x, w),
    );
    expectSame(
      output.dataSync(),
      tf.tidy(() => (model.predict(x) as Tensor2D).dataSync()),
    );
    tf.dispose([x, w, grad, output]);
    s.dispose();
    model.dispose();
  });

  it('reads a tf.sequential model too', () => {
    const model = tf.sequential({
      layers: [tf.layers.dense({ inputShape: [nIn], units: 9, activation: 'softplus' }), tf.layers.dense({ units: 3 })],
    });
    seedWeights(model, 8);
    const s = extractDenseStack(tf, model) as DenseStack;
    expect(s).not.toBeNull();
    const x = tf.tensor2d(xValues, [rows, nIn]);
    const w = tf.tensor2d(normals(seededRandom(2), rows * 3), [rows, 3]);
    const { grad, output } = denseInputGradient(tf, s, x, w);
    expectSame(
      grad.dataSync(),
      tfGrad((b) => model.apply(b) as Tensor2D, x, w),
    );
    tf.dispose([x, w, grad, output]);
    s.dispose();
    model.dispose();
  });

  it('follows the branch to the named output of a multi-output encoder', () => {
    const model = encoder(nIn, 77);
    const mean = extractDenseStack(tf, model, 'z_mean') as DenseStack;
    const logVar = extractDenseStack(tf, model, 'z_log_var') as DenseStack;
    expect(mean.layers.map((l) => l.name)).toEqual(['enc_hidden', 'z_mean']);
    expect(logVar.layers.map((l) => l.name)).toEqual(['enc_hidden', 'z_log_var']);
    const x = tf.tensor2d(xValues, [rows, nIn]);
    const w = tf.tensor2d(normals(seededRandom(3), rows * 3), [rows, 3]);
    [mean, logVar].forEach((s, i) => {
      const { grad, output } = denseInputGradient(tf, s, x, w);
      const pick = (b: Tensor2D) => (model.apply(b) as Tensor2D[])[i];
      expectSame(grad.dataSync(), tfGrad(pick, x, w));
      expect(output.dataSync()).toEqual(tf.tidy(() => pick(x).dataSync()));
      tf.dispose([grad, output]);
    });
    expect(() => extractDenseStack(tf, model)).toThrow(/2 outputs \(z_mean, z_log_var\); name the one/);
    expect(() => extractDenseStack(tf, model, 'z')).toThrow(/no output named 'z'/);
    tf.dispose([x, w]);
    mean.dispose();
    logVar.dispose();
    model.dispose();
  });

  describe('as a gradientFn for integrated gradients and saliency', () => {
    const nCells = 5;
    const x = uniforms(seededRandom(12), nCells * nIn, 0, 3);
    const baseline = uniforms(seededRandom(13), nIn, 0, 0.5);
    const classes = new Int32Array([0, 3, 4, 1, 3]);
    let model: tf.LayersModel;
    let enc: tf.LayersModel;
    let stack: DenseStack;
    let encStack: DenseStack;
    let apply: (b: Tensor2D) => Tensor2D;
    beforeAll(() => {
      model = mlp('tanh', 'linear', nIn, 55);
      enc = encoder(nIn, 56);
      stack = extractDenseStack(tf, model) as DenseStack;
      encStack = extractDenseStack(tf, enc, 'z_mean') as DenseStack;
      apply = (b) => model.apply(b) as Tensor2D;
    });
    afterAll(() => {
      stack.dispose();
      encStack.dispose();
      model.dispose();
      enc.dispose();
    });

    const cases: { name: string; make: () => { target: TargetFn; gradientFn: GradientFn } }[] = [
      {
        name: 'logit, one class per cell',
        make: () => ({ target: logitTarget(tf, apply, classes), gradientFn: denseLogitGradient(tf, stack, classes) }),
      },
      { name: 'logit, shared class', make: () => ({ target: logitTarget(tf, apply, 2), gradientFn: denseLogitGradient(tf, stack, 2) }) },
      {
        name: 'softmax probability',
        make: () => ({ target: probabilityTarget(tf, apply, classes), gradientFn: denseProbabilityGradient(tf, stack, classes) }),
      },
      {
        name: 'latent z_1 of the encoder',
        make: () => ({
          target: latentTarget(tf, (b) => (enc.apply(b) as Tensor2D[])[0], 1),
          gradientFn: denseLatentGradient(tf, encStack, 1),
        }),
      },
    ];

    it.each(cases)('IG ($name) gives the same attributions and delta as tf.grad', async ({ make }) => {
      const { target, gradientFn } = make();
      // maxRowsPerChunk 12 splits cells across chunks (12 < 3 × 5 steps), exercising both chunk kinds.
      for (const opts of [
        { nGenes: nIn, steps: 20 },
        { nGenes: nIn, steps: 5, maxRowsPerChunk: 3, rule: 'riemann-trapezoid' as const },
      ]) {
        const slow = await integratedGradients(tf, target, x, baseline, opts);
        const fast = await integratedGradients(tf, target, x, baseline, { ...opts, gradientFn });
        expectSameIg(fast, slow);
        expect(maxAbs(slow.attributions)).toBeGreaterThan(1e-3);
      }
    });

    it.each(cases)('inputGradient, saliency and gradient × input ($name) match tf.grad, and f(x) too', async ({ make }) => {
      const { target, gradientFn } = make();
      for (const method of [inputGradient, saliency, gradientTimesInput]) {
        const slow = await method(tf, target, x, { nGenes: nIn, maxRowsPerChunk: 2 });
        const fast = await method(tf, target, x, { nGenes: nIn, maxRowsPerChunk: 2, gradientFn });
        expectSame(fast.attributions, slow.attributions);
        expectClose(fast.fx, slow.fx, 1e-6, 1e-7);
      }
    });

    it('leaves no tensor behind, including when a class index is out of range', async () => {
      const before = tf.memory().numTensors;
      const gradientFn = denseProbabilityGradient(tf, stack, classes);
      await integratedGradients(tf, probabilityTarget(tf, apply, classes), x, baseline, {
        nGenes: nIn,
        steps: 7,
        maxRowsPerChunk: 4,
        gradientFn,
      });
      await saliency(tf, logitTarget(tf, apply, 1), x, { nGenes: nIn, gradientFn: denseLogitGradient(tf, stack, 1) });
      await expect(
        integratedGradients(tf, logitTarget(tf, apply, 0), x, baseline, {
          nGenes: nIn,
          steps: 3,
          gradientFn: denseLogitGradient(tf, stack, 5),
        }),
      ).rejects.toThrow(/class index 5 is out of range/);
      await expect(
        inputGradient(tf, logitTarget(tf, apply, 0), x, { nGenes: nIn, gradientFn: denseLogitGradient(tf, stack, new Int32Array([1])) }),
      ).rejects.toThrow(/list has 1 entries/);
      expect(tf.memory().numTensors).toBe(before);
      // A stack holds its own tensors (3 kernels, their transposes, 3 biases) and gives all of them back.
      const other = mlp('relu', 'linear', nIn, 1);
      const withModel = tf.memory().numTensors;
      const s = extractDenseStack(tf, other) as DenseStack;
      expect(tf.memory().numTensors).toBe(withModel + 9);
      // It outlives the model it came from (its 6 weight variables go).
      const expected = tf.tidy(() => (other.apply(tf.ones([2, nIn])) as Tensor2D).dataSync());
      other.dispose();
      expect(tf.memory().numTensors).toBe(withModel + 9 - 6);
      const out = tf.tidy(() => denseForward(tf, s, tf.ones([2, nIn]) as Tensor2D).output.dataSync());
      expect(out).toEqual(expected);
      s.dispose();
      s.dispose();
      expect(tf.memory().numTensors).toBe(withModel - 6);
    });

    it('checks shapes with a sentence', () => {
      const before = tf.memory().numTensors;
      const bad = tf.zeros([2, nIn + 1]) as Tensor2D;
      const w = tf.zeros([2, 4]) as Tensor2D;
      const w5 = tf.zeros([2, 5]) as Tensor2D;
      const x2 = tf.zeros([2, nIn]) as Tensor2D;
      expect(() => denseInputGradient(tf, stack, bad, w5)).toThrow(/takes \[rows, 12\]/);
      expect(() => denseInputGradient(tf, stack, x2, w)).toThrow(/must be \[2, 5\]/);
      tf.dispose([bad, w, w5, x2]);
      expect(tf.memory().numTensors).toBe(before);
    });
  });
});

describe('extractDenseStack refuses what it cannot backprop (the caller falls back to tf.grad)', () => {
  beforeAll(async () => {
    await tf.setBackend('cpu');
  });

  function expectNull(build: () => tf.LayersModel, outputName?: string): void {
    const model = build();
    const before = tf.memory().numTensors;
    expect(extractDenseStack(tf, model, outputName)).toBeNull();
    expect(tf.memory().numTensors).toBe(before);
    model.dispose();
  }

  it('a BatchNormalization layer (not folded into the kernel)', () => {
    expectNull(() =>
      tf.sequential({
        layers: [
          tf.layers.dense({ inputShape: [nIn], units: 8, activation: 'relu' }),
          tf.layers.batchNormalization(),
          tf.layers.dense({ units: 3 }),
        ],
      }),
    );
  });

  it('a convolution', () => {
    expectNull(() =>
      tf.sequential({
        layers: [
          tf.layers.reshape({ inputShape: [nIn], targetShape: [nIn, 1] }),
          tf.layers.conv1d({ filters: 2, kernelSize: 3 }),
          tf.layers.flatten(),
          tf.layers.dense({ units: 3 }),
        ],
      }),
    );
    expectNull(() =>
      tf.sequential({
        layers: [tf.layers.conv1d({ inputShape: [nIn, 1], filters: 2, kernelSize: 3 }), tf.layers.flatten(), tf.layers.dense({ units: 3 })],
      }),
    );
  });

  it('an activation without a known derivative, a merge, or an Activation layer before any Dense', () => {
    expectNull(() =>
      tf.sequential({ layers: [tf.layers.dense({ inputShape: [nIn], units: 8, activation: 'selu' }), tf.layers.dense({ units: 3 })] }),
    );
    expectNull(() => {
      const input = tf.input({ shape: [nIn] });
      const a = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
      const b = tf.layers.dense({ units: 4 }).apply(input) as tf.SymbolicTensor;
      const sum = tf.layers.add().apply([a, b]) as tf.SymbolicTensor;
      return tf.model({ inputs: input, outputs: tf.layers.dense({ units: 2 }).apply(sum) as tf.SymbolicTensor });
    });
    expectNull(() =>
      tf.sequential({ layers: [tf.layers.activation({ inputShape: [nIn], activation: 'relu' }), tf.layers.dense({ units: 3 })] }),
    );
  });
});

describe('the shipped pbmc3k classifier on real cells (wasm)', () => {
  const G = 2000;
  let model: tf.LayersModel;
  let rowsX: Float32Array;
  let predicted: Int32Array;

  beforeAll(async () => {
    await useWasmBackend();
    const dir = 'models/pbmc3k-classifier';
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    const bin = readFileSync(join(dir, json.weightsManifest[0].paths[0]));
    model = await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: json.modelTopology,
        weightSpecs: json.weightsManifest[0].weights,
        weightData: bin.buffer.slice(bin.byteOffset, bin.byteOffset + bin.byteLength),
      }),
    );
    const checked = validateManifest(JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')));
    if (!checked.ok) throw new Error(checked.errors.join('\n'));
    const cls = checked.manifest as ClassifierManifest;
    const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
    const body = readFileSync('public/data/pbmc3k/dataset.bin');
    const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    const x = modelInput(ds, cls.preprocessing.steps, alignGenes(ds.genes, cls.input.genes));
    const label = ds.obs.label;
    if (label.type !== 'categorical') throw new Error('label must be categorical');
    // One cell of each of the first 6 types.
    const cells = [0, 1, 2, 3, 4, 5].map((c) => label.codes.indexOf(c));
    expect(cells.every((i) => i >= 0)).toBe(true);
    rowsX = new Float32Array(cells.length * G);
    cells.forEach((r, i) => rowsX.set(x.subarray(r * G, (r + 1) * G), i * G));
    predicted = tf.tidy(() => Int32Array.from((model.predict(tf.tensor2d(rowsX, [cells.length, G])) as Tensor2D).argMax(1).dataSync()));
  });
  afterAll(() => model.dispose());

  it('is extracted as Dense 2000→128 relu → 128→64 relu → 64→9 linear', () => {
    const s = extractDenseStack(tf, model) as DenseStack;
    expect(s.layers.map((l) => [l.name, l.kernel.shape, l.kernelT.shape, l.activations])).toEqual([
      ['hidden_1', [2000, 128], [128, 2000], ['relu']],
      ['hidden_2', [128, 64], [64, 128], ['relu']],
      ['logits', [64, 9], [9, 64], []],
    ]);
    s.dispose();
  });

  it('gives the same IG attributions (zero baseline, 50 steps, predicted-class logit) and delta through both paths', async () => {
    const s = extractDenseStack(tf, model) as DenseStack;
    const target = logitTarget(tf, (b) => model.apply(b) as Tensor2D, predicted);
    const zero = new Float32Array(G);
    const before = tf.memory().numTensors;
    const slow = await integratedGradients(tf, target, rowsX, zero, { nGenes: G, steps: 50 });
    const fast = await integratedGradients(tf, target, rowsX, zero, {
      nGenes: G,
      steps: 50,
      gradientFn: denseLogitGradient(tf, s, predicted),
    });
    expect(tf.memory().numTensors).toBe(before);
    expectSameIg(fast, slow);
    expect(Math.max(...fast.deltaRel)).toBeLessThan(0.01);
    // Non-vacuous: each cell's logit moves, and attributions land on many genes.
    for (let c = 0; c < predicted.length; c++) expect(Math.abs(fast.fx[c] - fast.fBaseline[c])).toBeGreaterThan(0.5);
    expect(fast.attributions.filter((v) => v !== 0).length).toBeGreaterThan(1000);
    s.dispose();
  });
});
