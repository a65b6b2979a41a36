import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { knnBruteForce } from '../../../src/core/embedding/knn.ts';
import { knnMatMul, knnPreservation } from '../../../src/core/embedding/knn_matmul.ts';
import { pcaInit, umapLayout } from '../../../src/core/embedding/umap.ts';
import { pca } from '../../../src/core/embedding/pca.ts';
import { mulberry32 } from '../../../src/core/random.ts';

/** `nClusters` Gaussian blobs in `dim` dimensions, `perCluster` points each; returns data and labels. */
function blobs(nClusters: number, perCluster: number, dim: number, seed: number) {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = Array.from({ length: nClusters }, () => Array.from({ length: dim }, () => gauss() * 8));
  const n = nClusters * perCluster;
  const x = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    labels[i] = i % nClusters;
    for (let d = 0; d < dim; d++) x[i * dim + d] = centres[labels[i]][d] + gauss();
  }
  return { x, labels, n };
}

describe('kNN as batched matMul', () => {
  it('equals brute-force exact neighbours, with small blocks and with a row subset', async () => {
    await tf.setBackend('cpu');
    const { x, n } = blobs(4, 60, 7, 1);
    const ref = knnBruteForce(x, n, 7, 10);
    const got = await knnMatMul(tf, x, n, 7, 10, { blockEntries: 5 * n });
    expect(knnPreservation(ref, got.indices, 10)).toBe(1);
    // Distances are Euclidean and ascending.
    const i = 17;
    const j = got.indices[i * 10];
    let d2 = 0;
    for (let d = 0; d < 7; d++) d2 += (x[i * 7 + d] - x[j * 7 + d]) ** 2;
    expect(got.distances[i * 10]).toBeCloseTo(Math.sqrt(d2), 4);
    for (let t = 1; t < 10; t++) expect(got.distances[i * 10 + t]).toBeGreaterThanOrEqual(got.distances[i * 10 + t - 1]);
    const subset = await knnMatMul(tf, x, n, 7, 10, { queryRows: [17, 200] });
    expect([...subset.indices.subarray(0, 10)]).toEqual([...ref.subarray(170, 180)]);
    expect([...subset.indices.subarray(10, 20)]).toEqual([...ref.subarray(2000, 2010)]);
  });

  it('kNN preservation counts shared neighbours', () => {
    const a = Int32Array.from([1, 2, 3, 0, 2, 3]);
    const b = Int32Array.from([3, 1, 9, 9, 8, 7]);
    expect(knnPreservation(a, b, 3)).toBeCloseTo(2 / 6, 12);
  });
});

describe('exact kNN with groups ruled out by the triangle inequality', () => {
  it('equals brute force on clustered, unclustered and far-off data, and skips most of the work on clusters', async () => {
    await tf.setBackend('cpu');
    const { knnClustered } = await import('../../../src/core/embedding/knn_clustered.ts');
    const rand = mulberry32(21);
    const uniform = Float32Array.from({ length: 2600 * 8 }, () => rand());
    // In 2-D, groups tile the plane, and a point near a group's edge has neighbours in groups beyond the nearest three.
    const plane = Float32Array.from({ length: 6000 * 2 }, () => rand());
    const { x: clustered, n } = blobs(12, 250, 6, 22);
    const far = Float32Array.from(clustered, (v) => v + 1000);
    // Duplicates: 40 copies of one point, and 30 of another, far apart in index order.
    const dup = clustered.slice();
    for (let i = 0; i < 70; i++) dup.set(clustered.subarray((i < 40 ? 5 : 6) * 6, (i < 40 ? 6 : 7) * 6), (i * 41 + 100) * 6);
    for (const [x, count, dim] of [
      [clustered, n, 6],
      [uniform, 2600, 8],
      [plane, 6000, 2],
      [far, n, 6],
      [dup, n, 6],
    ] as const) {
      const ref = knnBruteForce(x, count, dim, 14);
      const got = await knnClustered(tf, x, count, dim, 14);
      expect(got.groups).toBeGreaterThan(1);
      expect([...got.indices]).toEqual([...ref]);
      const i = 123;
      let d2 = 0;
      for (let d = 0; d < dim; d++) d2 += (x[i * dim + d] - x[ref[i * 14] * dim + d]) ** 2;
      expect(got.distances[i * 14]).toBeCloseTo(Math.sqrt(d2), 5);
      if (x === clustered) expect(got.fractionComputed).toBeLessThan(0.5);
    }
  });

  it('stops when cancelled', async () => {
    const { knnClustered } = await import('../../../src/core/embedding/knn_clustered.ts');
    const { x, n } = blobs(12, 250, 6, 23);
    const signal = { aborted: false };
    await expect(knnClustered(tf, x, n, 6, 14, { signal, onProgress: (f) => (signal.aborted = f > 0.3) })).rejects.toThrow(/cancelled/);
  });
});

describe('UMAP with matMul neighbours', () => {
  it('separates blobs and preserves neighbours no worse than umap-js with NN-descent (same 15 neighbours, same epochs)', async () => {
    await tf.setBackend('cpu');
    const { x, labels, n } = blobs(5, 80, 10, 2);
    const ours = await umapLayout(tf, x, n, 10, { nEpochs: 200, seed: 3 });
    const base = await umapLayout(null, x, n, 10, { nEpochs: 200, seed: 3, knn: 'nn-descent' });
    const input = knnBruteForce(x, n, 10, 15);
    const keepOurs = knnPreservation(input, knnBruteForce(ours.coords, n, 2, 15), 15);
    const keepBase = knnPreservation(input, knnBruteForce(base.coords, n, 2, 15), 15);
    expect(keepOurs).toBeGreaterThan(0.3);
    expect(keepOurs).toBeGreaterThanOrEqual(keepBase - 0.02);
    // Every cell's 2-D nearest neighbour is from its own blob.
    const nn = knnBruteForce(ours.coords, n, 2, 1);
    let same = 0;
    for (let i = 0; i < n; i++) same += labels[nn[i]] === labels[i] ? 1 : 0;
    expect(same / n).toBeGreaterThan(0.99);
    // Seeded: the same call gives the same layout.
    const again = await umapLayout(tf, x, n, 10, { nEpochs: 200, seed: 3 });
    expect(again.coords).toEqual(ours.coords);
  });

  it('says what is wrong with too few cells or non-finite input', async () => {
    await expect(umapLayout(tf, new Float32Array(20), 10, 2)).rejects.toThrow(/more than 15 cells/);
    const bad = new Float32Array(40 * 2);
    bad[5] = NaN;
    await expect(umapLayout(tf, bad, 40, 2)).rejects.toThrow(/cell 3/);
  });

  it('stops when cancelled', async () => {
    const { x, n } = blobs(3, 40, 5, 4);
    const signal = { aborted: false };
    const run = umapLayout(tf, x, n, 5, { signal, onProgress: (f) => (signal.aborted = f > 0.5) });
    await expect(run).rejects.toThrow(/cancelled/);
  });
});

describe('typed-array port of umap-js', () => {
  it('builds the same fuzzy graph as umap-js from the same neighbours', async () => {
    const { UMAP } = await import('umap-js');
    const { fuzzySimplicialSet } = await import('../../../src/core/embedding/umap_graph.ts');
    const { x, n } = blobs(3, 30, 4, 8);
    const k = 8;
    const nn = knnBruteForce(x, n, 4, k - 1);
    const indices = new Int32Array(n * k);
    const distances = new Float32Array(n * k);
    const idx: number[][] = [];
    const dist: number[][] = [];
    for (let i = 0; i < n; i++) {
      const row = [i, ...nn.subarray(i * (k - 1), (i + 1) * (k - 1))];
      const d = row.map((j) => Math.hypot(...Array.from({ length: 4 }, (_, t) => x[i * 4 + t] - x[j * 4 + t])));
      indices.set(row, i * k);
      distances.set(d, i * k);
      // umap-js gets the same float32-rounded distances.
      idx.push(row);
      dist.push(Array.from(distances.subarray(i * k, (i + 1) * k)));
    }
    const umap = new UMAP({ nNeighbors: k, random: mulberry32(1) });
    umap.setPrecomputedKNN(idx, dist);
    umap.initializeFit(Array.from({ length: n }, (_, i) => Array.from(x.subarray(i * 4, (i + 1) * 4))));
    const ref = (umap as unknown as { graph: { getAll(): { row: number; col: number; value: number }[] } }).graph.getAll();
    const got = fuzzySimplicialSet(indices, distances, n, k);
    const refMap = new Map(ref.filter((e) => e.value !== 0).map((e) => [`${e.row}:${e.col}`, e.value]));
    expect(got.weights.length).toBe(refMap.size);
    let maxDiff = 0;
    for (let t = 0; t < got.weights.length; t++) {
      const v = refMap.get(`${got.rows[t]}:${got.cols[t]}`);
      expect(v).toBeDefined();
      maxDiff = Math.max(maxDiff, Math.abs(v! - got.weights[t]));
    }
    expect(maxDiff).toBeLessThan(1e-12);
    // Symmetric, weights in (0, 1].
    const w = new Map<string, number>();
    for (let t = 0; t < got.weights.length; t++) w.set(`${got.rows[t]}:${got.cols[t]}`, got.weights[t]);
    for (const [key, v] of w) {
      const [r, c] = key.split(':');
      expect(w.get(`${c}:${r}`)).toBe(v);
      expect(v).toBeGreaterThan(0);
      expect(v).toBeLessThanOrEqual(1);
    }
  });
});

describe('matMul kNN precision and the PCA start', () => {
  it('lists and distances equal a float64 search where float32 norms lose digits (points far from the origin)', async () => {
    await tf.setBackend('cpu');
    // Offset by 1,000 in every coordinate: |x|^2 ~ 5e6 next to squared neighbour distances ~1, where
    // |a|^2 + |b|^2 - 2ab in float32 mixes up near neighbours; the float64 re-rank must put them right.
    const { x: base, n } = blobs(3, 40, 5, 9);
    const x = Float32Array.from(base, (v) => v + 1000);
    const got = await knnMatMul(tf, x, n, 5, 10);
    for (let i = 0; i < n; i++) {
      const d = Array.from({ length: n }, (_, j) => {
        let s = 0;
        for (let t = 0; t < 5; t++) s += (x[i * 5 + t] - x[j * 5 + t]) ** 2;
        return { j, s };
      })
        .filter((e) => e.j !== i)
        .sort((a, b) => a.s - b.s || a.j - b.j);
      // Exact up to 4 spare candidates: the 10 nearest in float64, in order, with their distances.
      expect([...got.indices.subarray(i * 10, i * 10 + 10)]).toEqual(d.slice(0, 10).map((e) => e.j));
      for (let t = 0; t < 10; t++) expect(got.distances[i * 10 + t]).toBeCloseTo(Math.sqrt(d[t].s), 4);
    }
  });

  it("init 'pca' starts from the first two PCs scaled to max |coord| 10 (umap-learn's init='pca')", () => {
    const { x, n } = blobs(4, 30, 6, 5);
    const y = pcaInit(x, n, 6, mulberry32(1));
    let m = 0;
    for (const v of y) m = Math.max(m, Math.abs(v));
    expect(m).toBeCloseTo(10, 2);
    const { coords } = pca(x, n, 6, 2);
    // Proportional to the PCs (up to the 1e-4 noise).
    const k = y[0] / coords[0];
    for (let i = 0; i < 2 * n; i++) expect(y[i]).toBeCloseTo(coords[i] * k, 2);
  });
});

describe('the optimiser', () => {
  it('powFunction equals Math.pow to 1e-12 relative, in range and where it falls back', async () => {
    const { powFunction } = await import('../../../src/core/embedding/fast_pow.ts');
    const rand = mulberry32(11);
    for (const b of [0.5, 0.7915, 0.8950608781227859, 1, 1.5]) {
      const f = powFunction(b);
      let worst = 0;
      const xs = [1, 2, 0.5, 1.999999999, 2 ** -32, 2 ** -32 * 0.999, 2 ** 32, 2 ** 32 - 1, 1e-200, 1e200, 3.7e-11];
      for (let i = 0; i < 20_000; i++) xs.push(Math.exp((rand() - 0.5) * 60));
      for (const x of xs) worst = Math.max(worst, Math.abs(f(x) / Math.pow(x, b) - 1));
      expect(worst).toBeLessThan(1e-12);
    }
  });

  it("one edge, no negative samples: the attractive step is umap-js's formula", async () => {
    const { optimizeLayout } = await import('../../../src/core/embedding/umap_graph.ts');
    // Two points joined by one edge each way; with a negative-sample rate of 0 only attraction acts.
    const graph = { n: 2, rows: Int32Array.from([0, 1]), cols: Int32Array.from([1, 0]), weights: Float64Array.from([1, 1]) };
    const a = 1.577;
    const b = 0.895;
    const initial = [0, 0, 3, 4];
    const got = await optimizeLayout(graph, {
      nEpochs: 2,
      a,
      b,
      random: mulberry32(1),
      initial,
      negativeSampleRate: 0,
      yieldNow: async () => {},
    });
    // Reference: umap-js's update in epoch 1 (the first sample of a full-weight edge), edge (tail 0, head 1) then (tail 1, head 0), alpha 1.
    const y = [...initial];
    const step = (j: number, k: number) => {
      const dx = y[2 * j] - y[2 * k];
      const dy = y[2 * j + 1] - y[2 * k + 1];
      const d2 = dx * dx + dy * dy;
      const c = (-2 * a * b * Math.pow(d2, b - 1)) / (a * Math.pow(d2, b) + 1);
      const clip = (v: number) => Math.max(-4, Math.min(4, v));
      const gx = clip(c * dx);
      const gy = clip(c * dy);
      y[2 * j] += gx;
      y[2 * j + 1] += gy;
      y[2 * k] -= gx;
      y[2 * k + 1] -= gy;
    };
    step(1, 0);
    step(0, 1);
    for (let t = 0; t < 4; t++) expect(got[t]).toBeCloseTo(y[t], 5);
  });
});
