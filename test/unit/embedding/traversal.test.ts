/**
 * Latent traversal with the real demo VAE (tfjs wasm in Node): a path starts exactly at the
 * centroid, decoding there equals decoding the mean latent vector computed independently with
 * tf.mean, the sampled path is straight and monotone, it is drawn exactly in a layout that is
 * linear in z (the latent PCA) and through neighbours otherwise, and the gene rankings are right.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import * as tf from '@tensorflow/tfjs';
import { readFileSync } from 'node:fs';
import { loadLayersModelFromDisk, useWasmBackend } from '../../../scripts/node_tf.ts';
import { decodeCompact, type CompactHeader } from '../../../src/core/data/compact_format.ts';
import type { CategoricalColumn, Dataset } from '../../../src/core/data/dataset.ts';
import { alignGenes, modelInput } from '../../../src/core/data/preprocess.ts';
import { pca } from '../../../src/core/embedding/pca.ts';
import {
  applyAffine,
  axisPath,
  decodeLatent,
  fitAffine,
  latentCentroid,
  latentRange,
  linePath,
  pointAt,
  projectThroughNeighbours,
  samplePath,
  topAlongPath,
  topChanges,
} from '../../../src/core/embedding/traversal.ts';
import type { VaeManifest } from '../../../src/core/model/manifest.ts';

let ds: Dataset;
let z: Float32Array;
let dim: number;
let decoder: tf.LayersModel;
let labels: CategoricalColumn;

beforeAll(async () => {
  await useWasmBackend();
  const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
  const body = readFileSync('public/data/pbmc3k/dataset.bin');
  ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  labels = ds.obs.label as CategoricalColumn;
  const vae = JSON.parse(readFileSync('models/pbmc3k-vae/manifest.json', 'utf8')) as VaeManifest;
  dim = vae.output.latentDim;
  const encoder = await loadLayersModelFromDisk('models/pbmc3k-vae/encoder');
  decoder = await loadLayersModelFromDisk('models/pbmc3k-vae/decoder');
  const x = modelInput(ds, vae.preprocessing.steps, alignGenes(ds.genes, vae.input.genes));
  const out = tf.tidy(() => (encoder.apply(tf.tensor2d(x, [ds.matrix.nRows, vae.input.genes.length])) as tf.Tensor[])[0]);
  z = (await out.data()) as Float32Array;
  out.dispose();
}, 120_000);

const maskOf = (name: string) => Uint8Array.from(labels.codes, (c) => (labels.categories[c] === name ? 1 : 0));

describe('latent traversal', () => {
  it('decoding at the centroid equals decoding the mean latent of the group (tf.mean)', async () => {
    const mask = maskOf('B');
    const rows = [...mask.keys()].filter((i) => mask[i]);
    const centroid = latentCentroid(z, dim, mask);
    const path = linePath(centroid, latentCentroid(z, dim, maskOf('CD14+ Mono')));
    const atStart = pointAt(path, 0);
    const independent = tf.tidy(() => tf.mean(tf.gather(tf.tensor2d(z, [z.length / dim, dim]), rows), 0).expandDims(0));
    const meanZ = (await independent.data()) as Float32Array;
    const direct = tf.tidy(() => decoder.apply(independent) as tf.Tensor);
    const want = (await direct.data()) as Float32Array;
    independent.dispose();
    direct.dispose();
    for (let d = 0; d < dim; d++) expect(atStart[d]).toBeCloseTo(meanZ[d], 5);
    const got = await decodeLatent(tf, decoder, atStart, dim);
    expect(got.length).toBe(2000);
    let worst = 0;
    for (let j = 0; j < got.length; j++) worst = Math.max(worst, Math.abs(got[j] - want[j]));
    expect(worst).toBeLessThan(1e-4);
    // The decoded B centroid is a B-cell profile: CD79A is high, LYZ (monocytes) is low.
    const genes = (JSON.parse(readFileSync('models/pbmc3k-vae/manifest.json', 'utf8')) as VaeManifest).input.genes;
    expect(got[genes.indexOf('CD79A')]).toBeGreaterThan(got[genes.indexOf('LYZ')]);
  });

  it('the path is straight and monotone, ends at the other centroid, and is evenly sampled', () => {
    const a = latentCentroid(z, dim, maskOf('B'));
    const b = latentCentroid(z, dim, maskOf('CD14+ Mono'));
    const path = linePath(a, b, 0.25);
    const { z: pts, t } = samplePath(path, 25);
    expect(t[0]).toBeCloseTo(-0.25, 12);
    expect(t[24]).toBeCloseTo(1.25, 12);
    const end = pointAt(path, 1);
    for (let d = 0; d < dim; d++) expect(end[d]).toBeCloseTo(b[d], 5);
    const dir = Float64Array.from(b, (v, d) => v - a[d]);
    const norm = Math.hypot(...dir);
    let prev = -Infinity;
    const steps: number[] = [];
    for (let s = 0; s < 25; s++) {
      let proj = 0;
      let off = 0;
      for (let d = 0; d < dim; d++) proj += (pts[s * dim + d] - a[d]) * (dir[d] / norm);
      // Distance from the line: zero up to float32 rounding.
      for (let d = 0; d < dim; d++) off += (pts[s * dim + d] - a[d] - (proj * dir[d]) / norm) ** 2;
      expect(Math.sqrt(off)).toBeLessThan(1e-5);
      expect(proj).toBeGreaterThan(prev);
      if (s > 0) steps.push(proj - prev);
      prev = proj;
    }
    for (const st of steps) expect(st).toBeCloseTo(norm / 16, 4);
  });

  it("an axis path moves only that axis, over the cells' range of it", () => {
    const cell = 7;
    const origin = z.subarray(cell * dim, (cell + 1) * dim);
    const [lo, hi] = latentRange(z, dim, 3);
    const path = axisPath(origin, 3, lo, hi);
    const p = pointAt(path, 1.5);
    for (let d = 0; d < dim; d++) expect(p[d]).toBeCloseTo(d === 3 ? 1.5 : origin[d], 6);
    let min = Infinity;
    for (let i = 3; i < z.length; i += dim) min = Math.min(min, z[i]);
    expect(lo).toBe(min);
  });

  it('draws the path exactly in the latent PCA layout and through neighbours in the UMAP', () => {
    const n = z.length / dim;
    const layout = pca(z, n, dim, 2).coords;
    const fit = fitAffine(z, dim, layout);
    expect(fit.r2[0]).toBeGreaterThan(0.999999);
    expect(fit.r2[1]).toBeGreaterThan(0.999999);
    // The fitted map places every cell where PCA put it.
    const again = applyAffine(fit, z, dim);
    let worst = 0;
    for (let i = 0; i < layout.length; i++) worst = Math.max(worst, Math.abs(again[i] - layout[i]));
    expect(worst).toBeLessThan(1e-3);
    // A straight latent path stays straight and monotone in a linear layout.
    const path = linePath(latentCentroid(z, dim, maskOf('B')), latentCentroid(z, dim, maskOf('NK')));
    const xy = applyAffine(fit, samplePath(path, 11).z, dim);
    const dx = xy[20] - xy[0];
    const dy = xy[21] - xy[1];
    for (let s = 1; s < 11; s++) {
      const along = ((xy[2 * s] - xy[0]) * dx + (xy[2 * s + 1] - xy[1]) * dy) / (dx * dx + dy * dy);
      expect(along).toBeCloseTo(s / 10, 4);
    }
    // The Seurat UMAP is not linear in z: the fit says so, and neighbours place the B centroid among B cells.
    const umap = ds.obsm.X_umap ?? Object.values(ds.obsm)[0];
    expect(umap).toBeDefined();
    const umapFit = fitAffine(z, dim, umap.values);
    expect(Math.min(...umapFit.r2)).toBeLessThan(0.9999);
    const bMask = maskOf('B');
    const placed = projectThroughNeighbours(Float32Array.from(latentCentroid(z, dim, bMask)), z, dim, umap.values, 10);
    let bx = 0;
    let by = 0;
    let nb = 0;
    for (let i = 0; i < n; i++)
      if (bMask[i]) {
        bx += umap.values[2 * i];
        by += umap.values[2 * i + 1];
        nb++;
      }
    let spread = 0;
    for (let i = 0; i < n; i++) if (bMask[i]) spread += Math.hypot(umap.values[2 * i] - bx / nb, umap.values[2 * i + 1] - by / nb) / nb;
    expect(Math.hypot(placed[0] - bx / nb, placed[1] - by / nb)).toBeLessThan(2 * spread);
  });

  it('ranks genes by change and by range along the path', () => {
    const ref = Float32Array.of(1, 2, 3, 4);
    const now = Float32Array.of(1.5, 0, 3, 4.1);
    expect(topChanges(ref, now, 2).map((c) => c.gene)).toEqual([1, 0]);
    expect(topChanges(ref, now, 2)[0].change).toBeCloseTo(-2, 6);
    // Two steps of three genes: ranges 0, 5, 1.
    const decoded = Float32Array.of(1, 0, 2, 1, 5, 3);
    expect(topAlongPath(decoded, 2, 3).map((g) => [g.gene, g.range])).toEqual([
      [1, 5],
      [2, 1],
      [0, 0],
    ]);
  });
});
