/** The loom and Cell Ranger .h5 readers against the fixtures scripts/fixtures_h5.ts writes. */
import { describe, expect, it } from 'vitest';
import type { CategoricalColumn, NumericColumn } from '../../../src/core/data/dataset.ts';
import { detectHdf5Layout } from '../../../src/core/data/hdf5.ts';
import { readLoom } from '../../../src/core/data/loom.ts';
import { readTenxH5 } from '../../../src/core/data/tenx_h5.ts';
import { LOOM_GENES_X_CELLS, TENX_BARCODES, TENX_COUNTS } from '../../../scripts/fixtures_h5.ts';
import { dense, withFile } from './hdf5_helpers.ts';

const FIX = 'test/fixtures/hdf5';
const transpose = (m: number[][]) => m[0].map((_, j) => m.map((r) => r[j]));

describe('readLoom', () => {
  it('reads /matrix (genes x cells) as cells x genes, with gene, cell and 2-D attributes', async () => {
    const r = await withFile(`${FIX}/small.loom`, (f) => {
      expect(detectHdf5Layout(f)).toBe('loom');
      return readLoom(f, { name: 'small.loom' });
    });
    const ds = r.dataset;
    expect(r.available.matrices).toEqual(['matrix', 'layers/spliced']);
    expect(dense(ds.matrix)).toEqual(transpose(LOOM_GENES_X_CELLS));
    expect(ds.valueKind).toBe('counts');
    expect(ds.genes).toEqual(['CD3E', 'LYZ', 'MS4A1', 'NKG7', 'GNLY']);
    expect(ds.geneIds).toEqual(['ENSG00000198851', 'ENSG00000090382', 'ENSG00000156738', 'ENSG00000105374', 'ENSG00000115523']);
    expect(ds.cellIds).toEqual(['cellA', 'cellB', 'cellC', 'cellD']);
    const cluster = ds.obs.ClusterName as CategoricalColumn;
    expect(Array.from(cluster.codes, (c) => cluster.categories[c])).toEqual(['T', 'Mono', 'B', 'Mono']);
    expect(Array.from((ds.obs.nUMI as NumericColumn).values)).toEqual([3, 10, 5, 4]);
    expect(Object.keys(ds.obs)).toEqual(['ClusterName', 'nUMI']);
    expect(ds.obsm.umap).toEqual({ dim: 2, values: Float32Array.from([0, 0, 1, 1, 2, 0, 3, 1]) });
  });

  it('reads a layer on request', async () => {
    const r = await withFile(`${FIX}/small.loom`, (f) => readLoom(f, { matrix: 'layers/spliced' }));
    expect(dense(r.dataset.matrix)).toEqual(transpose(LOOM_GENES_X_CELLS).map((row) => row.map((v) => v * 0.5)));
    expect(r.dataset.valueKind).toBe('normalized');
  });
});

describe('readTenxH5', () => {
  const geneExpression = TENX_COUNTS.map((r) => r.slice(0, 4));

  it('v3: keeps the Gene Expression features, renames a repeated symbol, keeps ids', async () => {
    const ds = await withFile(`${FIX}/tenx_v3.h5`, (f) => {
      expect(detectHdf5Layout(f)).toBe('10x-h5');
      return readTenxH5(f, { name: 'tenx_v3.h5' });
    });
    expect(dense(ds.matrix)).toEqual(geneExpression);
    expect(ds.valueKind).toBe('counts');
    expect(ds.cellIds).toEqual(TENX_BARCODES);
    expect(ds.genes).toEqual(['MIR1302-2HG', 'FAM138A', 'OR4F5', 'FAM138A-1']);
    expect(ds.geneIds).toEqual(['ENSG00000243485', 'ENSG00000237613', 'ENSG00000186092', 'ENSG00000238009']);
    expect(ds.notes!.join(' ')).toMatch(/also holds 1 Antibody Capture features; only its 4 Gene Expression features were read/);
  });

  it('v2 (/<genome>/ layout) gives the same matrix and genes', async () => {
    const ds = await withFile(`${FIX}/tenx_v2.h5`, (f) => {
      expect(detectHdf5Layout(f)).toBe('10x-h5');
      return readTenxH5(f);
    });
    expect(dense(ds.matrix)).toEqual(geneExpression);
    expect(ds.genes).toEqual(['MIR1302-2HG', 'FAM138A', 'OR4F5', 'FAM138A-1']);
    expect(ds.cellIds).toEqual(TENX_BARCODES);
  });
});
