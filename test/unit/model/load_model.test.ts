/**
 * Bring your own model: the hand-written GraphModel fixture (MatMul, BiasAdd, Relu, Softmax) loads,
 * its input gradient through tf.grad equals the closed form of its ReLU MLP, IG on it is complete;
 * a LayersModel loads the same way; every bad model gets its sentence; shapes infer a kind; trust.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkGeneCount, inferModelKind, loadUserModel, parseGeneList, type ModelFileSet } from '../../../src/core/model/load_model.ts';
import { assessTrust } from '../../../src/core/model/trust.ts';
import { inputGradient } from '../../../src/core/attribution/saliency.ts';
import { integratedGradients } from '../../../src/core/attribution/integrated_gradients.ts';
import { logitTarget, probabilityTarget } from '../../../src/core/attribution/targets.ts';
import { graphModelWeights, GRAPH_MODEL_DIR } from '../../../scripts/fixtures_graph_model.ts';
import { expectClose, seededRandom, uniforms } from '../attribution/helpers.ts';

beforeAll(async () => {
  await tf.setBackend('cpu');
});

const buf = (b: Buffer) => b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength) as ArrayBuffer;
function fixtureFiles(): Map<string, ArrayBuffer> {
  return new Map(['model.json', 'weights.bin', 'genes.txt'].map((f) => [f, buf(readFileSync(join(GRAPH_MODEL_DIR, f)))]));
}
const text = (s: string) => new TextEncoder().encode(s).buffer as ArrayBuffer;
const w = graphModelWeights();

/** The fixture's logits and ∂logit_c/∂x in float64, by hand. */
function reference(x: ArrayLike<number>, c: number): { logit: number; grad: Float64Array } {
  const h = new Float64Array(w.nHidden);
  for (let j = 0; j < w.nHidden; j++) {
    let s = w.b1[j];
    for (let i = 0; i < w.nIn; i++) s += x[i] * w.w1[i * w.nHidden + j];
    h[j] = s;
  }
  let logit = w.b2[c];
  const grad = new Float64Array(w.nIn);
  for (let j = 0; j < w.nHidden; j++) {
    if (h[j] <= 0) continue;
    logit += h[j] * w.w2[j * w.nOut + c];
    for (let i = 0; i < w.nIn; i++) grad[i] += w.w2[j * w.nOut + c] * w.w1[i * w.nHidden + j];
  }
  return { logit, grad };
}

describe('the hand-written GraphModel fixture', () => {
  it('loads, outputs probabilities, and its logit gradient through tf.grad equals the closed form', async () => {
    const m = await loadUserModel(tf, fixtureFiles(), 'logits');
    expect([m.format, m.nIn, m.nOut, m.outputName]).toEqual(['graph-model', 6, 3, 'logits']);
    const x = uniforms(seededRandom(4), 5 * 6, 0, 2);
    const before = tf.memory().numTensors;
    const classes = Int32Array.from([0, 1, 2, 1, 0]);
    const grad = await inputGradient(tf, logitTarget(tf, m.fn, classes), x, { nGenes: 6 });
    expect(tf.memory().numTensors).toBe(before);
    const expected = new Float64Array(30);
    const fx = new Float64Array(5);
    for (let c = 0; c < 5; c++) {
      const r = reference(x.subarray(c * 6, (c + 1) * 6), classes[c]);
      expected.set(r.grad, c * 6);
      fx[c] = r.logit;
    }
    expectClose(grad.attributions, expected, 1e-5, 1e-6);
    expectClose(grad.fx, fx, 1e-5, 1e-6);
    // IG through the graph. ReLU kinks on the path slow quadrature convergence, and cell 0's logit
    // barely moves (f(x) − f(0) = 0.019), so the check is absolute, then relative where the change is real.
    for (const [steps, rule, limit] of [
      [50, 'gauss-legendre', 6e-3],
      [1000, 'riemann-trapezoid', 2e-3],
    ] as const) {
      const ig = await integratedGradients(tf, logitTarget(tf, m.fn, classes), x, new Float32Array(6), { nGenes: 6, steps, rule });
      ig.deltaAbs.forEach((d, c) => {
        expect(d).toBeLessThan(limit);
        if (Math.abs(ig.fx[c] - ig.fBaseline[c]) > 0.5) expect(ig.deltaRel[c]).toBeLessThan(0.01);
      });
    }
    // The default output is the Softmax node: rows sum to 1.
    const probs = await loadUserModel(tf, fixtureFiles());
    expect(probs.outputName).toBe('probabilities');
    const p = tf.tidy(() =>
      probs
        .fn(tf.tensor2d(x, [5, 6]) as Tensor2D)
        .sum(1)
        .dataSync(),
    );
    expectClose(p, [1, 1, 1, 1, 1], 1e-6);
    const inferred = inferModelKind(tf, probs, x);
    expect(inferred.kind).toBe('classifier');
    expect(inferred.isProbabilityOutput).toBe(true);
    expect(inferred.assumptions.join(' ')).toMatch(/No manifest.json came with the model.*3 outputs that are non-negative and sum to 1/);
    const inferredLogits = inferModelKind(tf, m, x);
    expect([inferredLogits.kind, inferredLogits.isProbabilityOutput]).toEqual(['classifier', false]);
    // Probability through a GraphModel's logits equals the softmax node's gradient.
    const viaLogits = await inputGradient(tf, probabilityTarget(tf, m.fn, 2), x, { nGenes: 6 });
    expect(Math.max(...viaLogits.attributions.map(Math.abs))).toBeGreaterThan(1e-3);
    m.dispose();
    probs.dispose();
  });

  it('reads its gene list and checks it against the input size', () => {
    const genes = parseGeneList(new TextDecoder().decode(fixtureFiles().get('genes.txt')));
    expect(genes).toEqual(['CD3E', 'CD74', 'MS4A1', 'LYZ', 'NKG7', 'PPBP']);
    expect(parseGeneList('gene,mean\nA,1\n"B",2\n\nC,3\n')).toEqual(['A', 'B', 'C']);
    expect(() => checkGeneCount(6, genes, 'genes.txt')).not.toThrow();
    expect(() => checkGeneCount(6, genes.slice(0, 5), 'genes.txt')).toThrow(
      'The model takes 6 inputs but the gene list genes.txt has 5 genes; give the list the model was trained on, in its input order.',
    );
  });
});

describe('a LayersModel through the same loader', () => {
  it('loads from model.json + shard and runs', async () => {
    const dir = 'models/pbmc3k-classifier';
    const files: ModelFileSet = new Map([
      ['model.json', buf(readFileSync(join(dir, 'model.json')))],
      ['weights.bin', buf(readFileSync(join(dir, 'weights.bin')))],
    ]);
    const m = await loadUserModel(tf, files);
    expect([m.format, m.nIn, m.nOut]).toEqual(['layers-model', 2000, 9]);
    expect(m.layersModel).not.toBeNull();
    m.dispose();
  });
});

describe('bad models get a sentence each', () => {
  const json = () => JSON.parse(new TextDecoder().decode(fixtureFiles().get('model.json')));
  const withJson = (j: unknown) => {
    const f = fixtureFiles();
    f.set('model.json', text(JSON.stringify(j)));
    return f;
  };
  it('no model.json', async () => {
    await expect(loadUserModel(tf, new Map([['weights.bin', new ArrayBuffer(4)]]))).rejects.toThrow(
      'There is no model.json among the files (weights.bin); pick the folder that holds model.json and its .bin weight shards.',
    );
  });
  it('malformed model.json', async () => {
    const f = fixtureFiles();
    f.set('model.json', text('{"format": "graph-model", '));
    await expect(loadUserModel(tf, f)).rejects.toThrow(/^model.json is not valid JSON \(.*\); export the model again/);
    await expect(loadUserModel(tf, withJson({ hello: 1 }))).rejects.toThrow(/has no modelTopology or weightsManifest/);
  });
  it('a missing or truncated shard', async () => {
    const f = fixtureFiles();
    f.delete('weights.bin');
    await expect(loadUserModel(tf, f)).rejects.toThrow(
      'model.json lists the weight shard weights.bin, which is missing; add every .bin file that sits next to model.json.',
    );
    const g = fixtureFiles();
    g.set('weights.bin', g.get('weights.bin')!.slice(0, 200));
    await expect(loadUserModel(tf, g)).rejects.toThrow(
      'The weight shards weights.bin hold 200 bytes, but model.json declares 212; a shard is truncated',
    );
  });
  it('wrong input shape, and an output node that does not exist', async () => {
    const j = json();
    j.modelTopology.node[0].attr.shape.shape.dim = [{ size: '-1' }, { size: '6' }, { size: '1' }];
    await expect(loadUserModel(tf, withJson(j))).rejects.toThrow(
      "The model's input has shape [-1, 6, 1], but Glasswing needs one input of shape [cells, genes]; export a model that takes one row per cell.",
    );
    await expect(loadUserModel(tf, fixtureFiles(), 'nope')).rejects.toThrow(
      'The graph model has no node named nope; its outputs are probabilities.',
    );
  });
});

describe('assessTrust', () => {
  it('warns on poor alignment or when most cells are uncertain, and stays quiet otherwise', () => {
    const sure = Float32Array.from([0.9, 0.1, 0.8, 0.2, 0.6, 0.4]);
    const unsure = Float32Array.from([0.45, 0.55, 0.5, 0.5, 0.9, 0.1].map((v, i) => (i < 4 ? 0.5 - (i % 2) * 0.01 : v)));
    expect(assessTrust(0.95, sure, 2).warning).toBeNull();
    const a = assessTrust(0.95, Float32Array.from([0.4, 0.3, 0.3, 0.45, 0.35, 0.2, 0.9, 0.05, 0.05]), 3);
    expect(a.uncertainFraction).toBeCloseTo(2 / 3, 12);
    expect(a.warning).toMatch(/unsure about 67 % of cells/);
    expect(assessTrust(0.4, sure, 2).warning).toMatch(/only 40 % of the model's genes were found/);
    expect(assessTrust(0.4, null, 0).uncertainFraction).toBeNull();
    expect(unsure.length).toBe(6);
  });
});
