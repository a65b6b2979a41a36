/**
 * A tfjs GraphModel written by hand (no tensorflowjs_converter here): a 6 → 5 relu → 3 softmax MLP as
 * MatMul, BiasAdd, Relu, Softmax nodes, with seeded float32 weights in weights.bin, plus a gene list.
 * Tests load it with tf.loadGraphModel and attribute through it with tf.grad.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { mulberry32 } from '../src/core/random.ts';

/** Where the fixture lives. */
export const GRAPH_MODEL_DIR = 'test/fixtures/graph_model';

/** The fixture's sizes and weights, float32, row-major (`w1` `[6, 5]`, `w2` `[5, 3]`). */
export function graphModelWeights() {
  const random = mulberry32(20261126);
  const normal = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random());
  const nIn = 6;
  const nHidden = 5;
  const nOut = 3;
  const w1 = Float32Array.from({ length: nIn * nHidden }, () => 0.6 * normal());
  const b1 = Float32Array.from({ length: nHidden }, () => 0.2 * normal());
  const w2 = Float32Array.from({ length: nHidden * nOut }, () => 0.8 * normal());
  const b2 = Float32Array.from({ length: nOut }, () => 0.1 * normal());
  return { nIn, nHidden, nOut, w1, b1, w2, b2 };
}

const f32 = { type: 'DT_FLOAT' };
const constNode = (name: string, dims: number[]) => ({
  name,
  op: 'Const',
  attr: { dtype: f32, value: { tensor: { dtype: 'DT_FLOAT', tensorShape: { dim: dims.map((d) => ({ size: String(d) })) } } } },
});
const matMul = (name: string, a: string, b: string) => ({
  name,
  op: 'MatMul',
  input: [a, b],
  attr: { T: f32, transpose_a: { b: false }, transpose_b: { b: false } },
});
// data_format "NHWC", base64 as the converter writes it.
const biasAdd = (name: string, x: string, b: string) => ({
  name,
  op: 'BiasAdd',
  input: [x, b],
  attr: { T: f32, data_format: { s: 'TkhXQw==' } },
});

/** Writes model.json, weights.bin and genes.txt; returns the paths. */
export function writeGraphModelFixture(dir = GRAPH_MODEL_DIR): string[] {
  const w = graphModelWeights();
  mkdirSync(dir, { recursive: true });
  const modelJson = {
    format: 'graph-model',
    generatedBy: 'hand-written by scripts/fixtures_graph_model.ts',
    convertedBy: null,
    modelTopology: {
      node: [
        { name: 'x', op: 'Placeholder', attr: { dtype: f32, shape: { shape: { dim: [{ size: '-1' }, { size: String(w.nIn) }] } } } },
        constNode('dense_1/kernel', [w.nIn, w.nHidden]),
        constNode('dense_1/bias', [w.nHidden]),
        constNode('dense_2/kernel', [w.nHidden, w.nOut]),
        constNode('dense_2/bias', [w.nOut]),
        matMul('dense_1/MatMul', 'x', 'dense_1/kernel'),
        biasAdd('dense_1/BiasAdd', 'dense_1/MatMul', 'dense_1/bias'),
        { name: 'dense_1/Relu', op: 'Relu', input: ['dense_1/BiasAdd'], attr: { T: f32 } },
        matMul('dense_2/MatMul', 'dense_1/Relu', 'dense_2/kernel'),
        biasAdd('logits', 'dense_2/MatMul', 'dense_2/bias'),
        { name: 'probabilities', op: 'Softmax', input: ['logits'], attr: { T: f32 } },
      ],
      library: {},
      versions: { producer: 1 },
    },
    weightsManifest: [
      {
        paths: ['weights.bin'],
        weights: [
          { name: 'dense_1/kernel', shape: [w.nIn, w.nHidden], dtype: 'float32' },
          { name: 'dense_1/bias', shape: [w.nHidden], dtype: 'float32' },
          { name: 'dense_2/kernel', shape: [w.nHidden, w.nOut], dtype: 'float32' },
          { name: 'dense_2/bias', shape: [w.nOut], dtype: 'float32' },
        ],
      },
    ],
  };
  const bin = new Float32Array([...w.w1, ...w.b1, ...w.w2, ...w.b2]);
  const paths = [join(dir, 'model.json'), join(dir, 'weights.bin'), join(dir, 'genes.txt')];
  writeFileSync(paths[0], JSON.stringify(modelJson, null, 1) + '\n');
  writeFileSync(paths[1], new Uint8Array(bin.buffer));
  writeFileSync(paths[2], ['CD3E', 'CD74', 'MS4A1', 'LYZ', 'NKG7', 'PPBP'].join('\n') + '\n');
  return paths;
}
