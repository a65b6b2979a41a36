/**
 * `npx tsx scripts/make_model_fixtures.ts`: trains three small, real models on PBMC 3k in Node
 * (tfjs wasm backend, seeded) and writes them with manifest.json under test/fixtures/models/:
 *   - regressor/: 500 genes -> 32 (softplus) -> 3 named outputs (log10 library size, a T-cell and a B-cell
 *     module score, each the mean log1p CP10k of its marker genes);
 *   - embedding/: 600 genes -> 32 (softplus) -> 8, trained to reproduce the first 8 principal components
 *     of the 2,000-gene model input (a small parametric embedding);
 *   - classifier_subset/: a 9-class classifier whose 1,000 input genes are a seeded reordering of
 *     a subset of the VAE's genes (the gene list differs from the VAE's in size and order).
 * Each is < 1 MB. The gene subsets are drawn from the bundled models' 2,000 HVGs.
 */
import * as tf from '@tensorflow/tfjs';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeCompact, type CompactHeader } from '../src/core/data/compact_format.ts';
import { alignGenes, librarySizes, modelInput, type PreprocessStep } from '../src/core/data/preprocess.ts';
import { pcaLarge } from '../src/core/embedding/pca_large.ts';
import { mulberry32, shuffleInPlace } from '../src/core/random.ts';
import { saveLayersModel, useWasmBackend } from './node_tf.ts';

const SEED = 20261126;
const OUT = 'test/fixtures/models';
const EPOCHS = Number(process.env.EPOCHS ?? 40);
const BATCH = 128;

const backend = await useWasmBackend();
const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
const body = readFileSync('public/data/pbmc3k/dataset.bin');
const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
const vaeGenes = (JSON.parse(readFileSync('models/pbmc3k-vae/manifest.json', 'utf8')) as { input: { genes: string[] } }).input.genes;
const steps: PreprocessStep[] = [{ op: 'normalize_total', targetSum: 1e4 }, { op: 'log1p' }, { op: 'select_genes' }];
const preprocessing = { steps };
const n = ds.matrix.nRows;
const rand = mulberry32(SEED);
const labelCol = ds.obs.label;
if (labelCol.type !== 'categorical') throw new Error('label must be categorical');

/** Model input of `genes` for every cell, `[n, genes.length]`. */
const inputOf = (genes: string[]) => modelInput(ds, steps, alignGenes(ds.genes, genes));

const dense = (units: number, activation: 'relu' | 'softplus' | 'linear', name: string, seed: number) =>
  tf.layers.dense({ units, activation, name, kernelInitializer: tf.initializers.glorotUniform({ seed }), biasInitializer: 'zeros' });

/**
 * A seeded MLP fit of `y` `[n, nOut]` from `x` `[n, g]` (MSE, or softmax CE when `isClassifier`).
 * The regressor and embedding use a softplus hidden layer: with 32 ReLU units, the few kinks on
 * an IG path left 50-step Gauss–Legendre above 1 % completeness error on ~20 % of cells (measured);
 * a smooth activation is what such small regression heads often use, and IG converges on it.
 */
async function fit(
  name: string,
  x: Float32Array,
  g: number,
  y: Float32Array,
  nOut: number,
  isClassifier: boolean,
  seed: number,
  activation: 'relu' | 'softplus' = 'softplus',
) {
  const input = tf.input({ shape: [g], name: 'expression' });
  const h = dense(32, activation, 'hidden', seed + 1).apply(input) as tf.SymbolicTensor;
  const out = dense(nOut, 'linear', 'output', seed + 2).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: out, name });
  const xs = tf.tensor2d(x, [n, g]);
  const ys = tf.tensor2d(y, [n, nOut]);
  const optimizer = tf.train.adam(1e-3);
  const order = Array.from({ length: n }, (_, i) => i);
  let last = 0;
  for (let epoch = 0; epoch < EPOCHS; epoch++) {
    shuffleInPlace(order, rand);
    let total = 0;
    for (let b = 0; b < n; b += BATCH) {
      const idx = tf.tensor1d(order.slice(b, b + BATCH), 'int32');
      const loss = optimizer.minimize(() => {
        const xb = tf.gather(xs, idx);
        const yb = tf.gather(ys, idx);
        const pred = model.apply(xb) as tf.Tensor2D;
        return (isClassifier ? tf.losses.softmaxCrossEntropy(yb, pred) : tf.losses.meanSquaredError(yb, pred)) as tf.Scalar;
      }, true)!;
      total += (await loss.data())[0] * Math.min(BATCH, n - b);
      loss.dispose();
      idx.dispose();
    }
    last = total / n;
  }
  xs.dispose();
  ys.dispose();
  return { model, loss: last };
}

function write(dir: string, manifest: Record<string, unknown>, note: string): void {
  writeFileSync(join(dir, 'manifest.json'), JSON.stringify(manifest, null, 1) + '\n');
  writeFileSync(join(dir, 'PROVENANCE.md'), note + '\n');
}

const training = (extra: Record<string, unknown>) => ({
  dataset: ds.name,
  nCells: n,
  framework: `@tensorflow/tfjs ${tf.version.tfjs}`,
  backend,
  seed: SEED,
  epochs: EPOCHS,
  script: 'scripts/make_model_fixtures.ts',
  ...extra,
});
const provenance = (what: string) =>
  `# ${what}\n\nTrained by \`npx tsx scripts/make_model_fixtures.ts\` on PBMC 3k (10x Genomics, CC BY 4.0; see public/data/pbmc3k/PROVENANCE.md) in Node on the tfjs wasm backend, seeded. A test fixture: small and real, not a model for biological conclusions.`;

// ---------------------------------------------------------------- regressor
if (!process.env.ONLY || process.env.ONLY === 'regressor') {
  const genes = vaeGenes.slice(0, 500);
  const x = inputOf(genes);
  const all = modelInput(ds, steps, alignGenes(ds.genes, ds.genes));
  const G = ds.genes.length;
  const lib = librarySizes(ds.matrix);
  const modules: Record<string, string[]> = { t_cell_score: ['CD3D', 'CD3E', 'IL7R'], b_cell_score: ['MS4A1', 'CD79A', 'CD79B'] };
  const names = ['log10_library_size', ...Object.keys(modules)];
  const y = new Float32Array(n * names.length);
  const idx = Object.values(modules).map((m) => m.map((s) => ds.genes.indexOf(s)));
  if (idx.flat().some((j) => j < 0)) throw new Error('a module gene is missing from pbmc3k');
  for (let i = 0; i < n; i++) {
    y[i * 3] = Math.log10(lib[i]);
    idx.forEach((js, m) => (y[i * 3 + 1 + m] = js.reduce((a, j) => a + all[i * G + j], 0) / js.length));
  }
  const { model, loss } = await fit('pbmc3k_regressor', x, genes.length, y, names.length, false, SEED + 10);
  const dir = join(OUT, 'regressor');
  mkdirSync(dir, { recursive: true });
  await saveLayersModel(model, dir);
  write(
    dir,
    {
      schemaVersion: 1,
      name: 'pbmc3k-regressor',
      kind: 'regressor',
      description:
        'MLP (500 -> 32 softplus -> 3) predicting log10 library size and two marker-module scores (mean log1p CP10k of CD3D/CD3E/IL7R and MS4A1/CD79A/CD79B).',
      input: { genes, geneIdType: 'symbol' },
      preprocessing,
      output: { names },
      files: { model: 'model.json' },
      training: training({ loss: 'mean squared error', hidden: [32], activation: 'softplus', modules }),
      metrics: { trainMse: loss },
    },
    provenance('pbmc3k-regressor (test fixture)'),
  );
  console.log(`regressor: ${genes.length} genes -> ${names.join(', ')}; train MSE ${loss.toFixed(4)}`);
  model.dispose();
}

// ---------------------------------------------------------------- embedding
if (!process.env.ONLY || process.env.ONLY === 'embedding') {
  const genes = vaeGenes.slice(200, 800);
  const x = inputOf(genes);
  const full = inputOf(vaeGenes);
  const dim = 8;
  const G = vaeGenes.length;
  const pcs = await pcaLarge(tf, (start, count) => full.subarray(start * G, (start + count) * G), n, G, dim);
  const y = Float32Array.from(pcs.coords);
  const { model, loss } = await fit('pbmc3k_embedding', x, genes.length, y, dim, false, SEED + 20);
  const dir = join(OUT, 'embedding');
  mkdirSync(dir, { recursive: true });
  await saveLayersModel(model, dir);
  write(
    dir,
    {
      schemaVersion: 1,
      name: 'pbmc3k-embedding',
      kind: 'embedding',
      description: 'MLP (600 -> 32 softplus -> 8) trained to reproduce the first 8 principal components of the 2,000-HVG model input.',
      input: { genes, geneIdType: 'symbol' },
      preprocessing,
      output: { dim },
      files: { model: 'model.json' },
      training: training({ loss: 'mean squared error against PCA coordinates', hidden: [32], activation: 'softplus' }),
      metrics: { trainMse: loss, pcaExplained: Array.from(pcs.explained) },
    },
    provenance('pbmc3k-embedding (test fixture)'),
  );
  console.log(`embedding: ${genes.length} genes -> ${dim} dims; train MSE ${loss.toFixed(4)}`);
  model.dispose();
}

// ---------------------------------------------------------------- classifier on a reordered subset of the VAE's genes
if (!process.env.ONLY || process.env.ONLY === 'classifier_subset') {
  const genes = vaeGenes.slice(0, 1000);
  shuffleInPlace(genes, mulberry32(SEED + 30));
  const x = inputOf(genes);
  const classes = labelCol.categories;
  const y = new Float32Array(n * classes.length);
  for (let i = 0; i < n; i++) y[i * classes.length + labelCol.codes[i]] = 1;
  const { model, loss } = await fit('pbmc3k_classifier_subset', x, genes.length, y, classes.length, true, SEED + 40, 'relu');
  const dir = join(OUT, 'classifier_subset');
  mkdirSync(dir, { recursive: true });
  await saveLayersModel(model, dir);
  write(
    dir,
    {
      schemaVersion: 1,
      name: 'pbmc3k-classifier-subset',
      kind: 'classifier',
      description: "MLP (1,000 -> 32 ReLU -> 9) on a seeded reordering of the first 1,000 of the VAE's genes.",
      input: { genes, geneIdType: 'symbol' },
      preprocessing,
      output: { type: 'logits', classes },
      files: { model: 'model.json' },
      training: training({ loss: 'softmax cross-entropy', hidden: [32] }),
      metrics: { trainCrossEntropy: loss },
    },
    provenance('pbmc3k-classifier-subset (test fixture)'),
  );
  console.log(`classifier_subset: ${genes.length} genes -> ${classes.length} classes; train CE ${loss.toFixed(4)}`);
  model.dispose();
}
