/**
 * UMAP quality over seeds (issue 5): kNN preservation of our UMAP (exact kNN, random or PCA init)
 * against umap-js (NN-descent, random init), same 15 neighbours and epochs, on the bench's
 * embedded blobs. Node, tfjs wasm. Usage: npx tsx scripts/umap_seeds.ts [n=10000] [seeds=5] [which=ours-random,ours-pca,umap-js] [firstSeed=1]
 */
import * as tf from '@tensorflow/tfjs';
import { useWasmBackend } from './node_tf.ts';
import { embeddedBlobs } from '../src/core/data/synthetic.ts';
import { knnMatMul, knnPreservation } from '../src/core/embedding/knn_matmul.ts';
import { umapLayout } from '../src/core/embedding/umap.ts';

const n = Number(process.argv[2] ?? 10_000);
const nSeeds = Number(process.argv[3] ?? 5);
const which = (process.argv[4] ?? 'ours-random,ours-pca,umap-js').split(',');
const firstSeed = Number(process.argv[5] ?? 1);
const dim = 30;
await useWasmBackend();
const { x } = embeddedBlobs(n, dim, 4, 12, 3);
const step = Math.max(1, Math.floor(n / 5000));
const rows = Array.from({ length: Math.ceil(n / step) }, (_, i) => i * step).filter((i) => i < n);
const input = await knnMatMul(tf, x, n, dim, 15, { queryRows: rows });
const results: Record<string, number[]> = {};
for (let seed = firstSeed; seed < firstSeed + nSeeds; seed++) {
  for (const w of which) {
    const t0 = Date.now();
    const r =
      w === 'umap-js'
        ? await umapLayout(null, x, n, dim, { seed, knn: 'nn-descent' })
        : await umapLayout(tf, x, n, dim, { seed, init: w === 'ours-pca' ? 'pca' : 'random' });
    const layout = await knnMatMul(tf, r.coords, n, 2, 15, { queryRows: rows });
    const q = knnPreservation(input.indices, layout.indices, 15);
    (results[w] ??= []).push(q);
    process.stdout.write(`${JSON.stringify({ n, seed, which: w, knnPreservation: q, ms: Date.now() - t0 })}\n`);
  }
}
for (const [w, qs] of Object.entries(results)) {
  const mean = qs.reduce((a, b) => a + b, 0) / qs.length;
  const sd = Math.sqrt(qs.reduce((a, b) => a + (b - mean) ** 2, 0) / Math.max(1, qs.length - 1));
  process.stdout.write(`${JSON.stringify({ n, which: w, seeds: qs.length, mean, sd })}\n`);
}
