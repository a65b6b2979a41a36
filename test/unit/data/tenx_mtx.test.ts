import { readFileSync } from 'node:fs';
import { gunzipSync, gzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { csrGet, type CsrMatrix } from '../../../src/core/data/csr.ts';
import type { CategoricalColumn, Dataset, NumericColumn } from '../../../src/core/data/dataset.ts';
import { pickTenxFiles, readMtxWithTables, readTenxMtx } from '../../../src/core/data/tenx_mtx.ts';
import { makeUnique } from '../../../src/core/data/text_input.ts';
import { loadDemo, nodeGunzip as gunzip, sameNumbers } from './text_helpers.ts';

const enc = (s: string) => new TextEncoder().encode(s);
const file = (path: string) => new Uint8Array(readFileSync(path));
const HEADER = '%%MatrixMarket matrix coordinate integer general';

function dense(m: CsrMatrix): number[][] {
  return Array.from({ length: m.nRows }, (_, r) => Array.from({ length: m.nCols }, (_, c) => csrGet(m, r, c)));
}

// 4 features x 3 cells, Cell Ranger layout. Dense (features x cells):
//   CD3E  [1, 0, 0]
//   LYZ   [0, 5, 0]
//   LYZ   [2, 0, 1]      <- a repeated symbol
//   CD4_TotalSeqB (Antibody Capture) [9, 9, 9]
const MTX = [HEADER, '%', '4 3 6', '1 1 1', '2 2 5', '3 1 2', '3 3 1', '4 1 9', '4 2 9', '4 3 9', ''].join('\n').replace('4 3 6', '4 3 7');
const FEATURES = [
  'ENSG00000198851\tCD3E\tGene Expression',
  'ENSG00000090382\tLYZ\tGene Expression',
  'ENSG00000090382.2\tLYZ\tGene Expression',
  'CD4\tCD4_TotalSeqB\tAntibody Capture',
  '',
].join('\n');
const BARCODES = 'AAAC-1\nAAAG-1\nAAAT-1\n';

describe('readTenxMtx on small files', () => {
  it('reads genes x cells into cells x genes, keeps symbols and ids, drops antibody features, makes symbols unique', async () => {
    const ds = await readTenxMtx({ matrix: enc(MTX), features: enc(FEATURES), barcodes: enc(BARCODES) }, { gunzip });
    expect([ds.matrix.nRows, ds.matrix.nCols]).toEqual([3, 3]);
    expect(dense(ds.matrix)).toEqual([
      [1, 0, 2],
      [0, 5, 0],
      [0, 0, 1],
    ]);
    expect(ds.genes).toEqual(['CD3E', 'LYZ', 'LYZ-1']);
    expect(ds.geneIds).toEqual(['ENSG00000198851', 'ENSG00000090382', 'ENSG00000090382.2']);
    expect(ds.cellIds).toEqual(['AAAC-1', 'AAAG-1', 'AAAT-1']);
    expect(ds.valueKind).toBe('counts');
    expect(ds.notes).toHaveLength(2);
    expect(ds.notes![0]).toMatch(/Kept the 3 Gene Expression features; dropped 1 Antibody Capture/);
    expect(ds.notes![1]).toMatch(/1 gene symbols appear more than once \(LYZ \(2x\)\)/);
    // With every feature type kept, the antibody column is there too.
    const all = await readTenxMtx(
      { matrix: enc(MTX), features: enc(FEATURES), barcodes: enc(BARCODES) },
      { gunzip, isAllFeatureTypes: true },
    );
    expect(all.genes).toEqual(['CD3E', 'LYZ', 'LYZ-1', 'CD4_TotalSeqB']);
    expect(dense(all.matrix).map((r) => r[3])).toEqual([9, 9, 9]);
  });

  it('detects gzip by magic bytes, not by name, and reads genes.tsv (id, symbol) the same way', async () => {
    const genesTsv = FEATURES.split('\n')
      .slice(0, 4)
      .map((l) => l.split('\t').slice(0, 2).join('\t'))
      .join('\n');
    const ds = await readTenxMtx(
      { matrix: new Uint8Array(gzipSync(MTX)), features: new Uint8Array(gzipSync(genesTsv)), barcodes: new Uint8Array(gzipSync(BARCODES)) },
      { gunzip, fileNames: { matrix: 'matrix.mtx', features: 'genes.tsv', barcodes: 'barcodes.tsv' } },
    );
    // No type column: all four features are genes.
    expect(ds.genes).toEqual(['CD3E', 'LYZ', 'LYZ-1', 'CD4_TotalSeqB']);
    expect(ds.matrix.nCols).toBe(4);
    expect(ds.geneIds![3]).toBe('CD4');
  });

  it('accepts a matrix stored cells x genes when only the transpose fits, with a note', async () => {
    const t = [HEADER, '3 4 3', '1 1 1', '2 2 5', '3 3 1', ''].join('\n');
    const ds = await readTenxMtx({ matrix: enc(t), features: enc(FEATURES), barcodes: enc(BARCODES) }, { gunzip, isAllFeatureTypes: true });
    expect(dense(ds.matrix)).toEqual([
      [1, 0, 0, 0],
      [0, 5, 0, 0],
      [0, 0, 1, 0],
    ]);
    expect(ds.notes![0]).toMatch(/stored cells x genes, the transpose of the usual layout/);
  });

  it('names both disagreements when genes and cells are both off', async () => {
    const t = [HEADER, '5 2 1', '1 1 1', ''].join('\n');
    await expect(readTenxMtx({ matrix: enc(t), features: enc(FEATURES), barcodes: enc(BARCODES) }, { gunzip })).rejects.toThrow(
      /^The matrix has 2 cells but barcodes\.tsv lists 3, and the matrix has 5 genes but features\.tsv lists 4\./,
    );
  });

  it('reports progress up to 1 and stops with an AbortError when cancelled', async () => {
    const seen: number[] = [];
    await readTenxMtx({ matrix: enc(MTX), features: enc(FEATURES), barcodes: enc(BARCODES) }, { gunzip, onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1])).toBe(true);
    const signal = { aborted: true };
    await expect(
      readTenxMtx({ matrix: enc(MTX), features: enc(FEATURES), barcodes: enc(BARCODES) }, { gunzip, signal }),
    ).rejects.toMatchObject({
      name: 'AbortError',
    });
  });
});

describe('makeUnique (scanpy var_names_make_unique)', () => {
  it('keeps the first, numbers the repeats and skips names already taken', () => {
    // anndata: ['A', 'A', 'A-1'] -> 'A-1' is taken, so the repeat becomes 'A-2'.
    expect(makeUnique(['A', 'A', 'A-1']).names).toEqual(['A', 'A-2', 'A-1']);
    const r = makeUnique(['X', 'Y', 'X', 'X', 'Y']);
    expect(r.names).toEqual(['X', 'Y', 'X-1', 'X-2', 'Y-1']);
    expect(r.renamed).toEqual([
      { name: 'X', count: 3 },
      { name: 'Y', count: 2 },
    ]);
    expect(makeUnique(['a', 'b']).renamed).toEqual([]);
  });
});

describe('pickTenxFiles', () => {
  it('finds the three files of a Cell Ranger folder, plain or gzipped, v2 or v3', () => {
    expect(pickTenxFiles(['filtered/barcodes.tsv.gz', 'filtered/features.tsv.gz', 'filtered/matrix.mtx.gz', 'web_summary.html'])).toEqual({
      isComplete: true,
      matrix: 'filtered/matrix.mtx.gz',
      features: 'filtered/features.tsv.gz',
      barcodes: 'filtered/barcodes.tsv.gz',
      notes: [],
    });
    const v2 = pickTenxFiles(['matrix.mtx', 'genes.tsv', 'barcodes.tsv']);
    expect(v2.isComplete && [v2.matrix, v2.features, v2.barcodes]).toEqual(['matrix.mtx', 'genes.tsv', 'barcodes.tsv']);
    // features.tsv wins over genes.tsv in the same place, in either order.
    const both = pickTenxFiles(['features.tsv.gz', 'matrix.mtx.gz', 'genes.tsv', 'barcodes.tsv.gz']);
    expect(both.isComplete && both.features).toBe('features.tsv.gz');
    const both2 = pickTenxFiles(['genes.tsv', 'features.tsv.gz', 'matrix.mtx.gz', 'barcodes.tsv.gz']);
    expect(both2.isComplete && both2.features).toBe('features.tsv.gz');
  });

  it('groups GEO-prefixed files by sample and refuses to guess between samples', () => {
    const one = pickTenxFiles(['GSM123_barcodes.tsv.gz', 'GSM123_features.tsv.gz', 'GSM123_matrix.mtx.gz']);
    expect(one.isComplete && one.matrix).toBe('GSM123_matrix.mtx.gz');
    const two = pickTenxFiles([
      'GSM1_matrix.mtx.gz',
      'GSM1_genes.tsv.gz',
      'GSM1_barcodes.tsv.gz',
      'GSM2_matrix.mtx.gz',
      'GSM2_genes.tsv.gz',
      'GSM2_barcodes.tsv.gz',
    ]);
    expect(two.isComplete).toBe(false);
    if (!two.isComplete) expect(two.message).toMatch(/holds 2 10x samples \(GSM1_matrix\.mtx\.gz, GSM2_matrix\.mtx\.gz\)/);
    // Prefixes that differ but one file per kind: taken, with a note.
    const odd = pickTenxFiles(['GSM9_filtered_matrix.mtx.gz', 'GSM9_genes.tsv.gz', 'GSM9_cells_barcodes.tsv.gz']);
    expect(odd.isComplete && odd.notes[0]).toMatch(/different name prefixes/);
  });

  it('says which file is missing', () => {
    const r = pickTenxFiles(['matrix.mtx.gz', 'barcodes.tsv.gz']);
    expect(r.isComplete).toBe(false);
    if (!r.isComplete) {
      expect(r.missing).toEqual(['features']);
      expect(r.message).toBe(
        'Found matrix.mtx.gz and barcodes.tsv.gz but no features.tsv(.gz) or genes.tsv; add the missing file from the same Cell Ranger folder.',
      );
    }
    const none = pickTenxFiles(['notes.txt', 'data.h5ad']);
    expect(!none.isComplete && none.message).toMatch(/None of these files is part of a 10x folder/);
  });
});

describe('real files', () => {
  let demo: Dataset;
  beforeAll(() => {
    demo = loadDemo();
  });

  it('the pbmc3k Cell Ranger folder gives exactly the shipped demo matrix, genes, ids and barcodes', async () => {
    const dir = 'test/data/pbmc3k/10x';
    const pick = pickTenxFiles(['barcodes.tsv.gz', 'genes.tsv.gz', 'matrix.mtx.gz'].map((f) => `${dir}/${f}`));
    if (!pick.isComplete) expect.fail(pick.message);
    const ds = await readTenxMtx({ matrix: file(pick.matrix), features: file(pick.features), barcodes: file(pick.barcodes) }, { gunzip });
    expect([ds.matrix.nRows, ds.matrix.nCols, ds.matrix.data.length]).toEqual([2638, 13714, 2238732]);
    expect(sameNumbers(ds.matrix.indptr, demo.matrix.indptr)).toBe(true);
    expect(sameNumbers(ds.matrix.indices, demo.matrix.indices)).toBe(true);
    expect(sameNumbers(ds.matrix.data, demo.matrix.data)).toBe(true);
    expect(ds.genes).toEqual(demo.genes);
    expect(ds.geneIds).toEqual(demo.geneIds);
    expect(ds.geneIds!.filter((id) => id !== '').length).toBe(11409);
    expect(ds.cellIds).toEqual(demo.cellIds);
    expect(ds.valueKind).toBe('counts');
    expect(ds.notes).toEqual([]);
  });

  it('the pbmc3k cells x genes files (matrix + genes.txt + cells.csv) give the demo matrix, labels and UMAP', async () => {
    const dir = 'test/data/pbmc3k';
    const ds = await readMtxWithTables(
      { matrix: file(`${dir}/matrix.mtx.gz`), genes: file(`${dir}/genes.txt`), cells: file(`${dir}/cells.csv`) },
      { gunzip },
    );
    expect(
      sameNumbers(ds.matrix.indptr, demo.matrix.indptr) &&
        sameNumbers(ds.matrix.indices, demo.matrix.indices) &&
        sameNumbers(ds.matrix.data, demo.matrix.data),
    ).toBe(true);
    expect(ds.genes).toEqual(demo.genes);
    expect(ds.cellIds).toEqual(demo.cellIds);
    expect(Object.keys(ds.obs)).toEqual(['label', 'seurat_cluster', 'nCount_RNA']);
    for (const key of ['label', 'seurat_cluster']) {
      const a = ds.obs[key] as CategoricalColumn;
      const b = demo.obs[key] as CategoricalColumn;
      expect(a.categories).toEqual(b.categories);
      expect(sameNumbers(a.codes, b.codes)).toBe(true);
    }
    expect(sameNumbers((ds.obs.nCount_RNA as NumericColumn).values, (demo.obs.nCount_RNA as NumericColumn).values)).toBe(true);
    expect(ds.obsm.X_umap.dim).toBe(2);
    expect(sameNumbers(ds.obsm.X_umap.values, demo.obsm.X_umap.values)).toBe(true);
  });

  it('Baron mouse pancreas: 1,886 cells x 14,878 genes, 13 labels with the published counts, 2 donors', async () => {
    const dir = 'test/data/baron_mouse_pancreas';
    const ds = await readMtxWithTables(
      { matrix: file(`${dir}/matrix.mtx.gz`), genes: file(`${dir}/genes.txt`), cells: file(`${dir}/cells.csv`) },
      { gunzip, name: 'Baron mouse pancreas' },
    );
    expect([ds.matrix.nRows, ds.matrix.nCols, ds.matrix.data.length]).toEqual([1886, 14878, 3094496]);
    expect(ds.valueKind).toBe('counts');
    expect(ds.genes.slice(0, 2)).toEqual(['0610007P14Rik', '0610009B22Rik']);
    expect(ds.cellIds[0]).toBe('mouse1_lib1.final_cell_0001');
    // The first entry of the file is "1 6 2": cell 1, gene 6, count 2.
    expect(csrGet(ds.matrix, 0, 5)).toBe(2);
    const counts = (key: string) => {
      const col = ds.obs[key] as CategoricalColumn;
      expect(col.type).toBe('categorical');
      const out: Record<string, number> = {};
      for (const c of col.codes) out[col.categories[c]] = (out[col.categories[c]] ?? 0) + 1;
      return out;
    };
    expect(counts('label')).toEqual({
      beta: 894,
      ductal: 275,
      delta: 218,
      alpha: 191,
      endothelial: 139,
      quiescent_stellate: 47,
      gamma: 41,
      macrophage: 36,
      activated_stellate: 14,
      B_cell: 10,
      immune_other: 8,
      T_cell: 7,
      schwann: 6,
    });
    expect(counts('donor')).toEqual({ mouse1: 822, mouse2: 1064 });
    // Row sums against a plain split of the file (not through parseMatrixMarket).
    const lines = gunzipSync(readFileSync(`${dir}/matrix.mtx.gz`))
      .toString('utf8')
      .split('\n');
    const sums = new Float64Array(1886);
    for (let i = 3; i < lines.length; i++) {
      if (lines[i] === '') continue;
      const [r, , v] = lines[i].split(' ').map(Number);
      sums[r - 1] += v;
    }
    const mine = new Float64Array(1886);
    for (let r = 0; r < 1886; r++) for (let k = ds.matrix.indptr[r]; k < ds.matrix.indptr[r + 1]; k++) mine[r] += ds.matrix.data[k];
    expect(sameNumbers(mine, sums)).toBe(true);
  });
});
