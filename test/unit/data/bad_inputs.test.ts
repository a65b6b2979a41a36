/**
 * The text-format bad-input corpus (test/fixtures/bad/, written by scripts/make_bad_fixtures.ts):
 * each file goes through the reader a user's file would, and must give a sentence that names the
 * problem and the fix, never a crash or a half-read dataset.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { joinMetadata, readDenseCsv } from '../../../src/core/data/csv_reader.ts';
import { readTenxMtx } from '../../../src/core/data/tenx_mtx.ts';
import { cellsOnly, nodeGunzip as gunzip } from './text_helpers.ts';

const BAD = 'test/fixtures/bad';
const bytes = (name: string) => new Uint8Array(readFileSync(`${BAD}/${name}`));
const enc = (s: string) => new TextEncoder().encode(s);

/** Message of the error `p` rejects with (fails the test when it resolves). */
async function messageOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  return expect.fail('expected the read to fail');
}

/** A valid 5-gene features file and 4 barcodes, to pair with a bad matrix. */
const goodSides = () => ({
  features: bytes('dims-mismatch/features.tsv'),
  barcodes: enc('AAACATACAACCAC-1\nAAACATTGAGCTAC-1\nAAACATTGATCAGC-1\nAAACCGTGCTTCCG-1\n'),
});

/** The three files of a 10x folder in the corpus, read with their own names. */
function tenx(folder: string) {
  return readTenxMtx(
    { matrix: bytes(`${folder}/matrix.mtx`), features: bytes(`${folder}/features.tsv`), barcodes: bytes(`${folder}/barcodes.tsv`) },
    { gunzip },
  );
}

const csv = (name: string) => readDenseCsv(bytes(name), { fileName: name, orientation: 'cells-x-genes', gunzip });

describe('bad inputs get a sentence', () => {
  it('truncated.mtx.gz: a truncated gzip, re-download it', async () => {
    const msg = await messageOf(
      readTenxMtx({ matrix: bytes('truncated.mtx.gz'), ...goodSides() }, { gunzip, fileNames: { matrix: 'truncated.mtx.gz' } }),
    );
    expect(msg).toMatch(/The file truncated\.mtx\.gz is a truncated gzip/);
    expect(msg).toMatch(/re-download it/);
  });

  it('wrong-header.mtx: not a MatrixMarket coordinate header (parseMatrixMarket says so)', async () => {
    const msg = await messageOf(readTenxMtx({ matrix: bytes('wrong-header.mtx'), ...goodSides() }, { gunzip }));
    expect(msg).toMatch(/first line of the matrix file is "%%MatrixMarket matrix array real general"/);
    expect(msg).toMatch(/not a MatrixMarket coordinate header/);
  });

  it('empty.mtx: the matrix file is empty', async () => {
    const msg = await messageOf(
      readTenxMtx({ matrix: bytes('empty.mtx'), ...goodSides() }, { gunzip, fileNames: { matrix: 'empty.mtx' } }),
    );
    expect(msg).toMatch(/The file empty\.mtx is empty \(0 bytes\)/);
  });

  it('hdf5-signature.mtx: an HDF5 file is named as such, not parsed as text', async () => {
    const msg = await messageOf(
      readTenxMtx({ matrix: bytes('hdf5-signature.mtx'), ...goodSides() }, { gunzip, fileNames: { matrix: 'x.mtx' } }),
    );
    expect(msg).toMatch(/x\.mtx is an HDF5 file/);
  });

  it('dims-mismatch/: the matrix has 4 cells but barcodes.tsv lists 3', async () => {
    const msg = await messageOf(tenx('dims-mismatch'));
    expect(msg).toMatch(/^The matrix has 4 cells but barcodes\.tsv lists 3\./);
    expect(msg).toMatch(/same run/);
    expect(msg).not.toMatch(/genes but/);
  });

  it('duplicate-barcodes/: the repeated barcode and both of its lines', async () => {
    const msg = await messageOf(tenx('duplicate-barcodes'));
    expect(msg).toMatch(/The cell id "AAACATACAACCAC-1" appears twice in barcodes\.tsv \(lines 1 and 3\)/);
    expect(msg).toMatch(/must be unique/);
  });

  it('zero-cells/: a matrix with 0 cells', async () => {
    const msg = await messageOf(tenx('zero-cells'));
    expect(msg).toMatch(/holds 0 cells/);
    expect(msg).toMatch(/"5 0 0"/);
  });

  it('non-numeric.csv: line, column, cell, gene and the value', async () => {
    const msg = await messageOf(csv('non-numeric.csv'));
    expect(msg).toMatch(
      /^Line 3, column 3 of non-numeric\.csv \(cell "AAACATTGAGCTAC-1", gene "LYZ"\) holds "high", which is not a number/,
    );
  });

  it('nan.csv: NaN is not a finite number', async () => {
    const msg = await messageOf(csv('nan.csv'));
    expect(msg).toMatch(/Line 3, column 4 .*gene "MS4A1"\) holds "NaN", which is not a finite number \(NaN or Inf\)/);
    expect(msg).toMatch(/replace it/);
  });

  it('inf.csv: Inf (tab-separated) is not a finite number', async () => {
    const msg = await messageOf(csv('inf.csv'));
    expect(msg).toMatch(/Line 2, column 3 .*gene "LYZ"\) holds "Inf", which is not a finite number/);
  });

  it('missing-value.csv: an empty cell is a missing value, with the fill-with-0 hint', async () => {
    const msg = await messageOf(csv('missing-value.csv'));
    expect(msg).toMatch(/Line 2, column 3 .*holds "", which is not a number/);
    expect(msg).toMatch(/missing value: fill it with 0/);
  });

  it('ragged.csv: a line with too few values', async () => {
    const msg = await messageOf(csv('ragged.csv'));
    expect(msg).toMatch(/Line 3 of ragged\.csv has 2 values but the header names 3 columns/);
  });

  it('empty.csv: the file is empty', async () => {
    expect(await messageOf(csv('empty.csv'))).toMatch(/The file empty\.csv is empty \(0 bytes\)/);
  });

  it('zero-cells.csv: a header but no cells', async () => {
    expect(await messageOf(csv('zero-cells.csv'))).toMatch(/zero-cells\.csv holds 0 cells: it has a header line but no data lines/);
  });

  it('duplicate-ids.csv: the repeated cell id and both lines', async () => {
    const msg = await messageOf(csv('duplicate-ids.csv'));
    expect(msg).toMatch(/The cell id "AAACATACAACCAC-1" appears twice in duplicate-ids\.csv \(lines 2 and 4\)/);
  });

  it('metadata-duplicate-ids.csv: one cell with two metadata rows', () => {
    const ds = cellsOnly(['AAACATACAACCAC-1', 'AAACATTGAGCTAC-1', 'AAACATTGATCAGC-1']);
    const text = readFileSync(`${BAD}/metadata-duplicate-ids.csv`, 'utf8');
    expect(() => joinMetadata(ds, text, { fileName: 'metadata-duplicate-ids.csv' })).toThrow(
      /The cell id "AAACATACAACCAC-1" appears twice in metadata-duplicate-ids\.csv \(lines 2 and 4\)/,
    );
  });
});
