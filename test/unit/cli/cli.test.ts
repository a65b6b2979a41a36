/**
 * The `glasswing` CLI (scripts/cli.ts) on the pbmc3k h5ad with the shipped models, run in-process
 * through `runCli` (plus one real process through the bin launcher for the exit code): the CSVs'
 * shape and provenance, predictions against the labels, embeddings against a direct encoder call,
 * IG completeness, saliency against finite differences of the logit, and the error sentences.
 */
import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { loadLayersModelFromDisk } from '../../../scripts/node_tf.ts';
import { smoothGradNoise, smoothGradSigma } from '../../../src/core/attribution/smoothgrad.ts';
import { cli, H5AD, manifestOf, N_CELLS, useCliFixture } from './cli_fixture.ts';

const CLS = 'models/pbmc3k-classifier';
const VAE = 'models/pbmc3k-vae';
/** Cells where the classifier's prediction equals obs.label, measured here on all 2,638 cells (97.8 %; 89.2 % on the held-out 527). */
const CORRECT_CELLS = 2581;

const fx = useCliFixture('cli');
const cls = () => manifestOf(CLS, 'classifier');

/** Logits of the classifier for rows `x` `[n, g]`. */
function logits(model: tf.LayersModel, x: Float32Array, g: number): Float32Array {
  return tf.tidy(() => (model.predict(tf.tensor2d(x, [x.length / g, g])) as tf.Tensor).dataSync() as Float32Array);
}

describe('glasswing predict', () => {
  it('writes one row per cell with probabilities summing to 1 that agree with the labels on the measured number of cells', async () => {
    const { csv, stderr } = await fx.run('predict', CLS, 'predictions.csv');
    expect(stderr).toContain('Matched 2,000 of 2,000 model genes');
    const data = fx.data();
    const classes = cls().output.classes;
    expect(csv.header).toEqual(['cell_id', 'predicted', ...classes.map((c) => `p_${c}`)]);
    expect(csv.comments[0]).toMatch(
      /^# glasswing \d+\.\d+\.\d+ predict model=pbmc3k-classifier model_sha256=[0-9a-f]{64} data=pbmc3k\.h5ad data_hash=[0-9a-f]{64} backend=wasm date=\d{4}-/,
    );
    expect(csv.rows).toHaveLength(N_CELLS);
    expect(csv.rows.map((r) => r[0])).toEqual(data.dataset.cellIds);
    const label = data.dataset.obs.label;
    if (label.type !== 'categorical') throw new Error('label must be categorical');
    let correct = 0;
    csv.rows.forEach((row, i) => {
      const p = row.slice(2).map(Number);
      expect(Math.abs(p.reduce((a, b) => a + b, 0) - 1)).toBeLessThan(1e-5);
      expect(row[1]).toBe(classes[p.indexOf(Math.max(...p))]);
      if (row[1] === label.categories[label.codes[i]]) correct++;
    });
    expect(correct).toBe(CORRECT_CELLS);
    expect(correct / N_CELLS).toBeGreaterThanOrEqual(0.85);
  });
});

describe('glasswing embed', () => {
  it('writes 2,638 × 10 encoder means equal to a direct encoder call', async () => {
    const { csv } = await fx.run('embed', VAE, 'latent.csv');
    const data = fx.data();
    expect(csv.header).toEqual(['cell_id', ...Array.from({ length: 10 }, (_, j) => `z${j + 1}`)]);
    expect(csv.rows).toHaveLength(N_CELLS);
    expect(csv.rows.every((row) => row.length === 11)).toBe(true);
    const encoder = await loadLayersModelFromDisk(`${VAE}/encoder`);
    const picks = [0, 1, 500, 1777, N_CELLS - 1];
    const x = await fx.inputOf(manifestOf(VAE, 'vae'), picks);
    const z = tf.tidy(() => ((encoder.predict(tf.tensor2d(x, [picks.length, 2000])) as tf.Tensor[])[0].dataSync() as Float32Array).slice());
    picks.forEach((row, i) => {
      expect(csv.rows[row][0]).toBe(data.dataset.cellIds[row]);
      csv.rows[row].slice(1).forEach((v, j) => expect(Math.abs(Number(v) - z[i * 10 + j])).toBeLessThan(1e-5));
    });
    encoder.dispose();
  });
});

describe('glasswing attribute', () => {
  const cells = [0, 3, 100, 1000, 2000];

  it('ig: each row sums to f(x) − f(baseline) within its reported delta, and delta < 1 %', async () => {
    const ids = cells.map((i) => fx.data().dataset.cellIds[i]);
    const { csv } = await fx.run('attribute', CLS, 'ig.csv', '--method', 'ig', '--cells', ids.join(','), '--steps', '50');
    const manifest = cls();
    expect(csv.header).toEqual(['cell_id', 'target', 'delta', ...manifest.input.genes]);
    expect(csv.comments[0]).toMatch(/ attribute .* method=ig target=predicted output=logit baseline=zeros steps=50 /);
    expect(csv.rows.map((row) => row[0])).toEqual(ids);
    const model = await loadLayersModelFromDisk(CLS);
    const g = manifest.input.genes.length;
    const fX = logits(model, await fx.inputOf(manifest, cells), g);
    const fb = logits(model, new Float32Array(g), g);
    const k = manifest.output.classes.length;
    csv.rows.forEach((row, i) => {
      const c = manifest.output.classes.indexOf(row[1]);
      // The target is the predicted class.
      const own = Array.from(fX.subarray(i * k, (i + 1) * k));
      expect(c).toBe(own.indexOf(Math.max(...own)));
      const delta = Number(row[2]);
      expect(delta).toBeLessThan(0.01);
      const sum = row.slice(3).reduce((a, v) => a + Number(v), 0);
      const diff = fX[i * k + c] - fb[c];
      expect(Math.abs(sum - diff)).toBeLessThanOrEqual(delta * Math.max(Math.abs(diff), 1e-6) + 1e-4 * Math.abs(diff));
    });
    model.dispose();
  });

  it('saliency equals |∂ logit / ∂ x| by central finite differences on 3 genes', async () => {
    const cell = 3;
    const ids = fx.data().dataset.cellIds;
    const { csv } = await fx.run('attribute', CLS, 'saliency.csv', '--method', 'saliency', '--target', 'B', '--cells', ids[cell]);
    expect(csv.rows).toHaveLength(1);
    expect(csv.rows[0][1]).toBe('B');
    expect(csv.rows[0][2]).toBe('');
    const manifest = cls();
    const g = manifest.input.genes.length;
    const c = manifest.output.classes.indexOf('B');
    const k = manifest.output.classes.length;
    const sal = csv.rows[0].slice(3).map(Number);
    expect(sal.every((v) => v >= 0)).toBe(true);
    // The 3 genes with the largest saliency.
    const genes = sal
      .map((v, j) => [v, j])
      .sort((a, b) => b[0] - a[0])
      .slice(0, 3)
      .map(([, j]) => j);
    const model = await loadLayersModelFromDisk(CLS);
    const x = await fx.inputOf(manifest, [cell]);
    const h = 1e-2;
    const batch = new Float32Array(2 * genes.length * g);
    genes.forEach((j, t) => {
      batch.set(x, 2 * t * g);
      batch.set(x, (2 * t + 1) * g);
      batch[2 * t * g + j] += h;
      batch[(2 * t + 1) * g + j] -= h;
    });
    const y = logits(model, batch, g);
    genes.forEach((j, t) => {
      const fd = Math.abs((y[2 * t * k + c] - y[(2 * t + 1) * k + c]) / (2 * h));
      expect(Math.abs(sal[j] - fd)).toBeLessThan(2e-3 + 1e-2 * fd);
    });
    model.dispose();
  });

  it('smoothgrad of prob:B equals tf.grad of the probability averaged over the same seeded noise', async () => {
    // The two cells whose p(B) is closest to 1/2: there the probability is not saturated and its gradient is large.
    const manifestB = cls();
    const all = await fx.inputOf(
      manifestB,
      Array.from({ length: N_CELLS }, (_, i) => i),
    );
    const clsModel = await loadLayersModelFromDisk(CLS);
    const pB = tf.tidy(() =>
      tf
        .softmax(clsModel.predict(tf.tensor2d(all, [N_CELLS, manifestB.input.genes.length])) as tf.Tensor2D)
        .slice([0, manifestB.output.classes.indexOf('B')], [-1, 1])
        .dataSync(),
    );
    clsModel.dispose();
    const picked = [...pB.keys()].sort((p, q) => Math.abs(pB[p] - 0.5) - Math.abs(pB[q] - 0.5)).slice(0, 2);
    const { csv } = await fx.run(
      'attribute',
      CLS,
      'sg.csv',
      '--method',
      'smoothgrad',
      '--target',
      'prob:B',
      '--samples',
      '6',
      '--noise',
      '0.1',
      '--seed',
      '9',
      '--cells',
      picked.map((i) => fx.data().dataset.cellIds[i]).join(','),
    );
    expect(csv.comments[0]).toMatch(/method=smoothgrad target=prob:B output=probability samples=6 noise=0.1 seed=9 /);
    expect(csv.rows.map((row) => row[1])).toEqual(['prob:B', 'prob:B']);
    const manifest = cls();
    const g = manifest.input.genes.length;
    const b = manifest.output.classes.indexOf('B');
    const model = await loadLayersModelFromDisk(CLS);
    const x = await fx.inputOf(manifest, picked);
    const sigma = smoothGradSigma(x, g, 0.1);
    picked.forEach((cell, i) => {
      const points = new Float32Array(6 * g);
      for (let s = 0; s < 6; s++) {
        // Seeded by the cell's row in the data (seedKeys), as the CLI documents.
        const noise = smoothGradNoise(9, cell, s, g, sigma[i]);
        for (let j = 0; j < g; j++) points[s * g + j] = x[i * g + j] + noise[j];
      }
      const grad = tf.tidy(() =>
        tf
          .grad((t: tf.Tensor) => tf.sum(tf.softmax(model.apply(t) as tf.Tensor2D).slice([0, b], [-1, 1])))(tf.tensor2d(points, [6, g]))
          .mean(0)
          .dataSync(),
      );
      const got = csv.rows[i].slice(3).map(Number);
      const scale = Math.max(...Array.from(grad, Math.abs));
      expect(scale).toBeGreaterThan(1e-4);
      got.forEach((v, j) => expect(Math.abs(v - grad[j])).toBeLessThanOrEqual(1e-4 * scale));
    });
    model.dispose();
  });

  it('gradshap: rows sum to f(x) − mean f(b) within the reported delta; a cell gets the same row alone or in a group', async () => {
    const ids = [0, 3, 100].map((i) => fx.data().dataset.cellIds[i]);
    const gradshap = ['--method', 'gradshap', '--samples', '40', '--seed', '2', '--cells'];
    const { csv } = await fx.run('attribute', CLS, 'gs.csv', ...gradshap, ids.join(','));
    const one = await fx.run('attribute', CLS, 'gs1.csv', ...gradshap, ids[1]);
    expect(csv.comments[0]).toMatch(/method=gradshap target=predicted output=logit samples=40 seed=2 reference_cells=100 /);
    expect(one.csv.rows[0]).toEqual(csv.rows[1]);
    for (const row of csv.rows) {
      const delta = Number(row[2]);
      expect(Number.isFinite(delta)).toBe(true);
      // Sampling error of 40 draws on this classifier, measured: well under 25 %.
      expect(delta).toBeLessThan(0.25);
    }
  });

  it('ig on a VAE decoded gene (gene:CD74): each row sums to decoded(x) − decoded(0) within 1 %', async () => {
    const picked = [0, 7];
    const ids = picked.map((i) => fx.data().dataset.cellIds[i]).join(',');
    const { csv } = await fx.run('attribute', VAE, 'vae-gene.csv', '--method', 'ig', '--target', 'gene:CD74', '--cells', ids);
    expect(csv.comments[0]).toMatch(/target=gene:CD74 output=decoded .*gradient=tf.grad/);
    const manifest = manifestOf(VAE, 'vae');
    const g = manifest.input.genes.length;
    const gene = manifest.input.genes.indexOf('CD74');
    const encoder = await loadLayersModelFromDisk(`${VAE}/encoder`);
    const decoder = await loadLayersModelFromDisk(`${VAE}/decoder`);
    const x = await fx.inputOf(manifest, picked);
    const decoded = (rows: Float32Array) =>
      tf.tidy(() =>
        (decoder.predict((encoder.predict(tf.tensor2d(rows, [rows.length / g, g])) as tf.Tensor[])[0]) as tf.Tensor2D).dataSync(),
      );
    const fAtX = decoded(x);
    const f0 = decoded(new Float32Array(g));
    csv.rows.forEach((row, i) => {
      expect(row[1]).toBe('gene:CD74');
      const sum = row.slice(3).reduce((a, v) => a + Number(v), 0);
      const change = fAtX[i * g + gene] - f0[gene];
      expect(Math.abs(change)).toBeGreaterThan(0.1);
      expect(Math.abs(sum - change)).toBeLessThan(0.01 * Math.abs(change));
      expect(Number(row[2])).toBeLessThan(0.01);
    });
    encoder.dispose();
    decoder.dispose();
  });

  it('bad method, target and sample options are one sentence each (exit 2)', async () => {
    const bad = async (...args: string[]) =>
      (await cli('attribute', '--model', VAE, '--data', H5AD, '--out', fx.out('bad.csv'), ...args)).stderr;
    expect(await bad('--method', 'lime')).toMatch(
      /--method lime is not a known method; use saliency, gradxinput, ig, smoothgrad or gradshap/,
    );
    expect(await bad('--target', 'gene:NOPE')).toMatch(/NOPE is not one of pbmc3k-vae's 2000 genes/);
    expect(await bad('--target', 'latent:0')).toMatch(/use latent:K with K from 1 to 10, or gene:SYMBOL/);
    expect(await bad('--method', 'smoothgrad', '--samples', '0', '--target', 'latent:1')).toMatch(
      /--samples 0 is not a whole number from 1 to 10000/,
    );
    expect(await bad('--method', 'smoothgrad', '--noise=-1', '--target', 'latent:1')).toMatch(/--noise -1 is not a fraction/);
    expect(await bad('--method', 'gradshap', '--seed', '1.5', '--target', 'latent:1')).toMatch(/--seed 1.5 is not a whole number/);
  });
});

describe('glasswing errors', () => {
  it('a bad --model path is one sentence and exit code 2', async () => {
    const r = await cli('predict', '--model', 'models/no-such-model', '--data', H5AD, '--out', fx.out('x.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      'glasswing: The model folder models/no-such-model does not exist; point --model at a folder holding manifest.json and its model files.\n',
    );
  });

  it('a missing --data is one sentence and exit code 2', async () => {
    const r = await cli('embed', '--model', VAE, '--out', fx.out('x.csv'));
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('glasswing: --data is missing; give an .h5ad file, a 10x folder, MTX files or a CSV table.\n');
  });

  it('the bin launcher exits with code 2 and no stack trace for a bad --model', () => {
    const p = spawnSync(process.execPath, ['scripts/glasswing.mjs', 'predict', '--model', 'nowhere', '--data', H5AD], { encoding: 'utf8' });
    expect(p.status).toBe(2);
    expect(p.stderr.trim().split('\n')).toEqual([
      'glasswing: The model folder nowhere does not exist; point --model at a folder holding manifest.json and its model files.',
    ]);
  });
});
