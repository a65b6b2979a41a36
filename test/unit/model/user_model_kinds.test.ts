/**
 * checkUserModel (src/workers/user_model.ts) on the regressor and embedding fixtures
 * (scripts/make_model_fixtures.ts): with their manifest they are accepted as what they are, with
 * their own gene count; a manifest whose outputs do not match the model gets one sentence.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { checkUserModel, sortModelFiles } from '../../../src/workers/user_model.ts';

/** The fixture's files as the browser hands them over, with `manifest` edited by `edit`. */
async function sorted(dir: string, edit: (m: Record<string, unknown>) => void = () => {}) {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Record<string, unknown>;
  edit(manifest);
  const files = [
    new File([readFileSync(join(dir, 'model.json'))], 'model.json'),
    new File([readFileSync(join(dir, 'weights.bin'))], 'weights.bin'),
    new File([JSON.stringify(manifest)], 'manifest.json'),
  ];
  return sortModelFiles(files);
}
const noSample = async () => new Float32Array(0);

beforeAll(async () => {
  await tf.setBackend('cpu');
});

describe('checkUserModel on regressor and embedding manifests', () => {
  it('accepts the regressor (500 genes, 3 named outputs) and the embedding (600 genes, 8 dims)', async () => {
    const reg = await checkUserModel(tf, await sorted('test/fixtures/models/regressor'), noSample);
    expect(reg.kind).toBe('regressor');
    if (reg.kind !== 'regressor' && reg.kind !== 'embedding') throw new Error('unreachable');
    expect(reg.nIn).toBe(500);
    expect(reg.spec).toEqual({ format: 'layers-model', outputName: 'output', isProbabilityOutput: false });
    const emb = await checkUserModel(tf, await sorted('test/fixtures/models/embedding'), noSample);
    expect(emb.kind).toBe('embedding');
    if (emb.kind !== 'embedding') throw new Error('unreachable');
    expect(emb.manifest.output).toEqual({ dim: 8 });
    expect(emb.nIn).toBe(600);
  });

  it('outputs that differ from the manifest are one sentence naming the fix', async () => {
    await expect(
      checkUserModel(tf, await sorted('test/fixtures/models/regressor', (m) => (m.output = { names: ['a', 'b'] })), noSample),
    ).rejects.toThrow('The model has 3 outputs but manifest.json names 2 (output.names); give one name per output column.');
    await expect(
      checkUserModel(tf, await sorted('test/fixtures/models/embedding', (m) => (m.output = { dim: 7 })), noSample),
    ).rejects.toThrow('The model has 8 outputs but manifest.json says output.dim 7; set output.dim to 8.');
  });
});
