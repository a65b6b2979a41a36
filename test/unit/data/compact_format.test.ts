import { describe, expect, it } from 'vitest';
import { compactValues, decodeCompact, encodeCompact, type CompactHeader } from '../../../src/core/data/compact_format.ts';
import { categoricalFromStrings, type CategoricalColumn, type Dataset, type NumericColumn } from '../../../src/core/data/dataset.ts';

/**
 * A 3-cell x 4-gene dataset:
 *   [[0,   1.5, 0, -2  ],
 *    [0,   0,   0,  0  ],
 *    [0.25, 0,  7,  0  ]]
 */
function smallDataset(data: Float32Array = Float32Array.of(1.5, -2, 0.25, 7), valueKind: Dataset['valueKind'] = 'normalized'): Dataset {
  return {
    name: 'tiny',
    matrix: { nRows: 3, nCols: 4, indptr: Uint32Array.of(0, 2, 2, 4), indices: Uint16Array.of(1, 3, 0, 2), data },
    valueKind,
    genes: ['CD3E', 'LYZ', 'MS4A1', 'NKG7'],
    geneIds: ['ENSG00000198851', 'ENSG00000090382', '', 'ENSG00000105374'],
    cellIds: ['c1', 'c2', 'c3'],
    obs: {
      label: { ...categoricalFromStrings(['T', 'B', 'T']), colors: ['#0072b2', '#e69f00'] },
      size: { type: 'numeric', values: Float32Array.of(3.5, 0, 7.25) },
    },
    obsm: { X_umap: { dim: 2, values: Float32Array.of(1, 2, 3, 4, 5, 6) } },
    provenance: 'made by hand for this test',
  };
}

/** Header through JSON and body into a fresh ArrayBuffer, as the app receives them. */
function ship(ds: Dataset): { header: CompactHeader; body: ArrayBuffer } {
  const { header, body } = encodeCompact(ds);
  const copy = new ArrayBuffer(body.byteLength);
  new Uint8Array(copy).set(body);
  return { header: JSON.parse(JSON.stringify(header)) as CompactHeader, body: copy };
}

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  expect.fail('expected an error');
}

describe('compact format', () => {
  it('round-trips float data as float32 with every field intact', () => {
    const ds = smallDataset();
    const { header, body } = ship(ds);
    expect(header.sections.find((s) => s.name === 'data')!.dtype).toBe('float32');
    const back = decodeCompact(header, body);
    expect(back.matrix.data).toBeInstanceOf(Float32Array);
    expect(Array.from(back.matrix.data)).toEqual([1.5, -2, 0.25, 7]);
    expect(Array.from(back.matrix.indptr)).toEqual([0, 2, 2, 4]);
    expect(Array.from(back.matrix.indices)).toEqual([1, 3, 0, 2]);
    expect([back.matrix.nRows, back.matrix.nCols]).toEqual([3, 4]);
    expect(back.name).toBe('tiny');
    expect(back.valueKind).toBe('normalized');
    expect(back.genes).toEqual(ds.genes);
    expect(back.geneIds).toEqual(ds.geneIds);
    expect(back.cellIds).toEqual(['c1', 'c2', 'c3']);
    expect(back.provenance).toBe('made by hand for this test');
    const label = back.obs.label as CategoricalColumn;
    expect(label.type).toBe('categorical');
    // 'T' is the more frequent label, so it is category 0.
    expect(label.categories).toEqual(['T', 'B']);
    expect(Array.from(label.codes)).toEqual([0, 1, 0]);
    expect(label.codes).toBeInstanceOf(Int32Array);
    expect(label.colors).toEqual(['#0072b2', '#e69f00']);
    const size = back.obs.size as NumericColumn;
    expect(size.type).toBe('numeric');
    expect(Array.from(size.values)).toEqual([3.5, 0, 7.25]);
    expect(back.obsm.X_umap.dim).toBe(2);
    expect(Array.from(back.obsm.X_umap.values)).toEqual([1, 2, 3, 4, 5, 6]);
    // Views on the body, not copies.
    expect(back.matrix.data.buffer).toBe(body);
    expect(back.obsm.X_umap.values.buffer).toBe(body);
  });

  it('stores integer counts as uint16, 8-byte aligned, and reads the same counts back', () => {
    const ds = smallDataset(Float32Array.of(3, 1, 65535, 12), 'counts');
    const { header, body } = ship(ds);
    const sections = Object.fromEntries(header.sections.map((s) => [s.name, s]));
    expect(sections.data.dtype).toBe('uint16');
    expect(sections.indptr.dtype).toBe('uint32');
    expect(sections.indices.dtype).toBe('uint16');
    expect(sections['obs/label'].dtype).toBe('int32');
    expect(sections['obs/size'].dtype).toBe('float32');
    expect(sections['obsm/X_umap'].dtype).toBe('float32');
    for (const s of header.sections) expect(s.byteOffset % 8).toBe(0);
    // indptr 4 x 4 B = 16, indices 4 x 2 B = 8, data 4 x 2 B = 8, label 3 x 4 B = 12 -> 16,
    // size 12 -> 16, X_umap 6 x 4 B = 24: offsets 0, 16, 24, 32, 48, 64 and 88 bytes in all.
    expect(header.sections.map((s) => s.byteOffset)).toEqual([0, 16, 24, 32, 48, 64]);
    expect(body.byteLength).toBe(88);
    const back = decodeCompact(header, body);
    expect(back.matrix.data).toBeInstanceOf(Uint16Array);
    expect(Array.from(back.matrix.data)).toEqual([3, 1, 65535, 12]);
    expect(back.valueKind).toBe('counts');
  });

  it('compactValues keeps uint16 only for whole numbers in [0, 65535]', () => {
    expect(compactValues(Float32Array.of(0, 1, 65535))).toBeInstanceOf(Uint16Array);
    const big = compactValues(Float32Array.of(1, 65536));
    expect(big).toBeInstanceOf(Float32Array);
    expect(Array.from(big)).toEqual([1, 65536]);
    expect(compactValues(Float32Array.of(1, -1))).toBeInstanceOf(Float32Array);
    expect(compactValues(Float64Array.of(1, 2.5))).toBeInstanceOf(Float32Array);
    expect(Array.from(compactValues(Float64Array.of(1, 2.5)))).toEqual([1, 2.5]);
  });

  it('refuses a truncated body with a sentence', () => {
    const { header, body } = ship(smallDataset());
    const msg = messageOf(() => decodeCompact(header, body.slice(0, body.byteLength - 8)));
    expect(msg).toMatch(/shorter than the \d+ bytes its header describes/);
    expect(msg).toMatch(/truncated/);
  });

  it('refuses a header that does not belong to the body', () => {
    const { header } = ship(smallDataset());
    // A body from another run with one more stored value.
    const other = smallDataset(Float32Array.of(1.5, -2, 0.25, 7, 9));
    other.matrix = { ...other.matrix, indptr: Uint32Array.of(0, 2, 3, 5), indices: Uint16Array.of(1, 3, 0, 0, 2) };
    const { body: otherBody } = ship(other);
    expect(messageOf(() => decodeCompact(header, otherBody))).toMatch(/different runs/);
    // A header whose cell count was changed.
    const { header: h2, body: b2 } = ship(smallDataset());
    expect(messageOf(() => decodeCompact({ ...h2, nCells: 2 }, b2))).toMatch(/disagree about the matrix shape/);
    expect(messageOf(() => decodeCompact({ ...h2, nnz: 5 }, b2))).toMatch(/disagree about the matrix shape/);
    // Fewer gene names than columns.
    expect(messageOf(() => decodeCompact({ ...h2, genes: ['CD3E'] }, b2))).toMatch(/lists 1 genes/);
    // A gene count too small for the stored column indices.
    expect(messageOf(() => decodeCompact({ ...h2, nGenes: 3, genes: ['a', 'b', 'c'] }, b2))).toMatch(
      /not hold a valid 3 x 3 sparse matrix/,
    );
    // Another format or version.
    expect(messageOf(() => decodeCompact({ ...h2, version: 2 }, b2))).toMatch(/version 2/);
    // A category list shorter than the codes need.
    const bad = { ...h2, obs: { ...h2.obs, label: { type: 'categorical' as const, categories: ['T'] } } };
    expect(messageOf(() => decodeCompact(bad, b2))).toMatch(/codes outside its 1 categories/);
  });
});
