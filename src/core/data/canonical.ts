import type { Dataset } from './dataset.ts';

/**
 * The canonical content of a dataset, as the byte chunks its content hash covers: CSR arrays in
 * fixed dtypes (uint32 indptr, uint32 indices, float32 values), then gene names and cell ids.
 * The same matrix read from h5ad, MTX or CSV gives the same bytes, so it is one cached dataset.
 */
export function canonicalChunks(ds: Dataset): Uint8Array[] {
  const m = ds.matrix;
  const asBytes = (a: ArrayBufferView) => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
  const shape = new Uint32Array([m.nRows, m.nCols, m.data.length]);
  const indices = m.indices instanceof Uint32Array ? m.indices : Uint32Array.from(m.indices);
  const values = m.data instanceof Float32Array ? m.data : Float32Array.from(m.data);
  const text = new TextEncoder();
  return [
    asBytes(shape),
    asBytes(m.indptr),
    asBytes(indices),
    asBytes(values),
    text.encode(ds.genes.join('\n')),
    text.encode('\u0000'),
    text.encode(ds.cellIds.join('\n')),
  ];
}
