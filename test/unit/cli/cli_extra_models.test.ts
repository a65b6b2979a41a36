/**
 * The CLI on the regressor and embedding fixtures (test/fixtures/models, made by
 * scripts/make_model_fixtures.ts) and pbmc3k: `predict` writes one column per regressor output and
 * `embed` one per embedding dimension, each equal to a direct model call; `attribute` explains a
 * regressor output (output:NAME) and an embedding dimension (dim:K) with IG complete within 1 % at
 * 50 steps on every pbmc3k cell (the absolute error where f(x) ≈ f(0)); bad targets are one sentence.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { loadLayersModelFromDisk } from '../../../scripts/node_tf.ts';
import { cli, H5AD, manifestOf, N_CELLS, useCliFixture } from './cli_fixture.ts';

const REG = 'test/fixtures/models/regressor';
const EMB = 'test/fixtures/models/embedding';
const fx = useCliFixture('cli-extra');
/** 60 cells spread over the dataset. */
const CELLS = Array.from({ length: 60 }, (_, i) => Math.floor((i * N_CELLS) / 60));

/** The model's outputs `[rows.length, nOut]` for dataset rows, through its own genes. */
async function direct(dir: string, kind: 'regressor' | 'embedding', rows: number[]): Promise<Float32Array> {
  const manifest = manifestOf(dir, kind);
  const model = await loadLayersModelFromDisk(dir);
  const x = await fx.inputOf(manifest, rows);
  const y = tf.tidy(() => (model.predict(tf.tensor2d(x, [rows.length, manifest.input.genes.length])) as tf.Tensor).dataSync().slice());
  model.dispose();
  return y as Float32Array;
}

describe('glasswing predict / embed on a regressor and an embedding', () => {
  it('predict: one column per named regressor output, equal to a direct model call', async () => {
    const { csv } = await fx.run('predict', REG, 'reg.csv');
    const names = manifestOf(REG, 'regressor').output.names;
    expect(names).toEqual(['log10_library_size', 't_cell_score', 'b_cell_score']);
    expect(csv.header).toEqual(['cell_id', ...names]);
    expect(csv.comments[0]).toMatch(/ predict model=pbmc3k-regressor model_sha256=[0-9a-f]{64} /);
    expect(csv.rows).toHaveLength(N_CELLS);
    expect(csv.rows.map((r) => r[0])).toEqual(fx.data().dataset.cellIds);
    const y = await direct(REG, 'regressor', CELLS);
    CELLS.forEach((row, i) => names.forEach((_, j) => expect(Math.abs(Number(csv.rows[row][1 + j]) - y[i * 3 + j])).toBeLessThan(1e-5)));
    // The T-cell score is a real signal: higher in cells labelled T than in B cells.
    const label = fx.data().dataset.obs.label;
    if (label.type !== 'categorical') throw new Error('label must be categorical');
    const meanOf = (pattern: RegExp, col: number) => {
      const v = csv.rows.filter((_, i) => pattern.test(label.categories[label.codes[i]])).map((r) => Number(r[col]));
      return v.reduce((a, b) => a + b, 0) / v.length;
    };
    expect(meanOf(/T$/, 2)).toBeGreaterThan(meanOf(/^B$/, 2) + 0.5);
    expect(meanOf(/^B$/, 3)).toBeGreaterThan(meanOf(/T$/, 3) + 0.5);
  });

  it('embed: dim columns z1..z8, equal to a direct model call', async () => {
    const { csv } = await fx.run('embed', EMB, 'emb.csv');
    expect(csv.header).toEqual(['cell_id', ...Array.from({ length: 8 }, (_, j) => `z${j + 1}`)]);
    expect(csv.rows).toHaveLength(N_CELLS);
    const y = await direct(EMB, 'embedding', CELLS);
    CELLS.forEach((row, i) => csv.rows[row].slice(1).forEach((v, j) => expect(Math.abs(Number(v) - y[i * 8 + j])).toBeLessThan(1e-5)));
  });
});

describe('glasswing attribute on a regressor output and an embedding dimension', () => {
  const ALL = Array.from({ length: N_CELLS }, (_, i) => i);

  /**
   * Each row sums to f(x) − f(0) of column `col` within 1 % (its reported delta too). Where
   * |f(x) − f(0)| < 1e-3 the relative delta is ill-conditioned (ISSUE-NOTES: show the absolute one):
   * there the sum must match within 1e-5 absolute. Returns the worst relative delta and how many cells were near 0.
   */
  async function expectComplete(dir: string, kind: 'regressor' | 'embedding', rows: string[][], col: number) {
    const manifest = manifestOf(dir, kind);
    const g = manifest.input.genes.length;
    const nOut = kind === 'regressor' ? manifestOf(dir, 'regressor').output.names.length : manifestOf(dir, 'embedding').output.dim;
    const fX = await direct(dir, kind, ALL);
    const model = await loadLayersModelFromDisk(dir);
    const f0 = tf.tidy(() => (model.predict(tf.zeros([1, g])) as tf.Tensor).dataSync());
    model.dispose();
    let worst = 0;
    let nearZero = 0;
    expect(rows).toHaveLength(N_CELLS);
    rows.forEach((row, i) => {
      const sum = row.slice(3).reduce((a, v) => a + Number(v), 0);
      const change = fX[i * nOut + col] - f0[col];
      if (Math.abs(change) < 1e-3) {
        nearZero++;
        expect(Math.abs(sum - change)).toBeLessThan(1e-5);
        return;
      }
      worst = Math.max(worst, Math.abs(sum - change) / Math.abs(change));
      expect(Number(row[2])).toBeLessThan(0.01);
    });
    expect(worst).toBeLessThan(0.01);
    return { worst, nearZero };
  }

  it('ig on output:t_cell_score is complete within 1 % on every cell, through the Dense fast path', async () => {
    const { csv } = await fx.run('attribute', REG, 'reg-ig.csv', '--target', 'output:t_cell_score');
    expect(csv.comments[0]).toMatch(/target=output:t_cell_score output=regression baseline=zeros steps=50 .*gradient=dense-backprop/);
    expect(csv.header).toEqual(['cell_id', 'target', 'delta', ...manifestOf(REG, 'regressor').input.genes]);
    expect(new Set(csv.rows.map((r) => r[1]))).toEqual(new Set(['output:t_cell_score']));
    const r = await expectComplete(REG, 'regressor', csv.rows, 1);
    expect(r.nearZero).toBeLessThan(10);
  });

  it('ig on dim:2 of the embedding is complete within 1 % on every cell', async () => {
    const { csv } = await fx.run('attribute', EMB, 'emb-ig.csv', '--target', 'dim:2');
    expect(new Set(csv.rows.map((r) => r[1]))).toEqual(new Set(['dim:2']));
    const r = await expectComplete(EMB, 'embedding', csv.rows, 1);
    // One cell (GACCAAACGTATCG) has |f(x) − f(0)| = 8e-6: its relative delta (13.8 %) is rounding noise.
    expect(r.nearZero).toBeLessThan(10);
  });

  it('bad regressor and embedding targets are one sentence each (exit 2)', async () => {
    const bad = async (model: string, target: string) =>
      (await cli('attribute', '--model', model, '--data', H5AD, '--target', target, '--out', fx.out('bad.csv'))).stderr;
    expect(await bad(REG, 'output:age')).toBe(
      'glasswing: --target output:age does not name an output of pbmc3k-regressor; use output:NAME with one of: log10_library_size, t_cell_score, b_cell_score.\n',
    );
    expect(await bad(EMB, 'dim:9')).toBe(
      'glasswing: --target dim:9 does not name a dimension of pbmc3k-embedding; use dim:K (or latent:K) with K from 1 to 8.\n',
    );
  });
});
