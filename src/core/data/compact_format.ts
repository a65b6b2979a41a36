import type { CsrMatrix } from './csr.ts';
import type { Dataset, ObsColumn } from './dataset.ts';

/**
 * Glasswing's compact dataset format: a JSON header (names, categories, section table) plus one
 * binary file of little-endian typed arrays, each 8-byte aligned, so the browser maps them with
 * zero-copy typed-array views instead of parsing text.
 */
export const COMPACT_FORMAT = 'glasswing-compact';
export const COMPACT_VERSION = 1;

type DType = 'uint16' | 'uint32' | 'int32' | 'float32' | 'float64';

interface Section {
  name: string;
  dtype: DType;
  length: number;
  byteOffset: number;
}

/** The JSON half of a compact dataset. */
export interface CompactHeader {
  format: typeof COMPACT_FORMAT;
  version: number;
  name: string;
  nCells: number;
  nGenes: number;
  nnz: number;
  valueKind: Dataset['valueKind'];
  genes: string[];
  geneIds?: string[];
  cellIds: string[];
  obs: Record<string, { type: 'categorical'; categories: string[]; colors?: string[] } | { type: 'numeric' }>;
  obsm: Record<string, { dim: number }>;
  provenance?: string;
  sections: Section[];
}

const CTORS = {
  uint16: Uint16Array,
  uint32: Uint32Array,
  int32: Int32Array,
  float32: Float32Array,
  float64: Float64Array,
} as const;

type AnyTyped = Uint16Array | Uint32Array | Int32Array | Float32Array | Float64Array;

function dtypeOf(a: AnyTyped): DType {
  if (a instanceof Uint16Array) return 'uint16';
  if (a instanceof Uint32Array) return 'uint32';
  if (a instanceof Int32Array) return 'int32';
  if (a instanceof Float32Array) return 'float32';
  return 'float64';
}

/**
 * Shrinks count data to the smallest exact integer type (uint16 when every value is an integer
 * in [0, 65535]); other data stays float32.
 */
export function compactValues(data: CsrMatrix['data']): AnyTyped {
  let isSmallInt = true;
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (!(v >= 0 && v <= 0xffff && Math.round(v) === v)) {
      isSmallInt = false;
      break;
    }
  }
  return isSmallInt ? Uint16Array.from(data) : Float32Array.from(data);
}

/** Serialises a dataset into header + binary body. */
export function encodeCompact(ds: Dataset): { header: CompactHeader; body: Uint8Array } {
  const arrays: [string, AnyTyped][] = [
    ['indptr', ds.matrix.indptr],
    ['indices', ds.matrix.indices],
    ['data', compactValues(ds.matrix.data)],
  ];
  const obs: CompactHeader['obs'] = {};
  for (const [key, col] of Object.entries(ds.obs)) {
    if (col.type === 'categorical') {
      obs[key] = { type: 'categorical', categories: col.categories, ...(col.colors ? { colors: col.colors } : {}) };
      arrays.push([`obs/${key}`, col.codes]);
    } else {
      obs[key] = { type: 'numeric' };
      arrays.push([`obs/${key}`, col.values]);
    }
  }
  const obsm: CompactHeader['obsm'] = {};
  for (const [key, emb] of Object.entries(ds.obsm)) {
    obsm[key] = { dim: emb.dim };
    arrays.push([`obsm/${key}`, emb.values]);
  }
  const sections: Section[] = [];
  let offset = 0;
  for (const [name, a] of arrays) {
    offset = Math.ceil(offset / 8) * 8;
    sections.push({ name, dtype: dtypeOf(a), length: a.length, byteOffset: offset });
    offset += a.byteLength;
  }
  const body = new Uint8Array(Math.ceil(offset / 8) * 8);
  arrays.forEach(([, a], i) => body.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), sections[i].byteOffset));
  const header: CompactHeader = {
    format: COMPACT_FORMAT,
    version: COMPACT_VERSION,
    name: ds.name,
    nCells: ds.matrix.nRows,
    nGenes: ds.matrix.nCols,
    nnz: ds.matrix.data.length,
    valueKind: ds.valueKind,
    genes: ds.genes,
    ...(ds.geneIds ? { geneIds: ds.geneIds } : {}),
    cellIds: ds.cellIds,
    obs,
    obsm,
    ...(ds.provenance ? { provenance: ds.provenance } : {}),
    sections,
  };
  return { header, body };
}

/**
 * Rebuilds a dataset from header + body. Typed arrays are views on `body` (no copy).
 * Throws a sentence when the pair is inconsistent (wrong file, truncated download).
 */
export function decodeCompact(header: CompactHeader, body: ArrayBuffer): Dataset {
  if (header.format !== COMPACT_FORMAT || header.version !== COMPACT_VERSION) {
    throw new Error(
      `This dataset header is "${header.format}" version ${header.version}; Glasswing reads "${COMPACT_FORMAT}" version ${COMPACT_VERSION}. Re-run npm run prepare-data.`,
    );
  }
  const rerun = 'the header and body come from different runs. Re-run npm run prepare-data.';
  // The encoder pads the body to a multiple of 8 bytes after its last section, so the length is exact.
  const bodyBytes =
    Math.ceil(Math.max(0, ...header.sections.map((x) => x.byteOffset + x.length * CTORS[x.dtype].BYTES_PER_ELEMENT)) / 8) * 8;
  if (body.byteLength < bodyBytes) {
    throw new Error(
      `The dataset body is ${body.byteLength} bytes, shorter than the ${bodyBytes} bytes its header describes; the file is truncated. Reload the page or re-run npm run prepare-data.`,
    );
  }
  if (body.byteLength > bodyBytes) {
    throw new Error(
      `The dataset body is ${body.byteLength} bytes, longer than the ${bodyBytes} bytes its header describes; the header and body come from different runs. Re-run npm run prepare-data.`,
    );
  }
  const get = (name: string): AnyTyped => {
    const s = header.sections.find((x) => x.name === name);
    if (!s) throw new Error(`The dataset body lacks the "${name}" array. Re-run npm run prepare-data.`);
    const Ctor = CTORS[s.dtype];
    if (s.byteOffset + s.length * Ctor.BYTES_PER_ELEMENT > body.byteLength) {
      throw new Error(
        `The dataset body is ${body.byteLength} bytes, too short for "${name}"; the file is truncated. Reload the page or re-run npm run prepare-data.`,
      );
    }
    return new Ctor(body, s.byteOffset, s.length);
  };
  const indptr = get('indptr') as Uint32Array;
  const indices = get('indices') as Uint16Array | Uint32Array;
  const data = get('data') as Uint16Array | Float32Array;
  if (indptr.length !== header.nCells + 1 || indices.length !== header.nnz || data.length !== header.nnz) {
    throw new Error(
      'The dataset header and body disagree about the matrix shape; the files come from different runs. Re-run npm run prepare-data.',
    );
  }
  if (header.genes.length !== header.nGenes || header.cellIds.length !== header.nCells) {
    throw new Error(
      `The dataset header lists ${header.genes.length} genes and ${header.cellIds.length} cells for a ${header.nCells} x ${header.nGenes} matrix; re-run npm run prepare-data.`,
    );
  }
  // Cheap structural checks (one pass), so a mismatched body fails here and not as NaNs in a plot.
  let isValid = indptr[0] === 0 && indptr[header.nCells] === header.nnz;
  for (let r = 0; isValid && r < header.nCells; r++) isValid = indptr[r] <= indptr[r + 1];
  for (let k = 0; isValid && k < indices.length; k++) isValid = indices[k] < header.nGenes;
  if (!isValid) throw new Error(`The dataset body does not hold a valid ${header.nCells} x ${header.nGenes} sparse matrix; ${rerun}`);
  const checkLength = (name: string, a: AnyTyped, expected: number): void => {
    if (a.length !== expected) throw new Error(`The dataset array "${name}" holds ${a.length} values where ${expected} belong; ${rerun}`);
  };
  const obs: Record<string, ObsColumn> = {};
  for (const [key, meta] of Object.entries(header.obs)) {
    obs[key] =
      meta.type === 'categorical'
        ? {
            type: 'categorical',
            categories: meta.categories,
            codes: get(`obs/${key}`) as Int32Array,
            ...(meta.colors ? { colors: meta.colors } : {}),
          }
        : { type: 'numeric', values: get(`obs/${key}`) as Float32Array };
  }
  const obsm: Dataset['obsm'] = {};
  for (const [key, meta] of Object.entries(header.obsm)) obsm[key] = { dim: meta.dim, values: get(`obsm/${key}`) as Float32Array };
  for (const [key, col] of Object.entries(obs)) {
    checkLength(`obs/${key}`, col.type === 'categorical' ? col.codes : col.values, header.nCells);
    if (col.type === 'categorical' && col.codes.some((c) => c < -1 || c >= col.categories.length)) {
      throw new Error(`The dataset column "${key}" has codes outside its ${col.categories.length} categories; ${rerun}`);
    }
  }
  for (const [key, emb] of Object.entries(obsm)) checkLength(`obsm/${key}`, emb.values, header.nCells * emb.dim);
  return {
    name: header.name,
    matrix: { nRows: header.nCells, nCols: header.nGenes, indptr, indices, data },
    valueKind: header.valueKind,
    genes: header.genes,
    ...(header.geneIds ? { geneIds: header.geneIds } : {}),
    cellIds: header.cellIds,
    obs,
    obsm,
    ...(header.provenance ? { provenance: header.provenance } : {}),
  };
}
