/**
 * npm run prepare-data: converts the pbmc3k source files (test/data/pbmc3k, copied from the
 * shared data folder) into Glasswing's compact format in public/data/pbmc3k/.
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { join } from 'node:path';
import { parseMatrixMarket } from '../src/core/data/mtx.ts';
import { encodeCompact } from '../src/core/data/compact_format.ts';
import { categoricalFromStrings, type Dataset } from '../src/core/data/dataset.ts';
import { parseCsv } from '../src/core/data/csv.ts';

const srcDir = process.argv[2] ?? 'test/data/pbmc3k';
const outDir = process.argv[3] ?? 'public/data/pbmc3k';

const t0 = performance.now();
const matrix = parseMatrixMarket(gunzipSync(readFileSync(join(srcDir, 'matrix.mtx.gz'))).toString('utf8'), 'cells-x-genes');
const genes = readFileSync(join(srcDir, 'genes.txt'), 'utf8').trim().split('\n');
const geneIds = gunzipSync(readFileSync(join(srcDir, 'genes_10x.tsv.gz')))
  .toString('utf8')
  .trim()
  .split('\n')
  .map((l) => {
    const [id, symbol] = l.split('\t');
    return id === symbol ? '' : id;
  });
const cells = parseCsv(readFileSync(join(srcDir, 'cells.csv'), 'utf8'));
const col = (name: string) => {
  const j = cells.header.indexOf(name);
  if (j < 0) throw new Error(`cells.csv lacks column ${name}`);
  return cells.rows.map((r) => r[j]);
};
if (genes.length !== matrix.nCols || cells.rows.length !== matrix.nRows) {
  throw new Error(`Shape mismatch: matrix ${matrix.nRows}x${matrix.nCols}, ${cells.rows.length} cells, ${genes.length} genes`);
}
const umap = new Float32Array(matrix.nRows * 2);
col('UMAP_1').forEach((v, i) => (umap[2 * i] = Number(v)));
col('UMAP_2').forEach((v, i) => (umap[2 * i + 1] = Number(v)));

const ds: Dataset = {
  name: 'PBMC 3k (10x Genomics)',
  matrix,
  valueKind: 'counts',
  genes,
  geneIds,
  cellIds: col('barcode'),
  obs: {
    label: categoricalFromStrings(col('label')),
    seurat_cluster: categoricalFromStrings(col('seurat_cluster')),
    nCount_RNA: { type: 'numeric', values: Float32Array.from(col('nCount_RNA'), Number) },
  },
  obsm: { X_umap: { dim: 2, values: umap } },
  provenance: '10x Genomics PBMC 3k (CC BY 4.0), Seurat tutorial cells and labels, via rnabioco/clustifyrdata@ea78504.',
};
const { header, body } = encodeCompact(ds);
mkdirSync(outDir, { recursive: true });
writeFileSync(join(outDir, 'dataset.json'), JSON.stringify(header));
writeFileSync(join(outDir, 'dataset.bin'), body);
console.log(
  JSON.stringify({
    out: outDir,
    nCells: header.nCells,
    nGenes: header.nGenes,
    nnz: header.nnz,
    bodyBytes: body.byteLength,
    dataDtype: header.sections.find((s) => s.name === 'data')!.dtype,
    ms: Math.round(performance.now() - t0),
  }),
);
