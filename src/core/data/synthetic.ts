/**
 * Seeded synthetic data for benchmarks and tests: Gaussian blobs (a stand-in for latent spaces)
 * and a sparse count matrix with gene-dependent detection rates (a stand-in for scRNA-seq).
 */
import type { CsrMatrix } from './csr.ts';
import { mulberry32 } from '../random.ts';

/** `[n, dim]` float32 points in `nClusters` Gaussian blobs (centres ~N(0, 6²), unit spread) and their labels `[n]`. */
export function gaussianBlobs(n: number, dim: number, nClusters: number, seed = 1): { x: Float32Array; labels: Int32Array } {
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
  const centres = Float32Array.from({ length: nClusters * dim }, () => gauss() * 6);
  const x = new Float32Array(n * dim);
  const labels = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const c = Math.floor(rand() * nClusters);
    labels[i] = c;
    for (let d = 0; d < dim; d++) x[i * dim + d] = centres[c * dim + d] + gauss();
  }
  return { x, labels };
}

/**
 * `[n, dim]` float32 points on a low-dimensional structure: `nClusters` Gaussian blobs in
 * `intrinsicDim` dimensions, mapped into `dim` dimensions by a fixed random linear map, plus a
 * little isotropic noise. Unlike blobs drawn in `dim` dimensions, their neighbourhoods have
 * structure a 2-D layout can keep, as single-cell latent spaces and PCs do.
 */
export function embeddedBlobs(
  n: number,
  dim: number,
  intrinsicDim: number,
  nClusters: number,
  seed = 1,
): { x: Float32Array; labels: Int32Array } {
  const low = gaussianBlobs(n, intrinsicDim, nClusters, seed);
  const rand = mulberry32(seed + 1);
  const map = Float32Array.from({ length: intrinsicDim * dim }, () => rand() * 2 - 1);
  const x = new Float32Array(n * dim);
  for (let i = 0; i < n; i++)
    for (let d = 0; d < dim; d++) {
      let s = (rand() - 0.5) * 0.1;
      for (let t = 0; t < intrinsicDim; t++) s += low.x[i * intrinsicDim + t] * map[t * dim + d];
      x[i * dim + d] = s;
    }
  return { x, labels: low.labels };
}

/**
 * A `[nCells, nGenes]` sparse count matrix: gene j is detected in a fraction `rate(j)` of cells
 * (30 % for gene 0, 10 % for gene 10, falling to 0.1 %, as highly and lowly expressed genes do), counts 1..8.
 */
export function syntheticCounts(nCells: number, nGenes: number, seed = 1): CsrMatrix {
  const rand = mulberry32(seed);
  const rate = Float64Array.from({ length: nGenes }, (_, j) => Math.max(0.001, 0.3 / (1 + j / 5)));
  let expected = 0;
  for (const r of rate) expected += r;
  // Geometric skipping per row: the expected cost is O(nnz), not O(nCells * nGenes).
  const cap = Math.ceil(nCells * expected * 1.05) + 1024;
  let indices = new Uint16Array(cap);
  let data = new Uint16Array(cap);
  const indptr = new Uint32Array(nCells + 1);
  let nnz = 0;
  // Genes are visited in blocks of equal rate, skipping geometrically with that block's rate.
  for (let i = 0; i < nCells; i++) {
    for (let j = 0; j < nGenes; j++) {
      const p = rate[j];
      // For rare genes, jump ahead: skip ~Geometric(p) genes of (approximately) this rate.
      if (p < 0.02) {
        const skip = Math.floor(Math.log(1 - rand()) / Math.log(1 - p));
        j += skip;
        if (j >= nGenes) break;
      } else if (rand() >= p) continue;
      if (nnz === indices.length) {
        const grow = (a: Uint16Array) => {
          const b = new Uint16Array(a.length * 2);
          b.set(a);
          return b;
        };
        indices = grow(indices);
        data = grow(data);
      }
      indices[nnz] = j;
      data[nnz] = 1 + Math.floor(rand() * 8);
      nnz++;
    }
    indptr[i + 1] = nnz;
  }
  return { nRows: nCells, nCols: nGenes, indptr, indices: indices.slice(0, nnz), data: data.slice(0, nnz) };
}
