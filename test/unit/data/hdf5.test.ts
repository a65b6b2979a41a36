/**
 * HDF5 plumbing: the bad-input corpus in test/fixtures/bad (each file gets its sentence),
 * the scaled-data test, and the memory phrases.
 */
import { describe, expect, it } from 'vitest';
import { readH5ad } from '../../../src/core/data/h5ad.ts';
import { checkMemory, formatBytes, hasHdf5Signature, looksScaled } from '../../../src/core/data/hdf5.ts';
import { openFile, rejectionOf, withFile } from './hdf5_helpers.ts';

const BAD = 'test/fixtures/bad';

describe('bad HDF5 inputs get a sentence naming the problem and the fix', () => {
  it('a text file named .h5ad', async () => {
    const msg = await rejectionOf(openFile(`${BAD}/not-hdf5.h5ad`));
    expect(msg).toMatch(/^The file not-hdf5\.h5ad is not an HDF5 file/);
    expect(msg).toMatch(/write_h5ad/);
  });

  it('an empty file', async () => {
    expect(await rejectionOf(openFile(`${BAD}/empty.h5ad`))).toMatch(/^The file empty\.h5ad is empty \(0 bytes\).*re-download/);
  });

  it('a truncated download', async () => {
    expect(await rejectionOf(openFile(`${BAD}/truncated.h5ad`))).toMatch(
      /truncated\.h5ad starts like an HDF5 file but could not be opened; it is probably truncated .* again/,
    );
  });

  it('an h5ad without X', async () => {
    const msg = await rejectionOf(withFile(`${BAD}/no-x.h5ad`, (f) => readH5ad(f, { name: 'no-x.h5ad' })));
    expect(msg).toMatch(/^no-x\.h5ad has no X matrix .* Save the AnnData with its expression matrix/);
  });

  it('an h5ad with 0 cells', async () => {
    const msg = await rejectionOf(withFile(`${BAD}/zero-cells.h5ad`, (f) => readH5ad(f, { name: 'zero-cells.h5ad' })));
    expect(msg).toMatch(/^zero-cells\.h5ad has 0 cells \(X is 0 x 3\), so there is nothing to show/);
  });

  it('duplicated cell ids', async () => {
    const msg = await rejectionOf(withFile(`${BAD}/duplicate-ids.h5ad`, (f) => readH5ad(f, { name: 'duplicate-ids.h5ad' })));
    expect(msg).toBe(
      'The cell id "AAACATACAACCAC-1" appears twice in duplicate-ids.h5ad (cells 1 and 3); cell ids must be unique. Make them unique (adata.obs_names_make_unique()) and save the file again.',
    );
  });

  it('NaN in X', async () => {
    const msg = await rejectionOf(withFile(`${BAD}/nan.h5ad`, (f) => readH5ad(f, { name: 'nan', fileName: 'nan.h5ad' })));
    expect(msg).toMatch(/^In nan\.h5ad, X holds NaN at cell "c2" \(row 2\), gene "LYZ" \(column 2\); every value must be a finite number/);
    expect(msg).toMatch(/Replace NaN and Inf/);
  });
});

describe('hdf5 helpers', () => {
  it('recognises the HDF5 signature', () => {
    expect(hasHdf5Signature(Uint8Array.from([0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a, 0]))).toBe(true);
    expect(hasHdf5Signature(new TextEncoder().encode('cell,CD3E\n'))).toBe(false);
    expect(hasHdf5Signature(Uint8Array.from([0x89, 0x48, 0x44, 0x46]))).toBe(false);
  });

  it('tells z-scores from expression', () => {
    // z-scores: half the values negative, every gene centred.
    expect(looksScaled({ nValues: 1000, nNegative: 480, meanOverStd: [0, 0.01, 0.02, 0.5] })).toBe(true);
    // log-normalised: no negatives, however sparse the genes are.
    expect(looksScaled({ nValues: 1000, nNegative: 0, meanOverStd: [0.1, 0.1, 0.1] })).toBe(false);
    // negative but not centred (e.g. a log-ratio): not sc.pp.scale output.
    expect(looksScaled({ nValues: 1000, nNegative: 300, meanOverStd: [0.8, 1.2, 2] })).toBe(false);
  });

  it('phrases sizes and the budget sentence', () => {
    expect([formatBytes(512), formatBytes(12_400), formatBytes(820e6), formatBytes(1.62e9)]).toEqual([
      '512 bytes',
      '12 KB',
      '820 MB',
      '1.6 GB',
    ]);
    expect(() => checkMemory(1.5e9, 1.5e9, 'x')).not.toThrow();
    expect(() => checkMemory(2.1e9, 1.5e9, 'big.h5ad (X: 1 cells x 1 genes)')).toThrow(
      /^big\.h5ad \(X: 1 cells x 1 genes\) needs about 2\.1 GB of memory, more than the 1\.5 GB one dataset may use in this page\. Open a subset/,
    );
  });
});
