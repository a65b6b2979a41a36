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
  // Genes detected in >= 2 % of cells are drawn one by one; the rare tail by thinning a
  // Bernoulli(2 %) process: geometric jumps at 2 %, each hit kept with probability rate / 2 %.
  // Exact per-gene rates, at a cost of O(nnz) rather than O(nGenes) per cell.
  const P_TAIL = 0.02;
  let firstRare = 0;
  while (firstRare < nGenes && rate[firstRare] >= P_TAIL) firstRare++;
  const logTail = Math.log(1 - P_TAIL);
  const push = (j: number) => {
    if (nnz === indices.length) {
      const grow = (x: Uint16Array) => {
        const y = new Uint16Array(x.length * 2);
        y.set(x);
        return y;
      };
      indices = grow(indices);
      data = grow(data);
    }
    indices[nnz] = j;
    data[nnz] = 1 + Math.floor(rand() * 8);
    nnz++;
  };
  for (let i = 0; i < nCells; i++) {
    for (let j = 0; j < firstRare; j++) if (rand() < rate[j]) push(j);
    for (let j = firstRare - 1; ;) {
      j += 1 + Math.floor(Math.log(1 - rand()) / logTail);
      if (j >= nGenes) break;
      if (rand() * P_TAIL < rate[j]) push(j);
    }
    indptr[i + 1] = nnz;
  }
  return { nRows: nCells, nCols: nGenes, indptr, indices: indices.slice(0, nnz), data: data.slice(0, nnz) };
}
