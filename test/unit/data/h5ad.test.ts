/**
 * The h5ad reader against real files (test/data: pbmc3k written by anndata, scanpy's
 * pbmc68k_reduced) and the fixtures scripts/fixtures_h5.ts writes (test/fixtures/hdf5).
 */
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCompact, type CompactHeader } from '../../../src/core/data/compact_format.ts';
import type { CategoricalColumn, Dataset, NumericColumn } from '../../../src/core/data/dataset.ts';
import { inspectH5ad, readH5ad, type H5adRead } from '../../../src/core/data/h5ad.ts';
import { detectHdf5Layout } from '../../../src/core/data/hdf5.ts';
import { CELLS_6, CSC_VALUES, DENSE_COUNTS, LAYER_COUNTS, OLD_STYLE_COUNTS, logNormalised } from '../../../scripts/fixtures_h5.ts';
import { dense, rejectionOf, withFile } from './hdf5_helpers.ts';

const FIX = 'test/fixtures/hdf5';

/** Cells per category of a categorical column. */
function countsOf(col: CategoricalColumn): Record<string, number> {
  const out: Record<string, number> = {};
  for (const c of col.codes) out[col.categories[c]] = (out[col.categories[c]] ?? 0) + 1;
  return out;
}

/** Every row's column indices strictly increase and stay below nCols; indptr is consistent. */
function expectValidCsr(ds: Dataset): void {
  const m = ds.matrix;
  expect(m.indptr.length).toBe(m.nRows + 1);
  expect(m.indptr[m.nRows]).toBe(m.data.length);
  for (let r = 0; r < m.nRows; r++) {
    for (let k = m.indptr[r] + 1; k < m.indptr[r + 1]; k++) if (!(m.indices[k] > m.indices[k - 1])) expect.fail(`row ${r} unsorted`);
  }
  for (let k = 0; k < m.indices.length; k++) if (m.indices[k] >= m.nCols) expect.fail(`index ${k} out of range`);
}

describe('readH5ad on pbmc3k.h5ad (anndata 0.8, CSR counts)', () => {
  let read: H5adRead;
  let reference: Dataset;
  beforeAll(async () => {
    read = await withFile('test/data/pbmc3k/pbmc3k.h5ad', (f) => readH5ad(f, { name: 'pbmc3k.h5ad' }));
    const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
    const body = readFileSync('public/data/pbmc3k/dataset.bin');
    reference = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  });

  it('reads the shape, counts and what the file offers', () => {
    const ds = read.dataset;
    expect([ds.matrix.nRows, ds.matrix.nCols]).toEqual([2638, 13714]);
    expect(ds.matrix.data.length).toBe(2238732);
    expect(ds.valueKind).toBe('counts');
    expect(read.matrix).toBe('X');
    expect(read.available).toMatchObject({ matrices: ['X'], defaultMatrix: 'X', isXScaled: false, nCells: 2638, obsm: ['X_umap'] });
    expect(ds.notes).toEqual([]);
  });

  it('reads the labels with their categories and cell counts', () => {
    const label = read.dataset.obs.label as CategoricalColumn;
    expect(label.type).toBe('categorical');
    expect(countsOf(label)).toEqual({
      'Naive CD4 T': 697,
      'Memory CD4 T': 483,
      'CD14+ Mono': 480,
      B: 344,
      'CD8 T': 271,
      'FCGR3A+ Mono': 162,
      NK: 155,
      DC: 32,
      Platelet: 14,
    });
    expect(read.dataset.obs.seurat_cluster.type).toBe('numeric');
  });

  it('gives the identical matrix, genes, cells and UMAP as the MTX-derived demo dataset', () => {
    const ds = read.dataset;
    const m = ds.matrix;
    const ref = reference.matrix;
    expect(ds.genes).toEqual(reference.genes);
    expect(ds.cellIds).toEqual(reference.cellIds);
    expect(Array.from(m.indptr)).toEqual(Array.from(ref.indptr));
    expect(Buffer.from(Uint32Array.from(m.indices).buffer).equals(Buffer.from(Uint32Array.from(ref.indices).buffer))).toBe(true);
    expect(Buffer.from(Float32Array.from(m.data).buffer).equals(Buffer.from(Float32Array.from(ref.data).buffer))).toBe(true);
    const umap = ds.obsm.X_umap;
    expect(umap.dim).toBe(2);
    expect(umap.values.length).toBe(2638 * 2);
    let maxDiff = 0;
    for (let i = 0; i < umap.values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(umap.values[i] - reference.obsm.X_umap.values[i]));
    expect(maxDiff).toBeLessThan(1e-4);
    // nCount_RNA is each cell's total count: the row sums of X.
    const nCount = (ds.obs.nCount_RNA as NumericColumn).values;
    for (const r of [0, 1, 1000, 2637]) {
      let s = 0;
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) s += m.data[k];
      expect(s).toBe(nCount[r]);
    }
  });

  it('reports progress up to 1 and stops when cancelled', async () => {
    const fractions: number[] = [];
    await withFile('test/data/pbmc3k/pbmc3k.h5ad', (f) => readH5ad(f, { onProgress: (x) => fractions.push(x) }));
    expect(fractions.at(-1)).toBe(1);
    expect(fractions.every((x, i) => i === 0 || x >= fractions[i - 1])).toBe(true);
    const err = await withFile('test/data/pbmc3k/pbmc3k.h5ad', (f) => readH5ad(f, { signal: { aborted: true } }).catch((e: Error) => e));
    expect((err as Error).name).toBe('AbortError');
  });

  it('refuses a matrix over the memory budget with a sentence naming size, limit and fix', async () => {
    const msg = await rejectionOf(withFile('test/data/pbmc3k/pbmc3k.h5ad', (f) => readH5ad(f, { name: 'pbmc3k.h5ad', maxBytes: 10e6 })));
    expect(msg).toMatch(/^pbmc3k\.h5ad \(X: 2,638 cells x 13,714 genes/);
    expect(msg).toMatch(/needs about 1\d MB of memory, more than the 10 MB/);
    expect(msg).toMatch(/fewer cells .* fewer genes/);
  });
});

describe('readH5ad on pbmc68k_reduced.h5ad (scanpy: scaled X, log-normalised raw)', () => {
  const PATH = 'test/data/pbmc68k_reduced/pbmc68k_reduced.h5ad';
  let read: H5adRead;
  beforeAll(async () => {
    read = await withFile(PATH, (f) => readH5ad(f, { name: 'pbmc68k_reduced.h5ad' }));
  });

  it('detects the scaled X and reads raw/X by default', () => {
    expect(read.available).toMatchObject({
      matrices: ['X', 'raw/X'],
      defaultMatrix: 'raw/X',
      isXScaled: true,
      nCells: 700,
      nGenes: { X: 765, 'raw/X': 765 },
      obsm: ['X_pca', 'X_umap'],
    });
    expect(read.matrix).toBe('raw/X');
    expect(read.dataset.notes!.join(' ')).toMatch(/X in pbmc68k_reduced\.h5ad is scaled .* raw\/X was read instead/);
  });

  it('raw/X is log-normalised, not counts', () => {
    const ds = read.dataset;
    expectValidCsr(ds);
    expect([ds.matrix.nRows, ds.matrix.nCols]).toEqual([700, 765]);
    expect(ds.valueKind).toBe('normalized');
    const d = ds.matrix.data;
    let min = Infinity;
    let max = -Infinity;
    let nFraction = 0;
    for (let k = 0; k < d.length; k++) {
      min = Math.min(min, d[k]);
      max = Math.max(max, d[k]);
      if (Math.round(d[k]) !== d[k]) nFraction++;
    }
    expect(min).toBeGreaterThan(0);
    // log1p of normalised counts stays small; counts of this many genes would reach the hundreds.
    expect(max).toBeLessThan(12);
    expect(nFraction / d.length).toBeGreaterThan(0.9);
    expect(ds.genes.slice(0, 3)).toEqual(['HES4', 'TNFRSF4', 'SSU72']);
  });

  it('reads bulk_labels, louvain and phase with their uns colours, and both embeddings', () => {
    const obs = read.dataset.obs;
    const bulk = obs.bulk_labels as CategoricalColumn;
    expect(bulk.categories).toHaveLength(10);
    expect(bulk.categories[0]).toBe('CD4+/CD25 T Reg');
    expect(bulk.colors).toEqual([
      '#1f77b4',
      '#ff7f0e',
      '#2ca02c',
      '#d62728',
      '#9467bd',
      '#8c564b',
      '#e377c2',
      '#7f7f7f',
      '#bcbd22',
      '#17becf',
    ]);
    const louvain = obs.louvain as CategoricalColumn;
    expect(louvain.categories).toEqual(['0', '1', '2', '3', '4', '5', '6', '7', '8', '9', '10']);
    expect(louvain.colors).toHaveLength(11);
    expect((obs.phase as CategoricalColumn).categories).toEqual(['G1', 'G2M', 'S']);
    expect(Object.values(countsOf(bulk)).reduce((a, b) => a + b, 0)).toBe(700);
    expect(Object.keys(obs)).toEqual(['bulk_labels', 'n_genes', 'percent_mito', 'n_counts', 'S_score', 'G2M_score', 'phase', 'louvain']);
    expect(read.dataset.obsm.X_pca.dim).toBe(50);
    expect(read.dataset.obsm.X_pca.values.length).toBe(700 * 50);
    expect(read.dataset.obsm.X_umap.dim).toBe(2);
  });

  it('reads X when asked: z-scores, every gene centred on 0, with a note', async () => {
    const x = await withFile(PATH, (f) => readH5ad(f, { name: 'pbmc68k_reduced.h5ad', matrix: 'X' }));
    const m = x.dataset.matrix;
    expect(x.dataset.valueKind).toBe('normalized');
    const sums = new Float64Array(m.nCols);
    let nNegative = 0;
    for (let k = 0; k < m.data.length; k++) {
      sums[m.indices[k]] += m.data[k];
      if (m.data[k] < 0) nNegative++;
    }
    expect(nNegative / (m.nRows * m.nCols)).toBeGreaterThan(0.3);
    // These 700 cells were subsampled after sc.pp.scale(max_value=10) (which also clips), so means sit near 0, not at it.
    const means = Array.from(sums, (s) => Math.abs(s / m.nRows)).sort((a, b) => a - b);
    expect(means[Math.floor(means.length / 2)]).toBeLessThan(0.05);
    expect(x.dataset.notes!.join(' ')).toMatch(/scaled .* prefer raw\/X/);
  });
});

describe('readH5ad on fixtures', () => {
  it('dense X: counts, cellxgene-style var, every obs column kind, obsm and colours', async () => {
    const r = await withFile(`${FIX}/dense.h5ad`, (f) => {
      expect(detectHdf5Layout(f)).toBe('h5ad');
      return readH5ad(f, { name: 'dense' });
    });
    const ds = r.dataset;
    expect(ds.name).toBe('dense');
    expectValidCsr(ds);
    expect(dense(ds.matrix)).toEqual(DENSE_COUNTS);
    expect(ds.valueKind).toBe('counts');
    expect(ds.cellIds).toEqual(CELLS_6);
    // The index holds Ensembl ids, so symbols come from feature_name; the repeated CD3E is renamed.
    expect(ds.genes).toEqual(['CD3E', 'LYZ', 'MS4A1', 'NKG7', 'CD3E-1']);
    expect(ds.geneIds).toEqual(['ENSG00000198851', 'ENSG00000090382', 'ENSG00000156738', 'ENSG00000105374', 'ENSG00000198851.5']);
    expect(ds.notes!.join(' ')).toMatch(/CD3E \(2x\)/);
    expect(ds.obs.cell_type).toEqual({
      type: 'categorical',
      categories: ['B', 'T', 'NK'],
      codes: Int32Array.from([0, 1, 1, 2, -1, 0]),
      colors: ['#1f77b4', '#ff7f0e', '#2ca02c'],
    });
    expect(Array.from((ds.obs.n_counts as NumericColumn).values)).toEqual([4, 7, 0, 5, 9, 5]);
    expect(Array.from((ds.obs.n_genes as NumericColumn).values)).toEqual([2, 2, 0, 2, 2, 5]);
    const batch = ds.obs.batch as CategoricalColumn;
    expect(Array.from(batch.codes, (c) => batch.categories[c])).toEqual(['a', 'b', 'a', 'b', 'a', 'b']);
    expect(Array.from(ds.obsm.X_umap.values)).toEqual([0, 0, 1, 0, 0, 1, 1, 1, 2, 2, -1, 0.5]);
    expect(ds.obsm.X_pca.dim).toBe(3);
    expect(ds.obsm.X_pca.values[17]).toBeCloseTo(1.7, 6);
  });

  it('CSC X (gzip, float64) becomes the same matrix in CSR, with gene ids from var', async () => {
    const r = await withFile(`${FIX}/csc.h5ad`, (f) => readH5ad(f));
    expectValidCsr(r.dataset);
    expect(dense(r.dataset.matrix)).toEqual(CSC_VALUES);
    expect(r.dataset.valueKind).toBe('normalized');
    expect(r.dataset.genes).toEqual(['CD3E', 'LYZ', 'MS4A1', 'NKG7']);
    expect(r.dataset.geneIds).toEqual(['ENSG00000198851', 'ENSG00000090382', 'ENSG00000156738', 'ENSG00000105374']);
    expect(r.dataset.cellIds).toEqual(['c1', 'c2', 'c3', 'c4', 'c5']);
  });

  it('anndata 0.7 layout: h5sparse CSR, __categories codes, raw.X', async () => {
    const [x, raw] = await withFile(`${FIX}/old_style.h5ad`, async (f) => [await readH5ad(f), await readH5ad(f, { matrix: 'raw/X' })]);
    expect(x.available.matrices).toEqual(['X', 'raw/X']);
    expect(dense(x.dataset.matrix)).toEqual(OLD_STYLE_COUNTS);
    expect(x.dataset.valueKind).toBe('counts');
    expect(x.dataset.genes).toEqual(['GNLY', 'NKG7', 'CD3E']);
    expect(x.dataset.obs.louvain).toEqual({ type: 'categorical', categories: ['0', '1', '2'], codes: Int32Array.from([1, 0, 2, 1]) });
    expect(Object.keys(x.dataset.obs)).toEqual(['louvain', 'n_counts']);
    expect(x.dataset.obsm.X_umap.dim).toBe(2);
    expect(raw.dataset.genes).toEqual(['GNLY', 'NKG7', 'CD3E', 'MALAT1']);
    expect(dense(raw.dataset.matrix)).toEqual(OLD_STYLE_COUNTS.map((r) => [...r, 1]));
  });

  it('scaled X with raw and layers/counts: offers all three, reads raw/X by default and any on request', async () => {
    const reads = await withFile(`${FIX}/layers_raw.h5ad`, async (f) => {
      expect(inspectH5ad(f)).toMatchObject({
        matrices: ['X', 'raw/X', 'layers/counts'],
        defaultMatrix: 'raw/X',
        isXScaled: true,
        nGenes: { X: 4, 'raw/X': 6, 'layers/counts': 4 },
      });
      return [await readH5ad(f), await readH5ad(f, { matrix: 'layers/counts' }), await readH5ad(f, { matrix: 'X' })];
    });
    const [raw, counts, x] = reads;
    expect(raw.matrix).toBe('raw/X');
    expect(raw.dataset.genes).toEqual(['CD3E', 'LYZ', 'MS4A1', 'NKG7', 'GNLY', 'MALAT1']);
    expect(dense(raw.dataset.matrix)).toEqual(logNormalised(LAYER_COUNTS));
    expect(raw.dataset.valueKind).toBe('normalized');
    expect(counts.dataset.genes).toEqual(['CD3E', 'LYZ', 'MS4A1', 'NKG7']);
    expect(dense(counts.dataset.matrix)).toEqual(LAYER_COUNTS.map((r) => r.slice(0, 4)));
    expect(counts.dataset.valueKind).toBe('counts');
    expect(x.dataset.valueKind).toBe('normalized');
    expect(x.dataset.notes!.join(' ')).toMatch(/scaled/);
    // Each gene of the scaled X has mean 0 (written as sc.pp.scale does, without clipping).
    const xd = dense(x.dataset.matrix);
    for (let j = 0; j < 4; j++) expect(Math.abs(xd.reduce((a, r) => a + r[j], 0) / 8)).toBeLessThan(1e-6);
    await expect(withFile(`${FIX}/layers_raw.h5ad`, (f) => readH5ad(f, { matrix: 'layers/spliced' }))).rejects.toThrow(
      /has no layers\/spliced matrix; it offers X, raw\/X, layers\/counts/,
    );
  });

  it('counts a budget that only the dense matrix fits within', async () => {
    const msg = await rejectionOf(withFile(`${FIX}/dense.h5ad`, (f) => readH5ad(f, { name: 'dense.h5ad', maxBytes: 100 })));
    expect(msg).toMatch(
      /^dense\.h5ad \(X: 6 cells x 5 genes, about \d+ non-zero values\) needs about \d+ (bytes|KB) of memory, more than the 100 bytes/,
    );
  });
});
