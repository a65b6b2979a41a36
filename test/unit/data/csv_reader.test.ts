import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { csrGet, type CsrMatrix } from '../../../src/core/data/csr.ts';
import {
  guessCsvOrientation,
  guessOrientation,
  joinMetadata,
  ORIENTATION_CONFIDENT,
  readDenseCsv,
  splitLine,
} from '../../../src/core/data/csv_reader.ts';
import type { CategoricalColumn, NumericColumn } from '../../../src/core/data/dataset.ts';
import { cellsOnly, loadDemo, nodeGunzip as gunzip, sameNumbers } from './text_helpers.ts';

function dense(m: CsrMatrix): number[][] {
  return Array.from({ length: m.nRows }, (_, r) => Array.from({ length: m.nCols }, (_, c) => csrGet(m, r, c)));
}

// 3 cells x 4 genes:
//   AAACATACAACCAC-1 [0, 1.5, 0, 2]
//   AAACATTGAGCTAC-1 [0, 0,   0, 0]
//   AAACATTGATCAGC-1 [7, 0, 0.25, 0]
const CELLS = ['AAACATACAACCAC-1', 'AAACATTGAGCTAC-1', 'AAACATTGATCAGC-1'];
const GENES = ['CD3E', 'LYZ', 'MS4A1', 'NKG7'];
const VALUES = [
  [0, 1.5, 0, 2],
  [0, 0, 0, 0],
  [7, 0, 0.25, 0],
];

describe('readDenseCsv', () => {
  it('reads one line per cell (R write.csv quoting, corner cell) into CSR without storing zeros', async () => {
    const text = ['"","CD3E","LYZ","MS4A1","NKG7"', ...CELLS.map((c, i) => [`"${c}"`, ...VALUES[i]].join(','))].join('\r\n');
    const ds = await readDenseCsv(text, { fileName: 'x.csv' });
    expect(ds.genes).toEqual(GENES);
    expect(ds.cellIds).toEqual(CELLS);
    expect(dense(ds.matrix)).toEqual(VALUES);
    expect(Array.from(ds.matrix.indptr)).toEqual([0, 2, 2, 4]);
    expect(Array.from(ds.matrix.indices)).toEqual([1, 3, 0, 2]);
    expect(ds.valueKind).toBe('normalized');
    expect(ds.name).toBe('x.csv');
    expect(ds.notes![0]).toMatch(/^Read as one line per cell, genes along the header \(guessed with confidence 1\.00\)/);
  });

  it('reads one line per gene (TSV, no corner cell as R write.table leaves it) into the same cells x genes matrix', async () => {
    const lines = [CELLS.join('\t'), ...GENES.map((g, j) => [g, ...VALUES.map((row) => row[j])].join('\t'))];
    const ds = await readDenseCsv(lines.join('\n') + '\n', { fileName: 'x.tsv' });
    expect(ds.genes).toEqual(GENES);
    expect(ds.cellIds).toEqual(CELLS);
    expect(dense(ds.matrix)).toEqual(VALUES);
    // Rows come out sorted by gene without a sort pass.
    expect(Array.from(ds.matrix.indices)).toEqual([1, 3, 0, 2]);
    expect(ds.notes![0]).toMatch(/one line per gene/);
  });

  it('takes an explicit orientation over the guess, reads gzip, makes gene names unique and keeps Ensembl ids', async () => {
    const text = ['gene,c1,c2', 'ENSG00000198851,1,0', 'ENSG00000090382,0,3', 'ENSG00000090382,2,0'].join('\n');
    const ds = await readDenseCsv(new Uint8Array(gzipSync(text)), { orientation: 'genes-x-cells', gunzip });
    expect(ds.cellIds).toEqual(['c1', 'c2']);
    expect(ds.genes).toEqual(['ENSG00000198851', 'ENSG00000090382', 'ENSG00000090382-1']);
    expect(ds.geneIds).toEqual(ds.genes);
    expect(dense(ds.matrix)).toEqual([
      [1, 0, 2],
      [0, 3, 0],
    ]);
    expect(ds.valueKind).toBe('counts');
    expect(ds.notes).toEqual([expect.stringMatching(/1 gene names appear more than once \(ENSG00000090382 \(2x\)\)/)]);
  });

  it('gives a real dense export of pbmc3k back exactly, in both orientations, across 8 MB read chunks', async () => {
    const demo = loadDemo();
    const nCells = 400;
    const m = demo.matrix;
    const rows: number[][] = [];
    for (let r = 0; r < nCells; r++) {
      const row = new Array<number>(m.nCols).fill(0);
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) row[m.indices[k]] = m.data[k];
      rows.push(row);
    }
    const byCell = [['', ...demo.genes].join(','), ...rows.map((row, r) => [demo.cellIds[r], ...row].join(','))].join('\n');
    expect(byCell.length).toBeGreaterThan(8 << 20);
    const byGene = [
      ['gene', ...demo.cellIds.slice(0, nCells)].join('\t'),
      ...demo.genes.map((g, j) => [g, ...rows.map((row) => row[j])].join('\t')),
    ].join('\n');
    const progress: number[] = [];
    const guess = await guessCsvOrientation(byCell);
    expect(guess.orientation).toBe('cells-x-genes');
    expect(guess.confidence).toBeGreaterThan(0.9);
    for (const [text, isCellsFirst] of [
      [byCell, true],
      [byGene, false],
    ] as const) {
      const ds = await readDenseCsv(text, { onProgress: (f) => progress.push(f) });
      expect(ds.notes![0]).toMatch(isCellsFirst ? /one line per cell/ : /one line per gene/);
      expect([ds.matrix.nRows, ds.matrix.nCols]).toEqual([nCells, 13714]);
      const nnz = m.indptr[nCells];
      expect(sameNumbers(ds.matrix.indptr, m.indptr.subarray(0, nCells + 1))).toBe(true);
      expect(sameNumbers(ds.matrix.indices, m.indices.subarray(0, nnz))).toBe(true);
      expect(sameNumbers(ds.matrix.data, m.data.subarray(0, nnz))).toBe(true);
      expect(ds.genes).toEqual(demo.genes);
      expect(ds.cellIds).toEqual(demo.cellIds.slice(0, nCells));
      expect(ds.valueKind).toBe('counts');
    }
    // More than one chunk was read, and progress ended at 1.
    expect(progress.filter((f) => f < 1).length).toBeGreaterThan(0);
    expect(progress.at(-1)).toBe(1);
  });

  it('stops with an AbortError when cancelled', async () => {
    await expect(readDenseCsv('c,A\nx,1\n', { signal: { aborted: true } })).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses a one-column file with a sentence', async () => {
    await expect(readDenseCsv('cell\nAAAC\n', { fileName: 'ids.csv', orientation: 'cells-x-genes' })).rejects.toThrow(
      /ids\.csv has only one column/,
    );
  });
});

describe('guessOrientation', () => {
  it('reads gene-like header vs barcode-like first column, and the reverse', () => {
    const a = guessOrientation(['AAACATACAACCAC-1', 'AAACATTGAGCTAC-1'], ['CD3E', 'LYZ', 'RP11-206L10.2', 'ENSG00000141510.17']);
    expect(a.orientation).toBe('cells-x-genes');
    expect(a.confidence).toBe(1);
    const b = guessOrientation(['CD3E', 'LYZ'], ['1', '2', '3']);
    expect(b.orientation).toBe('genes-x-cells');
    expect(b.confidence).toBe(1);
    expect(b.reason).toMatch(/first column holds gene-like names \(e\.g\. CD3E, LYZ\)/);
  });

  it('falls back to the shape, unsure, when names say nothing', () => {
    const g = guessOrientation(['x1', 'x2'], ['y1', 'y2', 'y3'], { nRows: 100, nColumns: 20000 });
    expect(g.orientation).toBe('cells-x-genes');
    expect(g.confidence).toBeLessThan(ORIENTATION_CONFIDENT);
    expect(guessOrientation(['x1'], ['y1'], { nRows: 30000, nColumns: 500 }).orientation).toBe('genes-x-cells');
  });

  it('weighs a known-gene list', () => {
    const known = new Set(['p1', 'p2']);
    const g = guessOrientation(['s1', 's2'], ['p1', 'p2'], { isKnownGene: (n) => known.has(n) });
    expect(g.orientation).toBe('cells-x-genes');
    expect(g.confidence).toBe(0.5);
  });
});

describe('splitLine', () => {
  it('honours quotes, doubled quotes and separators inside quotes', () => {
    expect(splitLine('"a, b",2,"say ""hi""",', ',')).toEqual(['a, b', '2', 'say "hi"', '']);
    expect(splitLine('x\ty', '\t')).toEqual(['x', 'y']);
    expect(splitLine('"open,1', ',')).toBeNull();
  });
});

describe('joinMetadata', () => {
  const base = cellsOnly(['AAAC-1', 'AAAG-1', 'AAAT-1'], {
    label: { type: 'categorical', categories: ['old'], codes: Int32Array.of(0, 0, 0) },
  });

  it('finds the id column, types columns, fills missing cells and reports unmatched ids', () => {
    const text = [
      'n,barcode,label,score,cluster,UMAP_1,UMAP_2',
      '1,AAAT-1,B,0.5,3,1.5,-2',
      '2,AAAC-1,NK,NA,0,3,4',
      '3,ZZZZ-1,T,1,1,0,0',
    ].join('\n');
    const r = joinMetadata(base, text);
    expect(r.idColumn).toBe('barcode');
    expect(r.columns).toEqual(['n', 'label', 'score', 'cluster', 'UMAP_1', 'UMAP_2']);
    expect(r.nMatched).toBe(2);
    expect(r.unmatchedIds).toEqual(['ZZZZ-1']);
    const label = r.dataset.obs.label as CategoricalColumn;
    expect(Array.from(label.codes, (c) => (c < 0 ? null : label.categories[c]))).toEqual(['NK', null, 'B']);
    const score = r.dataset.obs.score as NumericColumn;
    expect(score.type).toBe('numeric');
    expect(Array.from(score.values)).toEqual([NaN, NaN, 0.5]);
    // Integers named like groups stay categorical.
    expect(r.dataset.obs.cluster.type).toBe('categorical');
    expect(r.dataset.obs.n.type).toBe('numeric');
    expect(r.dataset.obsm.X_umap.dim).toBe(2);
    expect(Array.from(r.dataset.obsm.X_umap.values)).toEqual([3, 4, NaN, NaN, 1.5, -2]);
    expect('UMAP_1' in r.dataset.obs).toBe(false);
    expect(r.message).toBe(
      'Joined 6 metadata columns on "barcode": 2 of 3 cells found a row. 1 metadata ids match no cell (e.g. ZZZZ-1). 1 cells have no metadata and show as missing. Replaced existing columns: label.',
    );
    // The input dataset is untouched.
    expect((base.obs.label as CategoricalColumn).categories).toEqual(['old']);
  });

  it('matches ids that differ only by a -1 suffix, and refuses a table with no matching ids', () => {
    const r = joinMetadata(base, 'cell\tgroup\nAAAC\ta\nAAAG\tb\nAAAT\ta\n');
    expect(r.nMatched).toBe(3);
    expect(r.message).toMatch(/ignoring a trailing "-1"-style suffix/);
    expect(() => joinMetadata(base, 'id,x\nq,1\n', { fileName: 'meta.csv' })).toThrow(
      /No column of meta\.csv holds the dataset's cell ids/,
    );
    expect(() => joinMetadata(base, 'id,x\n', { fileName: 'meta.csv' })).toThrow(/has a header but no rows/);
    expect(() => joinMetadata(base, '', { fileName: 'meta.csv' })).toThrow(/meta\.csv is empty/);
  });
});
