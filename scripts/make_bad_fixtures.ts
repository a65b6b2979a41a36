/**
 * Writes the text-format half of the bad-input corpus into test/fixtures/bad/ (the HDF5 half is
 * made by another script; names here never collide with it). Each file is tiny and has exactly one
 * thing wrong; test/unit/data/bad_inputs.test.ts opens each through the real reader and checks the
 * sentence. Run: npx tsx scripts/make_bad_fixtures.ts   (deterministic: gzip mtime is 0).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gzipSync } from 'node:zlib';

const OUT = process.argv[2] ?? 'test/fixtures/bad';
const HEADER = '%%MatrixMarket matrix coordinate integer general';

/** 5 genes x 4 cells (Cell Ranger layout), 6 entries. */
const MTX_5x4 = [HEADER, '%', '5 4 6', '1 1 3', '2 1 1', '5 2 2', '3 3 7', '4 4 1', '1 4 2', ''].join('\n');
const FEATURES_5 = [
  'ENSG00000243485\tMIR1302-2HG\tGene Expression',
  'ENSG00000237613\tFAM138A\tGene Expression',
  'ENSG00000186092\tOR4F5\tGene Expression',
  'ENSG00000238009\tAL627309.1\tGene Expression',
  'ENSG00000239945\tAL627309.3\tGene Expression',
  '',
].join('\n');
const barcodes = (ids: string[]) => ids.map((b) => `${b}\n`).join('');

const files: Record<string, string | Uint8Array> = {
  // A download cut short: the first half of a valid gzipped matrix.
  'truncated.mtx.gz': (() => {
    const gz = gzipSync(Buffer.from(MTX_5x4), { level: 9 });
    return new Uint8Array(gz.subarray(0, Math.floor(gz.length / 2)));
  })(),
  // A dense MatrixMarket 'array' file, not the sparse 'coordinate' kind 10x writes.
  'wrong-header.mtx': ['%%MatrixMarket matrix array real general', '2 2', '1', '0', '0', '1', ''].join('\n'),
  'empty.mtx': '',
  // An HDF5 file (its signature) given a .mtx name.
  'hdf5-signature.mtx': new Uint8Array([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0]),
  // The matrix has 4 cells, barcodes.tsv 3.
  'dims-mismatch/matrix.mtx': MTX_5x4,
  'dims-mismatch/features.tsv': FEATURES_5,
  'dims-mismatch/barcodes.tsv': barcodes(['AAACATACAACCAC-1', 'AAACATTGAGCTAC-1', 'AAACATTGATCAGC-1']),
  // The same barcode twice.
  'duplicate-barcodes/matrix.mtx': MTX_5x4,
  'duplicate-barcodes/features.tsv': FEATURES_5,
  'duplicate-barcodes/barcodes.tsv': barcodes(['AAACATACAACCAC-1', 'AAACATTGAGCTAC-1', 'AAACATACAACCAC-1', 'AAACCGTGCTTCCG-1']),
  // A matrix with genes but no cells, and an empty barcodes file to match.
  'zero-cells/matrix.mtx': [HEADER, '5 0 0', ''].join('\n'),
  'zero-cells/features.tsv': FEATURES_5,
  'zero-cells/barcodes.tsv': '',
  // Dense tables: cells down the first column, genes along the header.
  'non-numeric.csv': ['cell,CD3E,LYZ,MS4A1', 'AAACATACAACCAC-1,1,0,2', 'AAACATTGAGCTAC-1,0,high,0', ''].join('\n'),
  'nan.csv': ['cell,CD3E,LYZ,MS4A1', 'AAACATACAACCAC-1,1,0,2', 'AAACATTGAGCTAC-1,0,3,NaN', ''].join('\n'),
  'inf.csv': ['cell\tCD3E\tLYZ\tMS4A1', 'AAACATACAACCAC-1\t1\tInf\t2', 'AAACATTGAGCTAC-1\t0\t3\t1', ''].join('\n'),
  'missing-value.csv': ['cell,CD3E,LYZ,MS4A1', 'AAACATACAACCAC-1,1,,2', ''].join('\n'),
  'ragged.csv': ['cell,CD3E,LYZ,MS4A1', 'AAACATACAACCAC-1,1,0,2', 'AAACATTGAGCTAC-1,0,3', ''].join('\n'),
  'empty.csv': '',
  'zero-cells.csv': ['cell,CD3E,LYZ,MS4A1', ''].join('\n'),
  'duplicate-ids.csv': ['cell,CD3E,LYZ,MS4A1', 'AAACATACAACCAC-1,1,0,2', 'AAACATTGAGCTAC-1,0,3,0', 'AAACATACAACCAC-1,4,0,0', ''].join('\n'),
  // Metadata for the three cells of a dataset, with one id given twice.
  'metadata-duplicate-ids.csv': ['barcode,label', 'AAACATACAACCAC-1,B', 'AAACATTGAGCTAC-1,NK', 'AAACATACAACCAC-1,T', ''].join('\n'),
};

for (const [name, content] of Object.entries(files)) {
  const path = join(OUT, name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, content);
}
console.log(JSON.stringify({ out: OUT, files: Object.keys(files).length }));
