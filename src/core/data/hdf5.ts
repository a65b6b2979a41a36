/**
 * Shared plumbing for the HDF5 readers (h5ad, loom, Cell Ranger .h5): structural types over an
 * h5wasm file handle (passed in, so the same code runs in Node tests and in the worker), chunked
 * reads that keep h5wasm's 32-bit heap small, a memory budget, and one streaming builder that
 * turns any stored matrix layout into a CSR `[nCells, nGenes]` while checking every value.
 */
import type { CancelSignal } from '../attribution/batching.ts';
import type { CsrMatrix } from './csr.ts';
import { checkpoint } from './text_input.ts';

/** An HDF5 attribute as h5wasm exposes it (`value` is read lazily). */
export interface H5Attribute {
  readonly value: unknown;
}

/** What groups and datasets share: h5wasm's `type` is 'Group' or 'Dataset' (links have others). */
export interface H5Node {
  readonly type: string;
  readonly path: string;
  readonly attrs: Record<string, H5Attribute>;
}

/** An HDF5 group: an h5wasm `Group` or `File` fits. `get` returns null for a missing path. */
export interface H5Group extends H5Node {
  keys(): string[];
  get(path: string): unknown;
}

/** The part of h5wasm's dataset metadata the readers use (HDF5 type class codes in `type`). */
export interface H5Metadata {
  type: number;
  size: number;
  signed: boolean;
  vlen: boolean;
  shape: number[] | null;
  enum_type?: { type: number; members: Record<string, number> };
}

/** One axis of a hyperslab: `[]` = the whole axis, `[start, stop)` otherwise. */
export type H5Slice = [] | [number, number];

/** An HDF5 dataset: an h5wasm `Dataset` fits. `slice` returns a typed array (or string[]). */
export interface H5Dataset extends H5Node {
  readonly metadata: H5Metadata;
  readonly filters: { id: number; name: string }[];
  slice(ranges: H5Slice[]): unknown;
  readonly value: unknown;
}

/** An open HDF5 file: an h5wasm `File`. */
export interface H5File extends H5Group {
  close(): unknown;
}

/** The emscripten FS calls `openHdf5` uses to check a file's signature before HDF5 sees it. */
export interface H5Fs {
  open(path: string, flags: string): unknown;
  read(stream: unknown, buffer: Uint8Array, offset: number, length: number, position?: number): number;
  close(stream: unknown): void;
}

/**
 * What the readers need from h5wasm, after `await h5wasm.ready`:
 * `{ File: h5wasm.File, FS: (await h5wasm.ready).FS }` from 'h5wasm' (worker) or 'h5wasm/node'.
 */
export interface Hdf5Module {
  File: new (path: string, mode: 'r') => H5File;
  FS: H5Fs;
}

/** Options every HDF5 reader takes. */
export interface Hdf5ReadOptions {
  /** Dataset name shown in the UI; defaults to the file's kind. */
  name?: string;
  /** The file's name as the user knows it (e.g. 'pbmc.h5ad'), for sentences; defaults to `name`. */
  fileName?: string;
  /** Most bytes the parsed dataset may occupy in memory; default `DEFAULT_MAX_BYTES`. */
  maxBytes?: number;
  /** Called with the fraction of the matrix read, in [0, 1]. */
  onProgress?: (fraction: number) => void;
  /** Checked between chunks; when set, the read rejects with an Error named 'AbortError'. */
  signal?: CancelSignal;
}

/** Default memory budget for one parsed dataset: 1.5 GB (a tab holds the matrix plus derived results). */
export const DEFAULT_MAX_BYTES = 1.5e9;

/** HDF5 datatype classes (H5T_class_t). */
export const H5T = { INTEGER: 0, FLOAT: 1, STRING: 3, COMPOUND: 6, REFERENCE: 7, ENUM: 8 } as const;

/** Elements per read: 4 Mi values (16-32 MB of wasm heap), so a 2 GB matrix never sits in the 32-bit heap at once. */
export const READ_CHUNK = 1 << 22;

const SIGNATURE = [0x89, 0x48, 0x44, 0x46, 0x0d, 0x0a, 0x1a, 0x0a];

/** True when `head` starts with the 8-byte HDF5 signature (\x89HDF\r\n\x1a\n). */
export function hasHdf5Signature(head: Uint8Array): boolean {
  return head.length >= 8 && SIGNATURE.every((b, i) => head[i] === b);
}

/**
 * Opens an HDF5 file already visible to h5wasm's FS at `path` (WORKERFS mount in the worker, a
 * host path in Node). Checks the signature first, so a text file named .h5ad gets a sentence
 * instead of HDF5's error stack. `fileName` is the name the user knows.
 */
export function openHdf5(h5: Hdf5Module, path: string, fileName: string): H5File {
  const stream = h5.FS.open(path, 'r');
  let isHdf5 = false;
  let isEmpty = false;
  try {
    const head = new Uint8Array(8);
    // HDF5 allows a user block of 512, 1024, 2048 ... bytes before the superblock.
    for (const at of [0, 512, 1024, 2048, 4096, 8192]) {
      const n = h5.FS.read(stream, head, 0, 8, at);
      if (at === 0 && n === 0) isEmpty = true;
      if (n < 8) break;
      if (hasHdf5Signature(head)) {
        isHdf5 = true;
        break;
      }
    }
  } finally {
    h5.FS.close(stream);
  }
  if (isEmpty) throw new Error(`The file ${fileName} is empty (0 bytes); choose the file again, or re-download it.`);
  if (!isHdf5) {
    throw new Error(
      `The file ${fileName} is not an HDF5 file (it lacks the HDF5 signature), so it cannot be an .h5ad, .loom or Cell Ranger .h5 file. If it is text (CSV, TSV or MatrixMarket), give it that extension; otherwise save it again from Python with adata.write_h5ad().`,
    );
  }
  let file: H5File | undefined;
  try {
    file = new h5.File(path, 'r');
    // h5wasm may hand back a handle to a file HDF5 refused (a truncated one); listing the root tells.
    file.keys();
    return file;
  } catch {
    try {
      file?.close();
    } catch {
      // Closing a handle HDF5 never opened fails too; nothing is left to release.
    }
    throw new Error(
      `The file ${fileName} starts like an HDF5 file but could not be opened; it is probably truncated or damaged. Download or export it again.`,
    );
  }
}

/** The layouts the HDF5 readers understand. */
export type Hdf5Layout = 'h5ad' | 'loom' | '10x-h5';

/** Guesses which reader fits an open HDF5 file from its top-level names; undefined when none does. */
export function detectHdf5Layout(file: H5Group): Hdf5Layout | undefined {
  const keys = new Set(file.keys());
  if (attrString(file, 'encoding-type') === 'anndata' || keys.has('obs') || keys.has('var')) return 'h5ad';
  if (keys.has('matrix') && keys.has('row_attrs') && keys.has('col_attrs')) return 'loom';
  if (keys.has('matrix') && isGroup(file.get('matrix'))) return '10x-h5';
  for (const k of keys) {
    const g = file.get(k);
    if (isGroup(g) && g.keys().includes('barcodes') && g.keys().includes('indptr')) return '10x-h5';
  }
  if (keys.has('X')) return 'h5ad';
  return undefined;
}

/** The sentence for an HDF5 file none of the readers recognise. */
export function unknownLayoutError(fileName: string, file: H5Group): Error {
  const top = file.keys().slice(0, 8).join(', ');
  return new Error(
    `The file ${fileName} is HDF5 but not an AnnData (.h5ad), loom or Cell Ranger .h5 file (its top level holds: ${top || 'nothing'}). Save the data with adata.write_h5ad() and open that file.`,
  );
}

/** Narrows an h5wasm entity to a group. */
export function isGroup(x: unknown): x is H5Group {
  return typeof x === 'object' && x !== null && (x as H5Node).type === 'Group';
}

/** Narrows an h5wasm entity to a dataset. */
export function isDataset(x: unknown): x is H5Dataset {
  return typeof x === 'object' && x !== null && (x as H5Node).type === 'Dataset';
}

/** The group at `path` below `g`, or undefined when missing or not a group. */
export function getGroup(g: H5Group, path: string): H5Group | undefined {
  const x = g.get(path);
  return isGroup(x) ? x : undefined;
}

/** The dataset at `path` below `g`, or undefined when missing or not a dataset. */
export function getDataset(g: H5Group, path: string): H5Dataset | undefined {
  const x = g.get(path);
  return isDataset(x) ? x : undefined;
}

/** Raw value of an attribute, or undefined. */
export function attrValue(node: H5Node, name: string): unknown {
  const attrs = node.attrs;
  return name in attrs ? attrs[name].value : undefined;
}

/** A string attribute (scalar, or the first element of a one-element array), or undefined. */
export function attrString(node: H5Node, name: string): string | undefined {
  const v = attrValue(node, name);
  if (typeof v === 'string') return v;
  if (Array.isArray(v) && v.length === 1 && typeof v[0] === 'string') return v[0];
  return undefined;
}

/** A string-array attribute (e.g. anndata's column-order); [] when absent or empty. */
export function attrStrings(node: H5Node, name: string): string[] {
  const v = attrValue(node, name);
  if (typeof v === 'string') return [v];
  if (Array.isArray(v)) return v.map(String);
  return [];
}

/** A numeric array attribute (e.g. a sparse matrix's shape), BigInts converted; [] when absent. */
export function attrNumbers(node: H5Node, name: string): number[] {
  const v = attrValue(node, name);
  if (typeof v === 'number' || typeof v === 'bigint') return [Number(v)];
  if (ArrayBuffer.isView(v) || Array.isArray(v)) return Array.from(v as ArrayLike<number | bigint>, Number);
  return [];
}

/** The shape of a dataset: `[]` for a scalar. */
export function shapeOf(ds: H5Dataset): number[] {
  return ds.metadata.shape ?? [];
}

/** Typed arrays numeric reads return (64-bit integers come back as Float64Array). */
export type NumericArray = Float32Array | Float64Array | Int8Array | Uint8Array | Int16Array | Uint16Array | Int32Array | Uint32Array;

/** True for integer, float and enum (h5py booleans) datasets. */
export function isNumeric(ds: H5Dataset): boolean {
  const t = ds.metadata.type;
  return t === H5T.INTEGER || t === H5T.FLOAT || t === H5T.ENUM;
}

/** True for h5py's boolean enum {FALSE: 0, TRUE: 1}. */
export function isBoolEnum(ds: H5Dataset): boolean {
  const e = ds.metadata.enum_type;
  return ds.metadata.type === H5T.ENUM && e !== undefined && e.members.FALSE === 0 && e.members.TRUE === 1;
}

// Filters built into h5wasm (deflate, shuffle, fletcher32, szip, nbit, scale-offset); others need plugins.
const BUILTIN_FILTERS = new Set([1, 2, 3, 4, 5, 6]);

/** Throws a sentence when `ds` is compressed with a filter h5wasm cannot decode (lzf, blosc, zstd, ...). */
export function checkFilters(ds: H5Dataset, fileName: string, label: string): void {
  const bad = ds.filters.find((f) => !BUILTIN_FILTERS.has(f.id));
  if (bad) {
    throw new Error(
      `In ${fileName}, ${label} is compressed with the "${bad.name || `filter ${bad.id}`}" filter, which this page cannot decompress; save the file again with gzip compression (anndata's default, e.g. adata.write_h5ad(path, compression='gzip')).`,
    );
  }
}

/** h5wasm's failure as a sentence: HDF5 reports damage as a bare "error" or an error stack. */
function damaged(ds: H5Dataset, e: unknown): Error {
  if (e instanceof Error && e.name === 'AbortError') return e;
  return new Error(
    `The data at ${ds.path} could not be read (h5wasm said "${String(e instanceof Error ? e.message : e)
      .split('\n')[0]
      .slice(0, 120)}"); the file is probably truncated or damaged. Download or export it again.`,
  );
}

/** `ds.slice(ranges)`, with a damaged file reported as a sentence. */
function sliceOf(ds: H5Dataset, ranges: H5Slice[]): unknown {
  try {
    return ds.slice(ranges);
  } catch (e) {
    throw damaged(ds, e);
  }
}

/** `ds.value`, with a damaged file reported as a sentence. */
function valueOf(ds: H5Dataset): unknown {
  try {
    return ds.value;
  } catch (e) {
    throw damaged(ds, e);
  }
}

/** Converts what h5wasm returns for a numeric read into a plain typed array (BigInts to Float64). */
function toNumericArray(raw: unknown, label: string): NumericArray {
  if (raw instanceof BigInt64Array || raw instanceof BigUint64Array) return Float64Array.from(raw, Number);
  if (ArrayBuffer.isView(raw) && !(raw instanceof DataView)) return raw as NumericArray;
  if (typeof raw === 'number' || typeof raw === 'bigint') return Float64Array.of(Number(raw));
  throw new Error(`${label} does not hold numbers; the file does not follow its format's layout.`);
}

/**
 * `a` as a Float64Array (a native converting copy unless it already is one). Hot loops read only
 * Float64Arrays: indexing a mix of typed-array kinds at one site is several times slower in V8.
 */
export function asFloat64(a: NumericArray): Float64Array {
  if (a instanceof Float64Array) return a;
  const out = new Float64Array(a.length);
  out.set(a);
  return out;
}

/** `a` as a Float32Array (a native converting copy unless it already is one). */
export function asFloat32(a: NumericArray): Float32Array {
  if (a instanceof Float32Array) return a;
  const out = new Float32Array(a.length);
  out.set(a);
  return out;
}

/** Elements [start, end) of a 1-D numeric dataset, as float64 (exact for every integer index). */
export function readRange(ds: H5Dataset, start: number, end: number): Float64Array {
  if (end <= start) return new Float64Array(0);
  return asFloat64(toNumericArray(sliceOf(ds, [[start, end]]), ds.path));
}

/** A whole numeric dataset (any rank, row-major), read in chunks along its first axis. */
export function readNumbers(ds: H5Dataset): NumericArray {
  const shape = shapeOf(ds);
  if (shape.length === 0) return toNumericArray(valueOf(ds), ds.path);
  const total = shape.reduce((a, b) => a * b, 1);
  if (total <= READ_CHUNK) return toNumericArray(valueOf(ds) ?? new Float64Array(0), ds.path);
  const rowLen = total / shape[0];
  const rowsPer = Math.max(1, Math.floor(READ_CHUNK / rowLen));
  const parts: NumericArray[] = [];
  for (let r = 0; r < shape[0]; r += rowsPer) {
    const ranges: H5Slice[] = [[r, Math.min(shape[0], r + rowsPer)], ...shape.slice(1).map((): H5Slice => [])];
    parts.push(toNumericArray(sliceOf(ds, ranges), ds.path));
  }
  const Ctor = parts[0].constructor as new (n: number) => NumericArray;
  const out = new Ctor(total);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/**
 * A 1-D dataset as strings: text as stored (fixed-length padding dropped), numbers printed,
 * h5py booleans as 'False'/'True' (pandas' spelling).
 */
export function readStrings(ds: H5Dataset): string[] {
  const t = ds.metadata.type;
  if (t === H5T.STRING) {
    const v = valueOf(ds);
    const arr = Array.isArray(v) ? v : v === null || v === undefined ? [] : [v];
    // Fixed-length strings may be space-padded (Fortran style); variable-length ones are kept as written.
    return ds.metadata.vlen ? arr.map(String) : arr.map((s) => String(s).replace(/[\0 ]+$/, ''));
  }
  if (isBoolEnum(ds)) return Array.from(readNumbers(ds), (x) => (x ? 'True' : 'False'));
  if (isNumeric(ds)) return Array.from(readNumbers(ds), (x) => String(x));
  throw new Error(`${ds.path} holds neither text nor numbers; the file does not follow its format's layout.`);
}

/** Bytes as a short phrase: '820 MB', '1.6 GB'. */
export function formatBytes(bytes: number): string {
  if (bytes >= 1e9) return `${(bytes / 1e9).toFixed(1)} GB`;
  if (bytes >= 1e6) return `${Math.round(bytes / 1e6)} MB`;
  if (bytes >= 1e3) return `${Math.round(bytes / 1e3)} KB`;
  return `${Math.round(bytes)} bytes`;
}

/**
 * Throws the out-of-memory sentence when `bytes` exceeds `maxBytes`: it names the size, the limit
 * and what to do. `what` names the data, e.g. 'pbmc.h5ad (X: 100,000 cells x 30,000 genes)'.
 */
export function checkMemory(bytes: number, maxBytes: number, what: string): void {
  if (bytes <= maxBytes) return;
  throw new Error(
    `${what} needs about ${formatBytes(bytes)} of memory, more than the ${formatBytes(maxBytes)} one dataset may use in this page. Open a subset instead: fewer cells (for example one sample or a random subsample) or fewer genes (for example the highly variable ones), saved as a new file.`,
  );
}

/** Bytes of a CSR matrix with `nnz` stored values: uint32 indptr, uint16/uint32 indices, float32 data. */
export function csrBytes(nRows: number, nCols: number, nnz: number): number {
  return (nRows + 1) * 4 + nnz * ((nCols <= 0xffff ? 2 : 4) + 4);
}

/** 'x cells x y genes' with thousands separators, for sentences. */
export function shapePhrase(nCells: number, nGenes: number): string {
  return `${nCells.toLocaleString('en-US')} cells x ${nGenes.toLocaleString('en-US')} genes`;
}

/** Where a matrix lives in the file and how it is laid out; rows are cells, columns genes. */
export type MatrixSource =
  | {
      /** Dense `[nRows, nCols]`, or `[nCols, nRows]` when `isTransposed` (loom: genes x cells). */
      layout: 'dense';
      label: string;
      data: H5Dataset;
      nRows: number;
      nCols: number;
      isTransposed: boolean;
    }
  | {
      /** Compressed rows: `indptr` [nRows+1] over `indices` (columns) and `data`. */
      layout: 'csr' | 'csc';
      label: string;
      indptr: H5Dataset;
      indices: H5Dataset;
      data: H5Dataset;
      nRows: number;
      nCols: number;
      /** CSR only: stored column -> output column (-1 drops it), e.g. keeping only Gene Expression features. */
      columnMap?: { map: Int32Array; nOut: number };
    };

/** How a matrix read went: the CSR and whether every value is a non-negative whole number. */
export interface MatrixRead {
  matrix: CsrMatrix;
  isCounts: boolean;
}

/** Options for `readMatrix`. */
export interface MatrixReadOptions extends Hdf5ReadOptions {
  fileName: string;
  /** Names a 0-based (cell, gene) in the user's terms for error sentences. */
  describe: (row: number, col: number) => string;
  /** Bytes already committed besides the matrix (embeddings, obs), counted against `maxBytes`. */
  extraBytes?: number;
}

/** Read options plus the label of the matrix being read ('X', 'raw/X', '/matrix'). */
type Opts = MatrixReadOptions & { label: string };

/**
 * Appends rows of a CSR matrix one value at a time, growing its arrays as needed, checking that
 * values are finite, tracking whether all are non-negative integers, and keeping the budget.
 */
class CsrBuilder {
  readonly indptr: Uint32Array;
  indices: Uint16Array | Uint32Array;
  data: Float32Array;
  nnz = 0;
  row = 0;
  isAllInteger = true;
  isNonNegative = true;
  private lastCol = -1;
  private readonly unsortedRows: number[] = [];

  constructor(
    readonly nRows: number,
    readonly nCols: number,
    capacity: number,
    private readonly opts: Opts,
  ) {
    this.indptr = new Uint32Array(nRows + 1);
    this.checkBudget(capacity);
    this.indices = nCols <= 0xffff ? new Uint16Array(capacity) : new Uint32Array(capacity);
    this.data = new Float32Array(capacity);
  }

  /** Adds value `v` at column `col` of the current row. */
  push(col: number, v: number): void {
    checkValue(v, this.row, col, this.opts);
    if (v < 0) this.isNonNegative = false;
    if (this.isAllInteger && Math.round(v) !== v) this.isAllInteger = false;
    if (this.nnz === this.data.length) this.grow();
    if (col <= this.lastCol) {
      if (col === this.lastCol) duplicateEntry(this.row, col, this.opts);
      if (this.unsortedRows[this.unsortedRows.length - 1] !== this.row) this.unsortedRows.push(this.row);
    }
    this.lastCol = col;
    this.indices[this.nnz] = col;
    this.data[this.nnz++] = v;
  }

  /** Closes the current row. */
  endRow(): void {
    this.indptr[++this.row] = this.nnz;
    this.lastCol = -1;
  }

  /** Sorts rows stored out of column order and returns the matrix, trimmed when much was over-allocated. */
  finish(): CsrMatrix {
    for (const r of this.unsortedRows) sortRow(this.indices, this.data, this.indptr[r], this.indptr[r + 1], r, this.opts);
    const trim = this.data.length - this.nnz > this.nnz / 8;
    const indices = trim ? this.indices.slice(0, this.nnz) : this.indices.subarray(0, this.nnz);
    const data = trim ? this.data.slice(0, this.nnz) : this.data.subarray(0, this.nnz);
    return { nRows: this.nRows, nCols: this.nCols, indptr: this.indptr, indices, data };
  }

  private grow(): void {
    // Project the final size from the rows done so far, so a matrix that will not fit fails early.
    const projected = Math.ceil((this.nnz / Math.max(1, this.row)) * this.nRows * 1.05);
    const capacity = Math.max(this.nnz + 1024, Math.min(Math.ceil(this.nnz * 1.5), projected), Math.ceil(this.nnz * 1.1));
    this.checkBudget(Math.max(capacity, projected));
    const indices = this.nCols <= 0xffff ? new Uint16Array(capacity) : new Uint32Array(capacity);
    indices.set(this.indices);
    const data = new Float32Array(capacity);
    data.set(this.data);
    this.indices = indices;
    this.data = data;
  }

  private checkBudget(nnz: number): void {
    const o = this.opts;
    checkMemory(
      csrBytes(this.nRows, this.nCols, nnz) + (o.extraBytes ?? 0),
      o.maxBytes ?? DEFAULT_MAX_BYTES,
      `${o.fileName} (${o.label}: ${shapePhrase(this.nRows, this.nCols)}, about ${Math.round(nnz).toLocaleString('en-US')} non-zero values)`,
    );
  }
}

function checkValue(v: number, row: number, col: number, o: Opts): void {
  if (!Number.isFinite(v)) {
    throw new Error(
      `In ${o.fileName}, ${o.label} holds ${Number.isNaN(v) ? 'NaN' : v > 0 ? 'Inf' : '-Inf'} at ${o.describe(row, col)}; every value must be a finite number. Replace NaN and Inf values (for example with 0, np.nan_to_num) and save the file again.`,
    );
  }
}

function duplicateEntry(row: number, col: number, o: Opts): never {
  throw new Error(
    `In ${o.fileName}, ${o.label} stores ${o.describe(row, col)} twice; each entry may appear once. Sum the duplicates (scipy: X.sum_duplicates()) and save the file again.`,
  );
}

/** Sorts one row's [start, end) entries by column (rows written out of order by some tools). */
function sortRow(indices: Uint16Array | Uint32Array, data: Float32Array, start: number, end: number, row: number, o: Opts): void {
  const order = Array.from({ length: end - start }, (_, i) => start + i).sort((a, b) => indices[a] - indices[b]);
  const cols = order.map((k) => indices[k]);
  const vals = order.map((k) => data[k]);
  for (let i = 0; i < cols.length; i++) {
    if (i > 0 && cols[i] === cols[i - 1]) duplicateEntry(row, cols[i], o);
    indices[start + i] = cols[i];
    data[start + i] = vals[i];
  }
}

/** Reads an indptr dataset and checks it describes `nnz` entries in `n` compressed rows or columns. */
function readIndptr(ds: H5Dataset, n: number, nnz: number, what: 'rows' | 'columns', o: Opts): Float64Array {
  const indptr = asFloat64(readNumbers(ds));
  let isValid = indptr.length === n + 1 && indptr[0] === 0 && indptr[n] === nnz;
  for (let i = 0; isValid && i < n; i++) isValid = indptr[i] <= indptr[i + 1];
  if (!isValid) {
    throw new Error(
      `In ${o.fileName}, ${o.label} is not a valid sparse matrix (its indptr does not describe ${nnz} values in ${n} ${what}); the file is damaged. Export it again.`,
    );
  }
  return indptr;
}

function outOfRange(o: Opts, what: string, index: number, n: number): never {
  throw new Error(
    `In ${o.fileName}, ${o.label} refers to ${what} ${index}, outside its ${n.toLocaleString('en-US')} ${what}s; the file is damaged. Export it again.`,
  );
}

/**
 * Reads any stored matrix layout into CSR `[nRows, nCols]` (float32 values, sorted columns),
 * chunk by chunk with progress and cancel. Throws a sentence for NaN/Inf, a duplicated entry,
 * a damaged index, or a matrix over the memory budget (checked before the bulk of the read).
 */
export async function readMatrix(src: MatrixSource, opts: MatrixReadOptions): Promise<MatrixRead> {
  const o = { ...opts, label: src.label };
  const check = (ds: H5Dataset) => checkFilters(ds, o.fileName, src.label);
  if (src.layout === 'dense') {
    check(src.data);
    return readDense(src, o);
  }
  for (const ds of [src.indptr, src.indices, src.data]) check(ds);
  return src.layout === 'csr' ? readCsr(src, o) : readCsc(src, o);
}

async function readDense(src: Extract<MatrixSource, { layout: 'dense' }>, o: Opts): Promise<MatrixRead> {
  const { nRows, nCols, isTransposed } = src;
  // A block of whole cells: rows of a cells x genes array, or columns of a genes x cells one.
  const cellsPer = Math.max(1, Math.floor(READ_CHUNK / Math.max(1, nCols)));
  let b: CsrBuilder | undefined;
  for (let r0 = 0; r0 < nRows; r0 += cellsPer) {
    await checkpoint(o.signal);
    const r1 = Math.min(nRows, r0 + cellsPer);
    const nb = r1 - r0;
    const block = asFloat64(toNumericArray(sliceOf(src.data, isTransposed ? [[], [r0, r1]] : [[r0, r1], []]), src.label));
    if (!b) {
      // Size the arrays from the first block's density; the builder re-checks the budget as it grows.
      let nz = 0;
      for (let k = 0; k < block.length; k++) if (block[k] !== 0) nz++;
      const capacity = Math.ceil((nz / Math.max(1, block.length)) * nRows * nCols * 1.05) + 1024;
      b = new CsrBuilder(nRows, nCols, Math.min(capacity, nRows * nCols + 1), o);
    }
    for (let i = 0; i < nb; i++) {
      for (let j = 0; j < nCols; j++) {
        const v = isTransposed ? block[j * nb + i] : block[i * nCols + j];
        // NaN !== 0, so missing values reach push() and its finite check.
        if (v !== 0) b.push(j, v);
      }
      b.endRow();
    }
    o.onProgress?.(r1 / nRows);
  }
  b ??= new CsrBuilder(nRows, nCols, 0, o);
  return { matrix: b.finish(), isCounts: b.isAllInteger && b.isNonNegative };
}

async function readCsr(src: Extract<MatrixSource, { layout: 'csr' | 'csc' }>, o: Opts): Promise<MatrixRead> {
  const { nRows, nCols } = src;
  const nnz = shapeOf(src.data)[0] ?? 0;
  if ((shapeOf(src.indices)[0] ?? 0) !== nnz) {
    throw new Error(
      `In ${o.fileName}, ${src.label} has ${nnz} values but a different number of indices; the file is damaged. Export it again.`,
    );
  }
  const indptr = readIndptr(src.indptr, nRows, nnz, 'rows', o);
  const map = src.columnMap;
  const nOut = map ? map.nOut : nCols;
  const b = new CsrBuilder(nRows, nOut, nnz, o);
  let r = 0;
  for (let k0 = 0; k0 < nnz; k0 += READ_CHUNK) {
    await checkpoint(o.signal);
    const k1 = Math.min(nnz, k0 + READ_CHUNK);
    const cols = readRange(src.indices, k0, k1);
    const vals = readRange(src.data, k0, k1);
    for (let k = k0; k < k1; k++) {
      // Close the rows that end before entry k (empty rows included).
      while (indptr[r + 1] <= k) {
        b.endRow();
        r++;
      }
      const c = cols[k - k0];
      if (!(c >= 0 && c < nCols)) outOfRange(o, 'gene', c, nCols);
      const col = map ? map.map[c] : c;
      if (col >= 0) b.push(col, vals[k - k0]);
    }
    o.onProgress?.(k1 / nnz);
  }
  for (; r < nRows; r++) b.endRow();
  return { matrix: b.finish(), isCounts: b.isAllInteger && b.isNonNegative };
}

/** CSC `[nRows, nCols]` to CSR in two passes over the file: count entries per row, then scatter. */
async function readCsc(src: Extract<MatrixSource, { layout: 'csr' | 'csc' }>, o: Opts): Promise<MatrixRead> {
  const { nRows, nCols } = src;
  const nnz = shapeOf(src.data)[0] ?? 0;
  checkMemory(
    csrBytes(nRows, nCols, nnz) + nRows * 4 + (o.extraBytes ?? 0),
    o.maxBytes ?? DEFAULT_MAX_BYTES,
    `${o.fileName} (${src.label}: ${shapePhrase(nRows, nCols)}, ${nnz.toLocaleString('en-US')} stored values)`,
  );
  const colptr = readIndptr(src.indptr, nCols, nnz, 'columns', o);
  const indptr = new Uint32Array(nRows + 1);
  for (let k0 = 0; k0 < nnz; k0 += READ_CHUNK) {
    await checkpoint(o.signal);
    const rows = readRange(src.indices, k0, Math.min(nnz, k0 + READ_CHUNK));
    for (let k = 0; k < rows.length; k++) {
      const r = rows[k];
      if (!(r >= 0 && r < nRows)) outOfRange(o, 'cell', r, nRows);
      indptr[r + 1]++;
    }
    o.onProgress?.((0.4 * (k0 + rows.length)) / nnz);
  }
  for (let r = 0; r < nRows; r++) indptr[r + 1] += indptr[r];
  const cursor = indptr.slice(0, nRows);
  const indices = nCols <= 0xffff ? new Uint16Array(nnz) : new Uint32Array(nnz);
  const data = new Float32Array(nnz);
  let isAllInteger = true;
  let isNonNegative = true;
  let j = 0;
  for (let k0 = 0; k0 < nnz; k0 += READ_CHUNK) {
    await checkpoint(o.signal);
    const k1 = Math.min(nnz, k0 + READ_CHUNK);
    const rows = readRange(src.indices, k0, k1);
    const vals = readRange(src.data, k0, k1);
    for (let k = k0; k < k1; k++) {
      while (colptr[j + 1] <= k) j++;
      const r = rows[k - k0];
      const v = vals[k - k0];
      checkValue(v, r, j, o);
      if (v < 0) isNonNegative = false;
      if (isAllInteger && Math.round(v) !== v) isAllInteger = false;
      // Columns arrive in order, so each row's indices come out sorted; a repeat is a duplicate.
      const at = cursor[r]++;
      if (at > indptr[r] && indices[at - 1] === j) duplicateEntry(r, j, o);
      indices[at] = j;
      data[at] = v;
    }
    o.onProgress?.(0.4 + (0.6 * k1) / nnz);
  }
  return { matrix: { nRows, nCols, indptr, indices, data }, isCounts: isAllInteger && isNonNegative };
}

/** Per-gene summary of the first cells of a matrix, enough to tell z-scored data from expression. */
export interface ScaleSample {
  /** Values looked at, zeros included. */
  nValues: number;
  nNegative: number;
  /** |mean| / std for each gene with std > 0 in the sample. */
  meanOverStd: number[];
}

/**
 * Looks at the start of a matrix (about 1 M values: the first cells, or for CSC the first genes
 * across all cells) without reading the rest: counts negatives and each gene's |mean| / std.
 */
export function sampleForScaling(src: MatrixSource): ScaleSample {
  const { nRows, nCols } = src;
  const budget = 1 << 20;
  let nCells: number;
  const sums = new Float64Array(nCols);
  const sumSq = new Float64Array(nCols);
  let nNegative = 0;
  let genes = nCols;
  const add = (j: number, v: number) => {
    sums[j] += v;
    sumSq[j] += v * v;
    if (v < 0) nNegative++;
  };
  if (src.layout === 'dense') {
    // At least 50 cells, so even a 60,000-gene matrix gets a usable per-gene mean.
    nCells = Math.min(nRows, Math.max(50, Math.floor(budget / Math.max(1, nCols))));
    const block = asFloat64(toNumericArray(sliceOf(src.data, src.isTransposed ? [[], [0, nCells]] : [[0, nCells], []]), src.label));
    for (let i = 0; i < nCells; i++)
      for (let j = 0; j < nCols; j++) add(j, src.isTransposed ? block[j * nCells + i] : block[i * nCols + j]);
  } else if (src.layout === 'csr') {
    const ptr = readRange(src.indptr, 0, Math.min(nRows, 5000) + 1);
    nCells = ptr.length - 1;
    while (nCells > 1 && ptr[nCells] > budget) nCells = Math.ceil(nCells / 2);
    const cols = readRange(src.indices, 0, ptr[nCells]);
    const vals = readRange(src.data, 0, ptr[nCells]);
    for (let k = 0; k < vals.length; k++) if (cols[k] >= 0 && cols[k] < nCols) add(cols[k], vals[k]);
  } else {
    // CSC: whole columns are cheap to read, and give each gene's statistics over every cell.
    nCells = nRows;
    const ptr = asFloat64(readNumbers(src.indptr));
    genes = 0;
    while (genes < nCols && ptr[genes + 1] <= budget) genes++;
    genes = Math.max(1, Math.min(genes, nCols));
    const vals = readRange(src.data, 0, ptr[genes]);
    for (let j = 0; j < genes; j++) for (let k = ptr[j]; k < ptr[j + 1]; k++) add(j, vals[k]);
  }
  const meanOverStd: number[] = [];
  for (let j = 0; j < genes; j++) {
    const mean = sums[j] / Math.max(1, nCells);
    const variance = sumSq[j] / Math.max(1, nCells) - mean * mean;
    if (variance > 1e-12) meanOverStd.push(Math.abs(mean) / Math.sqrt(variance));
  }
  return { nValues: nCells * genes, nNegative, meanOverStd };
}

/**
 * True when a sample looks z-scored (scanpy's sc.pp.scale): at least 1 % of values negative and
 * the median gene's |mean| below a fifth of its std. Expression (counts, log1p) is never negative.
 */
export function looksScaled(s: ScaleSample): boolean {
  if (s.nValues === 0 || s.nNegative < 0.01 * s.nValues || s.meanOverStd.length === 0) return false;
  const sorted = [...s.meanOverStd].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] < 0.2;
}

/** Throws a sentence naming the first repeated cell id and both of its rows (1-based). */
export function checkUniqueIds(ids: string[], fileName: string, fix: string): void {
  const firstAt = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    const prev = firstAt.get(ids[i]);
    if (prev !== undefined) {
      throw new Error(
        `The cell id "${ids[i]}" appears twice in ${fileName} (cells ${prev + 1} and ${i + 1}); cell ids must be unique. ${fix}`,
      );
    }
    firstAt.set(ids[i], i);
  }
}

/** Ensembl gene ids (ENSG..., ENSMUSG..., with or without a .version). */
export const ENSEMBL_ID_RE = /^ENS[A-Z]*G\d{6,}(\.\d+)?$/;

/** True when most names are Ensembl ids, i.e. the file's gene index holds ids rather than symbols. */
export function looksLikeEnsemblIds(names: string[]): boolean {
  let n = 0;
  for (const g of names) if (ENSEMBL_ID_RE.test(g)) n++;
  return names.length > 0 && n > names.length / 2;
}

/** Gene ids for `Dataset.geneIds`: '' where the id only repeats the symbol (no real id known). */
export function geneIdsOrBlank(ids: string[], symbols: string[]): string[] {
  return ids.map((id, j) => (id === symbols[j] ? '' : id));
}
