/**
 * npm run train: trains the two demo models on PBMC 3k in Node (tfjs, wasm backend), seeded,
 * and writes models/pbmc3k-classifier and models/pbmc3k-vae (tfjs LayersModels + manifest.json
 * + MODEL.md with the held-out metrics measured here).
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync, writeFileSync } from 'node:fs';
import { decodeCompact, type CompactHeader } from '../src/core/data/compact_format.ts';
import { normalizeLog1p, alignGenes, modelInput, type PreprocessStep } from '../src/core/data/preprocess.ts';
import { highlyVariableGenesSeurat } from '../src/core/data/hvg.ts';
import { classificationReport, stratifiedSplit } from '../src/core/stats/classification.ts';
import { knnBruteForce, knnLabelPurity } from '../src/core/embedding/knn.ts';
import { mulberry32, shuffleInPlace } from '../src/core/random.ts';
import { useWasmBackend, saveLayersModel } from './node_tf.ts';

const SEED = 20261125;
const N_HVG = 2000;
const LATENT = 10;
const HIDDEN = 128;
const CLS_EPOCHS = Number(process.env.CLS_EPOCHS ?? 15);
const L2 = Number(process.env.L2 ?? 1e-5);
const INPUT_DROPOUT = Number(process.env.INPUT_DROPOUT ?? 0);
const HIDDEN_1 = Number(process.env.HIDDEN_1 ?? 128);
const LR = Number(process.env.LR ?? 1e-3);
const VAE_EPOCHS = Number(process.env.VAE_EPOCHS ?? 80);
const KL_WARMUP_EPOCHS = 20;
const BATCH = 128;

const backend = await useWasmBackend();
const tStart = performance.now();
const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
const body = readFileSync('public/data/pbmc3k/dataset.bin');
const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
const labelCol = ds.obs.label;
if (labelCol.type !== 'categorical') throw new Error('label must be categorical');
const classes = labelCol.categories;
const labelCodes = labelCol.codes;

// scanpy: normalize_total(1e4) -> log1p -> highly_variable_genes(flavor='seurat', n_top_genes=2000)
const hvg = highlyVariableGenesSeurat(normalizeLog1p(ds.matrix, 1e4), N_HVG);
const genes = hvg.selected.map((j) => ds.genes[j]);
const steps: PreprocessStep[] = [{ op: 'normalize_total', targetSum: 1e4 }, { op: 'log1p' }, { op: 'select_genes' }];
const X = modelInput(ds, steps, alignGenes(ds.genes, genes));
const n = ds.matrix.nRows;
const G = genes.length;
const rand = mulberry32(SEED);
const split = stratifiedSplit(labelCodes, 0.2, rand);
console.log(`backend=${backend} cells=${n} genes=${G} train=${split.train.length} test=${split.test.length}`);

const rowsOf = (idx: number[]) => {
  const out = new Float32Array(idx.length * G);
  idx.forEach((r, i) => out.set(X.subarray(r * G, (r + 1) * G), i * G));
  return tf.tensor2d(out, [idx.length, G]);
};
const dense = (units: number, activation: 'relu' | 'linear' | 'softplus', name: string, seed: number) =>
  tf.layers.dense({
    units,
    activation,
    name,
    kernelInitializer: tf.initializers.glorotUniform({ seed }),
    biasInitializer: 'zeros',
  });

// ---------------------------------------------------------------- classifier
async function trainClassifier() {
  const t0 = performance.now();
  const input = tf.input({ shape: [G], name: 'expression' });
  let h = dense(HIDDEN_1, 'relu', 'hidden_1', SEED + 1).apply(input) as tf.SymbolicTensor;
  h = dense(64, 'relu', 'hidden_2', SEED + 2).apply(h) as tf.SymbolicTensor;
  const logits = dense(classes.length, 'linear', 'logits', SEED + 3).apply(h) as tf.SymbolicTensor;
  const model = tf.model({ inputs: input, outputs: logits, name: 'pbmc3k_classifier' });
  const optimizer = tf.train.adam(LR);
  const train = [...split.train];
  const history: number[] = [];
  let step = 0;
  for (let epoch = 0; epoch < CLS_EPOCHS; epoch++) {
    shuffleInPlace(train, rand);
    let total = 0;
    for (let b = 0; b < train.length; b += BATCH) {
      const idx = train.slice(b, b + BATCH);
      const loss = tf.tidy(() => {
        // Gene dropout (a fresh seeded mask per step) regularises like scRNA-seq's own dropouts.
        const xb = INPUT_DROPOUT > 0 ? tf.dropout(rowsOf(idx), INPUT_DROPOUT, undefined, SEED + 500_000 + step) : rowsOf(idx);
        const yb = tf.oneHot(
          tf.tensor1d(
            idx.map((i) => labelCodes[i]),
            'int32',
          ),
          classes.length,
        );
        return optimizer.minimize(() => {
          const out = model.apply(xb, { training: true }) as tf.Tensor2D;
          const ce = tf.losses.softmaxCrossEntropy(yb, out);
          // Mild L2 on kernels keeps gradients (and attributions) from concentrating on a few genes.
          const l2 = tf.addN(model.trainableWeights.filter((w) => w.name.includes('kernel')).map((w) => tf.sum(tf.square(w.read()))));
          return tf.add(ce, tf.mul(L2, l2)) as tf.Scalar;
        }, true)!;
      });
      step++;
      total += (await loss.data())[0] * idx.length;
      loss.dispose();
    }
    history.push(total / train.length);
  }
  const pred = tf.tidy(() => (model.predict(rowsOf(split.test)) as tf.Tensor2D).argMax(1));
  const predicted = await pred.data();
  pred.dispose();
  const report = classificationReport(
    split.test.map((i) => labelCodes[i]),
    predicted,
    classes,
  );
  const seconds = (performance.now() - t0) / 1000;
  console.log(
    `classifier: held-out accuracy ${(report.accuracy * 100).toFixed(2)}% macroF1 ${report.macroF1.toFixed(3)} in ${seconds.toFixed(1)} s`,
  );
  return { model, report, seconds, history };
}

// ---------------------------------------------------------------- VAE
async function trainVae() {
  const t0 = performance.now();
  const encIn = tf.input({ shape: [G], name: 'expression' });
  const eh = dense(HIDDEN, 'relu', 'enc_hidden', SEED + 11).apply(encIn) as tf.SymbolicTensor;
  const zMean = dense(LATENT, 'linear', 'z_mean', SEED + 12).apply(eh) as tf.SymbolicTensor;
  const zLogVar = dense(LATENT, 'linear', 'z_log_var', SEED + 13).apply(eh) as tf.SymbolicTensor;
  const encoder = tf.model({ inputs: encIn, outputs: [zMean, zLogVar], name: 'pbmc3k_vae_encoder' });
  const decIn = tf.input({ shape: [LATENT], name: 'z' });
  const dh = dense(HIDDEN, 'relu', 'dec_hidden', SEED + 14).apply(decIn) as tf.SymbolicTensor;
  const xHat = dense(G, 'softplus', 'expression_mean', SEED + 15).apply(dh) as tf.SymbolicTensor;
  const decoder = tf.model({ inputs: decIn, outputs: xHat, name: 'pbmc3k_vae_decoder' });
  const optimizer = tf.train.adam(1e-3);
  const train = [...split.train];
  let step = 0;
  const lossParts = (xb: tf.Tensor2D, beta: number, noiseSeed: number | null) => {
    const [mu, logVar] = encoder.apply(xb) as tf.Tensor2D[];
    const z =
      noiseSeed === null ? mu : tf.add(mu, tf.mul(tf.exp(tf.mul(0.5, logVar)), tf.randomNormal(mu.shape, 0, 1, 'float32', noiseSeed)));
    const rec = decoder.apply(z) as tf.Tensor2D;
    // Gaussian likelihood with unit variance on log1p-normalised expression: 0.5 * squared error per cell.
    const recon = tf.mul(0.5, tf.sum(tf.squaredDifference(xb, rec), 1));
    const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.add(1, logVar), tf.add(tf.square(mu), tf.exp(logVar))), 1));
    return { recon: tf.mean(recon), kl: tf.mean(kl), loss: tf.mean(tf.add(recon, tf.mul(beta, kl))) as tf.Scalar };
  };
  for (let epoch = 0; epoch < VAE_EPOCHS; epoch++) {
    shuffleInPlace(train, rand);
    const beta = Math.min(1, (epoch + 1) / KL_WARMUP_EPOCHS);
    let total = 0;
    for (let b = 0; b < train.length; b += BATCH) {
      const idx = train.slice(b, b + BATCH);
      const loss = tf.tidy(() => {
        const xb = rowsOf(idx);
        return optimizer.minimize(() => lossParts(xb, beta, SEED + 1000 + step).loss, true)!;
      });
      step++;
      total += (await loss.data())[0] * idx.length;
      loss.dispose();
    }
    if (epoch % 10 === 9) console.log(`vae epoch ${epoch + 1}: loss ${(total / train.length).toFixed(2)}`);
  }
  const evalSet = (idx: number[]) =>
    tf.tidy(() => {
      const p = lossParts(rowsOf(idx), 1, SEED + 999_999);
      const det = lossParts(rowsOf(idx), 1, null);
      return [p.recon, p.kl, det.recon].map((t) => t.dataSync()[0]);
    });
  const [testRecon, testKl, testReconMean] = evalSet(split.test);
  const [trainRecon, trainKl] = evalSet(split.train);
  const latent = tf.tidy(() => (encoder.predict(tf.tensor2d(X, [n, G])) as tf.Tensor[])[0].dataSync() as Float32Array);
  const testLatent = new Float32Array(split.test.length * LATENT);
  split.test.forEach((r, i) => testLatent.set(latent.subarray(r * LATENT, (r + 1) * LATENT), i * LATENT));
  const nn = knnBruteForce(testLatent, split.test.length, LATENT, 15);
  const purity = knnLabelPurity(
    nn,
    15,
    split.test.map((i) => labelCodes[i]),
  );
  const seconds = (performance.now() - t0) / 1000;
  const metrics = {
    heldOut: {
      reconPerCell: testRecon,
      reconPerCellAtMean: testReconMean,
      klPerCell: testKl,
      negElboPerCell: testRecon + testKl,
      latentKnn15LabelPurity: purity,
    },
    train: { reconPerCell: trainRecon, klPerCell: trainKl },
  };
  console.log(
    `vae: held-out -ELBO ${(testRecon + testKl).toFixed(2)} (recon ${testRecon.toFixed(2)}, KL ${testKl.toFixed(2)}), latent kNN purity ${purity.toFixed(3)} in ${seconds.toFixed(1)} s`,
  );
  return { encoder, decoder, metrics, seconds };
}

const cls = await trainClassifier();
const vae = await trainVae();

const preprocessing = { steps, hvg: { flavor: 'seurat', nTopGenes: N_HVG } };
const input = { genes, geneIdType: 'symbol' as const };
const common = {
  schemaVersion: 1,
  training: {
    dataset: ds.name,
    nCells: n,
    hvgBins: 20,
    split: { testFraction: 0.2, stratifiedBy: 'label', seed: SEED, nTrain: split.train.length, nTest: split.test.length },
    framework: `@tensorflow/tfjs ${tf.version.tfjs}`,
    backend,
    seed: SEED,
    batchSize: BATCH,
  },
};
await saveLayersModel(cls.model, 'models/pbmc3k-classifier');
writeFileSync(
  'models/pbmc3k-classifier/manifest.json',
  JSON.stringify(
    {
      ...common,
      name: 'pbmc3k-classifier',
      kind: 'classifier',
      description: 'MLP cell-type classifier for PBMC (9 Seurat types) on 2,000 HVG log1p CP10k expression.',
      input,
      preprocessing,
      output: { type: 'logits', classes },
      files: { model: 'model.json' },
      training: {
        ...common.training,
        optimizer: `adam(lr=${LR})`,
        hidden: [HIDDEN_1, 64],
        inputDropout: INPUT_DROPOUT,
        epochs: CLS_EPOCHS,
        loss: `softmax cross-entropy + ${L2} * L2(kernels)`,
        seconds: cls.seconds,
      },
      metrics: {
        heldOut: { accuracy: cls.report.accuracy, macroF1: cls.report.macroF1, perClass: cls.report.perClass },
        confusion: cls.report.confusion,
      },
    },
    null,
    1,
  ),
);
await saveLayersModel(vae.encoder, 'models/pbmc3k-vae/encoder');
await saveLayersModel(vae.decoder, 'models/pbmc3k-vae/decoder');
writeFileSync(
  'models/pbmc3k-vae/manifest.json',
  JSON.stringify(
    {
      ...common,
      name: 'pbmc3k-vae',
      kind: 'vae',
      description: 'VAE with scVI-like sizes (2,000 -> 128 -> 10 -> 128 -> 2,000) on 2,000 HVG log1p CP10k expression.',
      input,
      preprocessing,
      output: { latentDim: LATENT, decoderOutput: 'log1p_normalized_mean', likelihood: 'gaussian(unit variance) on log1p CP10k' },
      files: { encoder: 'encoder/model.json', decoder: 'decoder/model.json' },
      training: {
        ...common.training,
        optimizer: 'adam(lr=1e-3)',
        epochs: VAE_EPOCHS,
        klWarmupEpochs: KL_WARMUP_EPOCHS,
        loss: 'mean over cells of 0.5*||x - decoder(z)||^2 + beta*KL(q(z|x) || N(0, I)), beta warmed 1/20 -> 1 over 20 epochs',
        seconds: vae.seconds,
      },
      metrics: vae.metrics,
    },
    null,
    1,
  ),
);
writeFileSync(
  'models/train_report.json',
  JSON.stringify(
    {
      classifier: { accuracy: cls.report.accuracy, macroF1: cls.report.macroF1, perClass: cls.report.perClass, seconds: cls.seconds },
      vae: { ...vae.metrics, seconds: vae.seconds },
      totalSeconds: (performance.now() - tStart) / 1000,
    },
    null,
    1,
  ),
);
console.log(`total ${((performance.now() - tStart) / 1000).toFixed(1)} s`);

// ---------------------------------------------------------------- MODEL.md (numbers straight from this run)
const pct = (v: number) => `${(v * 100).toFixed(2)} %`;
const perClassTable = [
  '| cell type | held-out cells | precision | recall | F1 |',
  '|---|---:|---:|---:|---:|',
  ...cls.report.perClass.map(
    (c) => `| ${c.label} | ${c.support} | ${c.precision.toFixed(3)} | ${c.recall.toFixed(3)} | ${c.f1.toFixed(3)} |`,
  ),
].join('\n');
const confusion = [
  `| truth \\ predicted | ${classes.join(' | ')} |`,
  `|---|${classes.map(() => '---:').join('|')}|`,
  ...cls.report.confusion.map((row, i) => `| ${classes[i]} | ${row.join(' | ')} |`),
].join('\n');
const dataSection = `## Data and licence
- PBMC 3k (10x Genomics), the Seurat tutorial's 2,638 cells with its 9 cell-type labels: \`public/data/pbmc3k\` (provenance there).
  Data licence CC BY 4.0 (10x Genomics). The trained weights are released with the same attribution.
- Split: stratified by label, 20 % held out (${split.test.length} cells), seed ${SEED}; the held-out cells were never seen in training.
- Input: the 2,000 highly variable genes of scanpy \`highly_variable_genes(flavor='seurat', n_top_genes=2000)\` (20 mean bins) computed on
  \`normalize_total(target_sum=1e4)\` + \`log1p\` of all ${ds.matrix.nCols.toLocaleString('en-US')} genes. The model input is log1p(counts / total × 10⁴) of those genes,
  in the order of \`manifest.json\` → \`input.genes\`. Totals are over all genes of the cell, as scanpy does.`;
const retrain = `## Retrain
\`npm run prepare-data && npm run train\` (Node, @tensorflow/tfjs ${tf.version.tfjs} on the wasm backend; deterministic for a fixed seed and thread count).
This run took ${((performance.now() - tStart) / 1000).toFixed(0)} s on a 2-core machine for both models.`;
writeFileSync(
  'models/pbmc3k-classifier/MODEL.md',
  `# pbmc3k-classifier

A multilayer perceptron that predicts the Seurat cell type of a PBMC from its expression.

${dataSection}

## Architecture
\`expression [2000]\` → Dense ${HIDDEN_1} ReLU → Dense 64 ReLU → Dense ${classes.length} (**logits**; the app applies softmax).
Glorot-uniform initialisation with fixed seeds. Output classes, in order: ${classes.join(', ')}.

## Training
Adam (lr ${LR}), batch ${BATCH}, ${CLS_EPOCHS} epochs, loss = softmax cross-entropy + ${L2} × Σ‖kernel‖² (input dropout ${INPUT_DROPOUT}).
Wall time ${cls.seconds.toFixed(1)} s.

## Held-out metrics (measured by \`npm run train\`)
Accuracy **${pct(cls.report.accuracy)}**, macro F1 **${cls.report.macroF1.toFixed(3)}** on ${split.test.length} held-out cells.

${perClassTable}

Confusion (counts):

${confusion}

Most errors are Naive vs Memory CD4 T cells, whose boundary in the Seurat labels is a cluster cut through a continuum.

${retrain}
`,
);
writeFileSync(
  'models/pbmc3k-vae/MODEL.md',
  `# pbmc3k-vae

A variational autoencoder with scVI-like sizes. The encoder and decoder are separate tfjs LayersModels, so each runs alone.

${dataSection}

## Architecture
- \`encoder/\`: \`expression [2000]\` → Dense ${HIDDEN} ReLU → two heads: \`z_mean\` [${LATENT}] and \`z_log_var\` [${LATENT}] (outputs in that order).
- \`decoder/\`: \`z [${LATENT}]\` → Dense ${HIDDEN} ReLU → Dense 2000 softplus = the **expected expression** on the input's scale (log1p CP10k).

## Likelihood and loss
Gaussian likelihood with unit variance on log1p-normalised expression, so the reconstruction term is ½‖x − decoder(z)‖² per cell
(equal to the negative log-likelihood up to a constant). Prior N(0, I); posterior N(z_mean, exp(z_log_var)), sampled with the
reparameterisation trick. Loss per cell = ½‖x − x̂‖² + β·KL(q(z|x) ‖ N(0, I)), averaged over the batch; β warms up linearly from
1/${KL_WARMUP_EPOCHS} to 1 over the first ${KL_WARMUP_EPOCHS} epochs. Glasswing's latent space is \`z_mean\`.

## Training
Adam (lr 1e-3), batch ${BATCH}, ${VAE_EPOCHS} epochs, seeded noise per step. Wall time ${vae.seconds.toFixed(1)} s.

## Held-out metrics (measured by \`npm run train\`, ${split.test.length} cells)
| metric | held-out | train |
|---|---:|---:|
| reconstruction ½‖x − x̂‖² per cell (sampled z) | ${vae.metrics.heldOut.reconPerCell.toFixed(2)} | ${vae.metrics.train.reconPerCell.toFixed(2)} |
| KL per cell | ${vae.metrics.heldOut.klPerCell.toFixed(2)} | ${vae.metrics.train.klPerCell.toFixed(2)} |
| negative ELBO per cell | ${vae.metrics.heldOut.negElboPerCell.toFixed(2)} | ${(vae.metrics.train.reconPerCell + vae.metrics.train.klPerCell).toFixed(2)} |
| reconstruction at z = z_mean | ${vae.metrics.heldOut.reconPerCellAtMean.toFixed(2)} | |
| 15-NN label purity in z_mean (held-out cells among themselves) | ${vae.metrics.heldOut.latentKnn15LabelPurity.toFixed(3)} | |

The label purity says how well the unsupervised latent space separates the Seurat cell types (1.0 = every neighbour shares the label).

${retrain}
`,
);
