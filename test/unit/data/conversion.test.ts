/**
 * The shipped demo dataset (public/data/pbmc3k, written by `npm run prepare-data`) against its
 * source files in test/data/pbmc3k. The source MTX is parsed here with a plain split loop, not
 * with src/core/data/mtx.ts, so a bug in the reader cannot hide itself.
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeCompact, type CompactHeader } from '../../../src/core/data/compact_format.ts';
import { colSums, csrGet, rowSums } from '../../../src/core/data/csr.ts';
import type { CategoricalColumn, Dataset } from '../../../src/core/data/dataset.ts';
import { mulberry32 } from '../../../src/core/random.ts';
import { parseMatrixMarket } from '../../../src/core/data/mtx.ts';

const SRC = 'test/data/pbmc3k';
const OUT = 'public/data/pbmc3k';

/** Source triplets, 1-based as in the file. */
interface Source {
  nRows: number;
  nCols: number;
  nnz: number;
  rows: Int32Array;
  cols: Int32Array;
  vals: Float64Array;
}

function readSource(): Source {
  const lines = gunzipSync(readFileSync(`${SRC}/matrix.mtx.gz`))
    .toString('utf8')
    .split('\n');
  expect(lines[0]).toBe('%%MatrixMarket matrix coordinate integer general');
  let i = 1;
  while (lines[i].startsWith('%')) i++;
  const [nRows, nCols, nnz] = lines[i].split(' ').map(Number);
  const rows = new Int32Array(nnz);
  const cols = new Int32Array(nnz);
  const vals = new Float64Array(nnz);
  let k = 0;
  for (i++; i < lines.length; i++) {
    if (lines[i] === '') continue;
    const parts = lines[i].split(' ');
    rows[k] = Number(parts[0]);
    cols[k] = Number(parts[1]);
    vals[k] = Number(parts[2]);
    k++;
  }
  expect(k).toBe(nnz);
  return { nRows, nCols, nnz, rows, cols, vals };
}

/** Value at 0-based (r, c) read straight from the CSR arrays with a linear scan of the row. */
function lookup(ds: Dataset, r: number, c: number): number {
  const m = ds.matrix;
  for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) if (m.indices[k] === c) return m.data[k];
  return 0;
}

let src: Source;
let ds: Dataset;
let header: CompactHeader;
let cells: string[][];
let cellHeader: string[];

beforeAll(() => {
  src = readSource();
  header = JSON.parse(readFileSync(`${OUT}/dataset.json`, 'utf8')) as CompactHeader;
  const body = readFileSync(`${OUT}/dataset.bin`);
  ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  const csvLines = readFileSync(`${SRC}/cells.csv`, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  cellHeader = csvLines[0].split(',');
  cells = csvLines.slice(1).map((l) => l.split(','));
});

describe('pbmc3k conversion: public/data/pbmc3k against test/data/pbmc3k', () => {
  it('has the source shape: 2,638 cells x 13,714 genes, 2,238,732 stored counts', () => {
    expect([src.nRows, src.nCols, src.nnz]).toEqual([2638, 13714, 2238732]);
    expect([header.nCells, header.nGenes, header.nnz]).toEqual([2638, 13714, 2238732]);
    expect(ds.matrix.nRows).toBe(2638);
    expect(ds.matrix.nCols).toBe(13714);
    expect(ds.matrix.indptr.length).toBe(2639);
    expect(ds.matrix.indptr[0]).toBe(0);
    expect(ds.matrix.indptr[2638]).toBe(2238732);
    expect(ds.matrix.data.length).toBe(2238732);
    expect(ds.valueKind).toBe('counts');
  });

  it('stores integer counts losslessly as uint16 with column indices sorted within each row', () => {
    expect(ds.matrix.data).toBeInstanceOf(Uint16Array);
    const m = ds.matrix;
    let unsorted = 0;
    for (let r = 0; r < m.nRows; r++)
      for (let k = m.indptr[r] + 1; k < m.indptr[r + 1]; k++) if (m.indices[k] <= m.indices[k - 1]) unsorted++;
    expect(unsorted).toBe(0);
  });

  it('holds the exact count for ~2,000 sampled source entries, including the first and last line', () => {
    const rand = mulberry32(20240601);
    const picks = [0, src.nnz - 1];
    for (let i = 0; i < 2000; i++) picks.push(Math.floor(rand() * src.nnz));
    // The first and last entries of the file, written out so a reordering of the source shows up.
    expect([src.rows[0], src.cols[0], src.vals[0]]).toEqual([432, 1, 1]);
    expect([src.rows[src.nnz - 1], src.cols[src.nnz - 1], src.vals[src.nnz - 1]]).toEqual([2632, 13714, 1]);
    let mismatches = 0;
    for (const k of picks) {
      const r = src.rows[k] - 1;
      const c = src.cols[k] - 1;
      if (lookup(ds, r, c) !== src.vals[k] || csrGet(ds.matrix, r, c) !== src.vals[k]) mismatches++;
    }
    expect(mismatches).toBe(0);
  });

  it('has every row sum and every column sum of the source', () => {
    const srcRow = new Float64Array(src.nRows);
    const srcCol = new Float64Array(src.nCols);
    for (let k = 0; k < src.nnz; k++) {
      srcRow[src.rows[k] - 1] += src.vals[k];
      srcCol[src.cols[k] - 1] += src.vals[k];
    }
    const m = ds.matrix;
    const row = new Float64Array(m.nRows);
    const col = new Float64Array(m.nCols);
    for (let r = 0; r < m.nRows; r++) {
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
        row[r] += m.data[k];
        col[m.indices[k]] += m.data[k];
      }
    }
    expect(Array.from(row)).toEqual(Array.from(srcRow));
    expect(Array.from(col)).toEqual(Array.from(srcCol));
    // The core's helpers agree with the hand loop.
    expect(Array.from(rowSums(m))).toEqual(Array.from(srcRow));
    expect(Array.from(colSums(m))).toEqual(Array.from(srcCol));
    // The grand total is a fixed property of the file.
    expect(srcRow.reduce((a, b) => a + b, 0)).toBe(srcCol.reduce((a, b) => a + b, 0));
    // nCount_RNA in cells.csv is Seurat's library size: it equals each row sum.
    const nCount = ds.obs.nCount_RNA;
    expect(nCount.type).toBe('numeric');
    if (nCount.type === 'numeric') expect(Array.from(nCount.values)).toEqual(Array.from(srcRow));
  });

  it('reads zero where the source stores nothing', () => {
    const stored = new Set<number>();
    for (let k = 0; k < src.nnz; k++) stored.add((src.rows[k] - 1) * src.nCols + (src.cols[k] - 1));
    const rand = mulberry32(7);
    let checked = 0;
    let nonzero = 0;
    while (checked < 500) {
      const r = Math.floor(rand() * src.nRows);
      const c = Math.floor(rand() * src.nCols);
      if (stored.has(r * src.nCols + c)) continue;
      checked++;
      if (lookup(ds, r, c) !== 0 || csrGet(ds.matrix, r, c) !== 0) nonzero++;
    }
    expect(nonzero).toBe(0);
  });

  it('has the gene names of genes.txt and the Ensembl ids of genes_10x.tsv.gz, in matrix column order', () => {
    const genes = readFileSync(`${SRC}/genes.txt`, 'utf8')
      .split('\n')
      .filter((l) => l !== '');
    expect(genes.length).toBe(13714);
    expect(ds.genes).toEqual(genes);
    expect(ds.genes[0]).toBe('AL627309.1');
    const tsv = gunzipSync(readFileSync(`${SRC}/genes_10x.tsv.gz`))
      .toString('utf8')
      .split('\n')
      .filter((l) => l !== '');
    const ids = tsv.map((l) => {
      const [id, symbol] = l.split('\t');
      return id === symbol ? '' : id;
    });
    expect(ds.geneIds).toEqual(ids);
  });

  it('has the cell ids and labels of cells.csv, with the Seurat tutorial label counts', () => {
    expect(cellHeader).toEqual(['barcode', 'label', 'seurat_cluster', 'nCount_RNA', 'UMAP_1', 'UMAP_2']);
    expect(cells.length).toBe(2638);
    expect(ds.cellIds).toEqual(cells.map((r) => r[0]));
    const label = ds.obs.label as CategoricalColumn;
    expect(label.type).toBe('categorical');
    const decoded = Array.from(label.codes, (c) => label.categories[c]);
    expect(decoded).toEqual(cells.map((r) => r[1]));
    const counts: Record<string, number> = {};
    for (const l of decoded) counts[l] = (counts[l] ?? 0) + 1;
    expect(counts).toEqual({
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
    // categoricalFromStrings orders categories by frequency.
    expect(label.categories).toEqual(['Naive CD4 T', 'Memory CD4 T', 'CD14+ Mono', 'B', 'CD8 T', 'FCGR3A+ Mono', 'NK', 'DC', 'Platelet']);
    const cluster = ds.obs.seurat_cluster as CategoricalColumn;
    expect(Array.from(cluster.codes, (c) => cluster.categories[c])).toEqual(cells.map((r) => r[2]));
  });

  it('is what the core reader makes of the source today (prepare-data output is current)', () => {
    const m = parseMatrixMarket(gunzipSync(readFileSync(`${SRC}/matrix.mtx.gz`)).toString('utf8'));
    expect([m.nRows, m.nCols]).toEqual([2638, 13714]);
    const same = (a: ArrayLike<number>, b: ArrayLike<number>) =>
      a.length === b.length && Array.prototype.every.call(a, (v: number, i: number) => v === b[i]);
    expect(same(m.indptr, ds.matrix.indptr)).toBe(true);
    expect(same(m.indices, ds.matrix.indices)).toBe(true);
    expect(same(m.data, ds.matrix.data)).toBe(true);
  });

  it('has X_umap equal to UMAP_1/UMAP_2 to float32 rounding', () => {
    const umap = ds.obsm.X_umap;
    expect(umap.dim).toBe(2);
    expect(umap.values.length).toBe(2 * 2638);
    let worst = 0;
    for (let i = 0; i < cells.length; i++) {
      const x = Number(cells[i][4]);
      const y = Number(cells[i][5]);
      expect(umap.values[2 * i]).toBe(Math.fround(x));
      expect(umap.values[2 * i + 1]).toBe(Math.fround(y));
      worst = Math.max(worst, Math.abs(umap.values[2 * i] - x) / Math.abs(x), Math.abs(umap.values[2 * i + 1] - y) / Math.abs(y));
    }
    expect(worst).toBeLessThan(2 ** -24 + 1e-12);
    // First cell, written out: AAACATACAACCAC at (2.34125971794128, -3.07614874839783).
    expect(ds.cellIds[0]).toBe('AAACATACAACCAC');
    expect(umap.values[0]).toBeCloseTo(2.34125971794128, 6);
    expect(umap.values[1]).toBeCloseTo(-3.07614874839783, 6);
  });
});
