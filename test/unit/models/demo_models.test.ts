/**
 * The committed demo models, loaded from disk in Node (tfjs wasm backend): their manifests are
 * valid, their gene list is the HVG selection recomputed from the shipped data, the metrics in
 * their manifests are reproduced from the weights, and integrated gradients on the real
 * classifier keeps the completeness delta under 1 % for the worst cell of a stratified sample.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { loadLayersModelFromDisk, useWasmBackend } from '../../../scripts/node_tf.ts';
import { decodeCompact, type CompactHeader } from '../../../src/core/data/compact_format.ts';
import type { Dataset } from '../../../src/core/data/dataset.ts';
import { alignGenes, modelInput, normalizeLog1p } from '../../../src/core/data/preprocess.ts';
import { highlyVariableGenesSeurat } from '../../../src/core/data/hvg.ts';
import { validateManifest, type ClassifierManifest, type VaeManifest } from '../../../src/core/model/manifest.ts';
import { stratifiedSplit, classificationReport } from '../../../src/core/stats/classification.ts';
import { mulberry32 } from '../../../src/core/random.ts';
import { integratedGradients } from '../../../src/core/attribution/integrated_gradients.ts';
import { logitTarget } from '../../../src/core/attribution/targets.ts';

function manifest<T>(path: string): T {
  const checked = validateManifest(JSON.parse(readFileSync(path, 'utf8')));
  if (!checked.ok) throw new Error(checked.errors.join('\n'));
  return checked.manifest as T;
}

let ds: Dataset;
let cls: ClassifierManifest;
let vae: VaeManifest;
let x: Float32Array;
let codes: Int32Array;
let split: { train: number[]; test: number[] };
const G = 2000;

beforeAll(async () => {
  await useWasmBackend();
  const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
  const body = readFileSync('public/data/pbmc3k/dataset.bin');
  ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  cls = manifest<ClassifierManifest>('models/pbmc3k-classifier/manifest.json');
  vae = manifest<VaeManifest>('models/pbmc3k-vae/manifest.json');
  x = modelInput(ds, cls.preprocessing.steps, alignGenes(ds.genes, cls.input.genes));
  const label = ds.obs.label;
  if (label.type !== 'categorical') throw new Error('label must be categorical');
  codes = label.codes;
  const seed = (cls.training as { seed: number }).seed;
  split = stratifiedSplit(codes, 0.2, mulberry32(seed));
});

describe('demo model manifests', () => {
  it('record the 2,000 HVGs that scanpy-style seurat selection gives on the shipped data, in dataset order', () => {
    const hvg = highlyVariableGenesSeurat(normalizeLog1p(ds.matrix, 1e4), 2000);
    expect(cls.input.genes).toEqual(hvg.selected.map((j) => ds.genes[j]));
    expect(vae.input.genes).toEqual(cls.input.genes);
    expect(cls.preprocessing.steps).toEqual([{ op: 'normalize_total', targetSum: 1e4 }, { op: 'log1p' }, { op: 'select_genes' }]);
    expect(cls.output.classes).toEqual((ds.obs.label as { categories: string[] }).categories);
    expect(vae.output.latentDim).toBe(10);
  });
});

describe('pbmc3k-classifier', () => {
  it('reproduces the held-out accuracy and per-class F1 written in its manifest', async () => {
    const model = await loadLayersModelFromDisk('models/pbmc3k-classifier');
    const rows = new Float32Array(split.test.length * G);
    split.test.forEach((r, i) => rows.set(x.subarray(r * G, (r + 1) * G), i * G));
    const pred = tf.tidy(() => (model.predict(tf.tensor2d(rows, [split.test.length, G])) as tf.Tensor2D).argMax(1));
    const report = classificationReport(split.test.map((i) => codes[i]), await pred.data(), cls.output.classes);
    pred.dispose();
    const recorded = (cls.metrics as { heldOut: { accuracy: number; perClass: { f1: number }[] } }).heldOut;
    expect(split.test.length).toBe(527);
    expect(report.accuracy).toBeCloseTo(recorded.accuracy, 10);
    report.perClass.forEach((c, i) => expect(c.f1).toBeCloseTo(recorded.perClass[i].f1, 10));
    expect(report.accuracy).toBeGreaterThan(0.85);
    model.dispose();
  });

  it('IG (zero baseline, 50 Gauss–Legendre steps, predicted-class logit): worst relative delta < 1 % over 100 cells of all 9 types', async () => {
    const model = await loadLayersModelFromDisk('models/pbmc3k-classifier');
    const cells: number[] = [];
    for (let c = 0; c < 9; c++) {
      const idx = [...codes.keys()].filter((i) => codes[i] === c);
      // 12 of the first type and 11 of each other: 100 cells, spread through each type.
      const count = c === 0 ? 12 : 11;
      for (let k = 0; k < count; k++) cells.push(idx[Math.floor((k * idx.length) / count)]);
    }
    expect(new Set(cells).size).toBe(100);
    const rows = new Float32Array(cells.length * G);
    cells.forEach((r, i) => rows.set(x.subarray(r * G, (r + 1) * G), i * G));
    const predicted = tf.tidy(() => (model.predict(tf.tensor2d(rows, [cells.length, G])) as tf.Tensor2D).argMax(1).dataSync());
    const before = tf.memory().numTensors;
    const ig = await integratedGradients(tf, logitTarget(tf, (t) => model.apply(t) as tf.Tensor2D, Int32Array.from(predicted)), rows, new Float32Array(G), {
      nGenes: G,
      steps: 50,
      rule: 'gauss-legendre',
    });
    expect(tf.memory().numTensors).toBe(before);
    const worst = Math.max(...ig.deltaRel);
    expect(worst).toBeLessThan(0.01);
    // Completeness itself, recomputed here from the attributions.
    for (let i = 0; i < cells.length; i++) {
      let sum = 0;
      for (let j = 0; j < G; j++) sum += ig.attributions[i * G + j];
      const gap = ig.fx[i] - ig.fBaseline[i];
      // Guard against a vacuous pass: each cell's logit moves by a real amount along the path.
      expect(Math.abs(gap)).toBeGreaterThan(0.5);
      expect(Math.abs(sum - gap)).toBeLessThanOrEqual(0.01 * Math.max(Math.abs(gap), 1e-6));
    }
    // Attributions only land on genes the cell expresses (zero baseline: (x - 0) * grad).
    for (let j = 0; j < G; j++) if (rows[j] === 0) expect(Math.abs(ig.attributions[j])).toBe(0);
    model.dispose();
  });
});

describe('pbmc3k-vae', () => {
  it('encoder and decoder run alone, and reproduce the held-out reconstruction at z = z_mean from the manifest', async () => {
    const encoder = await loadLayersModelFromDisk('models/pbmc3k-vae/encoder');
    const decoder = await loadLayersModelFromDisk('models/pbmc3k-vae/decoder');
    expect(encoder.outputs.map((o) => o.shape)).toEqual([
      [null, 10],
      [null, 10],
    ]);
    expect(decoder.inputs[0].shape).toEqual([null, 10]);
    const rows = new Float32Array(split.test.length * G);
    split.test.forEach((r, i) => rows.set(x.subarray(r * G, (r + 1) * G), i * G));
    const [recon, minOut] = tf.tidy(() => {
      const xt = tf.tensor2d(rows, [split.test.length, G]);
      const [mu] = encoder.predict(xt) as tf.Tensor[];
      const xHat = decoder.predict(mu) as tf.Tensor2D;
      return [tf.mean(tf.mul(0.5, tf.sum(tf.squaredDifference(xt, xHat), 1))).dataSync()[0], xHat.min().dataSync()[0]];
    });
    const recorded = (vae.metrics as { heldOut: { reconPerCellAtMean: number } }).heldOut.reconPerCellAtMean;
    expect(recon).toBeCloseTo(recorded, 2);
    // Softplus output: expected expression is never negative.
    expect(minOut).toBeGreaterThanOrEqual(0);
  });
});
