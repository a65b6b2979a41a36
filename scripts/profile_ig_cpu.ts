/**
 * `npx tsx scripts/profile_ig_cpu.ts`: where integrated gradients spends its time on the tfjs cpu
 * backend (the same JS kernels the browser's cpu backend runs), per kernel, for the bench's
 * sizes (4 cells × 50 steps of the shipped classifier); prints JSON. Profiling aid for issue 4.
 */
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { decodeCompact, type CompactHeader } from '../src/core/data/compact_format.ts';
import { alignGenes, modelInput } from '../src/core/data/preprocess.ts';
import { extractDenseStack, denseLogitGradient } from '../src/core/attribution/dense_backprop.ts';
import { integratedGradients } from '../src/core/attribution/integrated_gradients.ts';
import { logitTarget } from '../src/core/attribution/targets.ts';
import type { Manifest } from '../src/core/model/manifest.ts';
import { loadLayersModelFromDisk } from './node_tf.ts';

await tf.setBackend('cpu');
const nCells = Number(process.env.CELLS ?? 4);
const steps = 50;
const manifest = JSON.parse(readFileSync('models/pbmc3k-classifier/manifest.json', 'utf8')) as Manifest;
const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
const body = readFileSync('public/data/pbmc3k/dataset.bin');
const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
const G = manifest.input.genes.length;
const x = modelInput(
  ds,
  manifest.preprocessing.steps,
  alignGenes(ds.genes, manifest.input.genes),
  Array.from({ length: nCells }, (_, i) => i),
);
const model = await loadLayersModelFromDisk('models/pbmc3k-classifier');
const stack = extractDenseStack(tf, model)!;
const net = (t: tf.Tensor2D) => model.apply(t) as tf.Tensor2D;
const classes = new Int32Array(nCells);
const baseline = new Float32Array(G);
const run = () =>
  integratedGradients(tf, logitTarget(tf, net, classes), x, baseline, {
    nGenes: G,
    steps,
    gradientFn: denseLogitGradient(tf, stack, classes),
    maxRowsPerChunk: nCells * (steps + 2),
  });
await run();
const t0 = performance.now();
await run();
const totalMs = performance.now() - t0;
const flopsPerRowForward = stack.layers.reduce((a, l) => a + 2 * l.kernel.shape[0] * l.kernel.shape[1], 0);
const gflops = (2 * flopsPerRowForward * nCells * steps) / (totalMs * 1e6);
const info = await tf.profile(async () => {
  await run();
  return [];
});
const byKernel = new Map<string, { ms: number; n: number }>();
for (const k of info.kernels) {
  const e = byKernel.get(k.name) ?? { ms: 0, n: 0 };
  e.ms += (k.kernelTimeMs as number) || 0;
  e.n++;
  byKernel.set(k.name, e);
}
const N = 512;
const a = tf.randomNormal([N, N]);
const b = tf.randomNormal([N, N]);
tf.matMul(a, b).dataSync();
const m0 = performance.now();
tf.matMul(a, b).dataSync();
const matMulMs = performance.now() - m0;
const peak = (2 * N ** 3) / (matMulMs * 1e6);
console.log(
  JSON.stringify(
    {
      nCells,
      steps,
      totalMs,
      gflops,
      matMul512Gflops: peak,
      ratio: gflops / peak,
      kernels: [...byKernel.entries()]
        .sort((p, q) => q[1].ms - p[1].ms)
        .map(([name, e]) => ({ name, ms: Math.round(e.ms * 10) / 10, calls: e.n })),
    },
    null,
    1,
  ),
);
