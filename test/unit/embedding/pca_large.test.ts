import { describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { pca } from '../../../src/core/embedding/pca.ts';
import { pcaLarge } from '../../../src/core/embedding/pca_large.ts';
import { mulberry32 } from '../../../src/core/random.ts';

describe('PCA of a wide matrix on tfjs', () => {
  it('matches the exact Jacobi PCA (coordinates and explained variance) on a 300 x 40 matrix read in chunks', async () => {
    await tf.setBackend('cpu');
    const rand = mulberry32(5);
    const n = 300;
    const g = 40;
    // Low-rank signal plus noise, with decreasing variance per latent factor and a non-zero mean.
    const x = new Float32Array(n * g);
    const loadings = Array.from({ length: 4 }, () => Array.from({ length: g }, () => rand() - 0.5));
    for (let i = 0; i < n; i++) {
      const f = [4, 2.5, 1.5, 1].map((s) => s * (rand() - 0.5) * 2);
      for (let j = 0; j < g; j++) x[i * g + j] = 3 + f.reduce((a, v, k) => a + v * loadings[k][j], 0) + 0.1 * (rand() - 0.5);
    }
    const ref = pca(x, n, g, 3);
    const got = await pcaLarge(tf, (s, c) => x.slice(s * g, (s + c) * g), n, g, 3, { chunkRows: 64 });
    for (let c = 0; c < 3; c++) expect(got.explained[c]).toBeCloseTo(ref.explained[c], 4);
    let maxDiff = 0;
    let maxAbs = 0;
    for (let k = 0; k < n * 3; k++) {
      maxDiff = Math.max(maxDiff, Math.abs(got.coords[k] - ref.coords[k]));
      maxAbs = Math.max(maxAbs, Math.abs(ref.coords[k]));
    }
    expect(maxDiff / maxAbs).toBeLessThan(1e-3);
  });
});
