/**
 * A large, deterministic h5ad for the > 50k-cell export test (test/browser/exports.test.ts): 60,000
 * cells in 8 labelled clusters with their own 2-D embedding (obsm/X_umap, so the scatter draws
 * before any model runs) and a sparse counts matrix over the bundled models' genes (8 stored
 * counts per cell). Written at test time into a temporary folder (about 6 MB); nothing is kept.
 *
 * CLI: npx tsx scripts/make_large_scatter_fixture.ts out.h5ad [nCells]
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import h5wasm from 'h5wasm/node';
import { anndataFile, array, categorical, dataframe, encode, writeSparse } from './fixtures_h5.ts';
import { mulberry32 } from '../src/core/random.ts';

/** The cluster names, written as obs['label']. */
export const LARGE_CLUSTERS = ['alpha', 'beta', 'gamma', 'delta', 'epsilon', 'zeta', 'eta', 'theta'];
const COUNTS_PER_CELL = 8;

/** Writes the h5ad to `path`; returns its cell count and the cells per cluster. */
export async function writeLargeScatterH5ad(path: string, nCells = 60_000, seed = 7): Promise<{ nCells: number; perCluster: number[] }> {
  await h5wasm.ready;
  const genes = (JSON.parse(readFileSync('models/pbmc3k-classifier/manifest.json', 'utf8')) as { input: { genes: string[] } }).input.genes;
  const rand = mulberry32(seed);
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  const codes = new Int8Array(nCells);
  const perCluster = new Array<number>(LARGE_CLUSTERS.length).fill(0);
  const xy = new Float32Array(nCells * 2);
  const indptr = new Int32Array(nCells + 1);
  const indices = new Int32Array(nCells * COUNTS_PER_CELL);
  const data = new Float32Array(nCells * COUNTS_PER_CELL);
  for (let i = 0; i < nCells; i++) {
    const c = Math.floor(rand() * LARGE_CLUSTERS.length);
    codes[i] = c;
    perCluster[c]++;
    // Clusters on a circle of radius 8, each a unit Gaussian blob.
    const angle = (2 * Math.PI * c) / LARGE_CLUSTERS.length;
    xy[2 * i] = 8 * Math.cos(angle) + gauss();
    xy[2 * i + 1] = 8 * Math.sin(angle) + gauss();
    // Distinct sorted genes; each cluster favours its own block of genes.
    const picked = new Set<number>();
    while (picked.size < COUNTS_PER_CELL) {
      const g = rand() < 0.5 ? (c * 200 + Math.floor(rand() * 200)) % genes.length : Math.floor(rand() * genes.length);
      picked.add(g);
    }
    [...picked]
      .sort((a, b) => a - b)
      .forEach((g, k) => {
        indices[i * COUNTS_PER_CELL + k] = g;
        data[i * COUNTS_PER_CELL + k] = 1 + Math.floor(rand() * 6);
      });
    indptr[i + 1] = (i + 1) * COUNTS_PER_CELL;
  }
  const f = anndataFile(path);
  writeSparse(f, 'X', { format: 'csr', nRows: nCells, nCols: genes.length, indptr, indices, data });
  const ids = Array.from({ length: nCells }, (_, i) => `cell-${String(i).padStart(5, '0')}`);
  dataframe(f, 'obs', '_index', ids, ['label'], (g) => categorical(g, 'label', LARGE_CLUSTERS, [...codes]));
  dataframe(f, 'var', '_index', genes, [], () => {});
  const obsm = f.create_group('obsm');
  encode(obsm, 'dict', '0.1.0');
  array(obsm, 'X_umap', xy, [nCells, 2]);
  f.close();
  return { nCells, perCluster };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const out = process.argv[2] ?? 'large_scatter.h5ad';
  console.log(JSON.stringify(await writeLargeScatterH5ad(out, Number(process.argv[3] ?? 60_000))));
}
