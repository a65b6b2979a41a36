/**
 * Writes the HDF5 test fixtures (h5ad, loom, Cell Ranger .h5) with h5wasm, following anndata's
 * on-disk spec (encoding-type / encoding-version attributes) and the loom and Cell Ranger
 * layouts. Each file is a few KB, deterministic, and holds a matrix small enough to state in
 * the tests. Called by scripts/make_fixtures.ts.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import h5wasm from 'h5wasm/node';

export type H5Group = InstanceType<typeof h5wasm.Group>;
type Typed = Float32Array | Float64Array | Int8Array | Int32Array | BigInt64Array | Uint8Array;

/** Sets anndata's encoding attributes on a group or dataset. */
export function encode(node: { create_attribute(name: string, data: string): void }, type: string, version: string): void {
  node.create_attribute('encoding-type', type);
  node.create_attribute('encoding-version', version);
}

/** A 1-D or 2-D numeric array element (`encoding-type: array`); `shape` defaults to 1-D. */
export function array(g: H5Group, name: string, data: Typed, shape?: number[], gzip = false): void {
  const ds = g.create_dataset({
    name,
    data,
    shape: shape ?? [data.length],
    ...(gzip
      ? {
          chunks: shape ? [Math.max(1, Math.ceil(shape[0] / 2)), shape[1]] : [Math.max(1, Math.ceil(data.length / 2))],
          compression: 'gzip' as const,
        }
      : {}),
  });
  encode(ds, 'array', '0.2.0');
}

/** A variable-length UTF-8 string array (`encoding-type: string-array`). */
export function strings(g: H5Group, name: string, values: string[]): void {
  encode(g.create_dataset({ name, data: values }), 'string-array', '0.2.0');
}

/** A pandas categorical (anndata >= 0.8): a group with categories and int8 codes (-1 = missing). */
export function categorical(g: H5Group, name: string, categories: string[], codes: number[]): void {
  const c = g.create_group(name);
  encode(c, 'categorical', '0.2.0');
  c.create_attribute('ordered', 0, null, '<b');
  strings(c, 'categories', categories);
  array(c, 'codes', Int8Array.from(codes));
}

/** A dataframe group: index column `indexName` plus the columns `write` adds, in `order`. */
export function dataframe(
  parent: H5Group,
  name: string,
  indexName: string,
  index: string[],
  order: string[],
  write: (g: H5Group) => void,
): H5Group {
  const g = parent.create_group(name);
  encode(g, 'dataframe', '0.2.0');
  g.create_attribute('_index', indexName);
  if (order.length > 0) g.create_attribute('column-order', order);
  strings(g, indexName, index);
  write(g);
  return g;
}

/** A scipy sparse matrix group from dense rows, as CSR or CSC. */
function sparse(
  parent: H5Group,
  name: string,
  dense: number[][],
  format: 'csr' | 'csc',
  Values: { from(a: number[]): Typed },
  opts: { gzip?: boolean; oldStyle?: boolean; nCols?: number } = {},
): void {
  const nRows = dense.length;
  const nCols = opts.nCols ?? dense[0].length;
  const [outer, inner] = format === 'csr' ? [nRows, nCols] : [nCols, nRows];
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const v = format === 'csr' ? dense[o][i] : dense[i][o];
      if (v !== 0) {
        indices.push(i);
        data.push(v);
      }
    }
    indptr.push(data.length);
  }
  writeSparse(
    parent,
    name,
    { format, nRows, nCols, indptr: Int32Array.from(indptr), indices: Int32Array.from(indices), data: Values.from(data) },
    { oldStyle: opts.oldStyle, gzipChunk: opts.gzip ? (n) => Math.max(1, Math.ceil(n / 2)) : undefined },
  );
}

/** A scipy sparse matrix already in compressed form: `indptr` over the outer axis (rows for CSR). */
export interface SparseArrays {
  format: 'csr' | 'csc';
  nRows: number;
  nCols: number;
  indptr: Int32Array;
  indices: Int32Array;
  data: Typed;
}

/**
 * Writes a sparse matrix group from its arrays. `gzipChunk(n)` (when given) gzips `data` and
 * `indices` in chunks of that many elements (non-empty arrays only), and `indptr` too when
 * `gzipIndptr` is set; `gzipLevel` defaults to h5wasm's 4 (h5py's too).
 */
export function writeSparse(
  parent: H5Group,
  name: string,
  m: SparseArrays,
  opts: { oldStyle?: boolean; gzipChunk?: (n: number) => number; gzipIndptr?: boolean; gzipLevel?: number } = {},
): void {
  const { format, nRows, nCols } = m;
  const g = parent.create_group(name);
  if (opts.oldStyle) {
    g.create_attribute('h5sparse_format', format);
    g.create_attribute('h5sparse_shape', new BigInt64Array([BigInt(nRows), BigInt(nCols)]));
  } else {
    encode(g, `${format}_matrix`, '0.1.0');
    g.create_attribute('shape', new BigInt64Array([BigInt(nRows), BigInt(nCols)]));
  }
  const chunk = opts.gzipChunk;
  const gz = (n: number) =>
    chunk && n > 0
      ? { chunks: [chunk(n)], compression: 'gzip' as const, ...(opts.gzipLevel === undefined ? {} : { compression_opts: opts.gzipLevel }) }
      : {};
  g.create_dataset({ name: 'data', data: m.data, shape: [m.data.length], ...gz(m.data.length) });
  g.create_dataset({ name: 'indices', data: m.indices, shape: [m.indices.length], ...gz(m.indices.length) });
  g.create_dataset({ name: 'indptr', data: m.indptr, shape: [m.indptr.length], ...(opts.gzipIndptr ? gz(m.indptr.length) : {}) });
}

/** A new h5ad file with anndata's root attributes and empty mapping groups. */
export function anndataFile(path: string, opts: { withEmptyGroups?: boolean } = {}): InstanceType<typeof h5wasm.File> {
  const f = new h5wasm.File(path, 'w');
  encode(f, 'anndata', '0.1.0');
  if (opts.withEmptyGroups !== false) for (const k of ['layers', 'obsp', 'varm', 'varp']) encode(f.create_group(k), 'dict', '0.1.0');
  return f;
}

/** Rows flattened into row-major float32. */
const flat = (values: number[][]) => Float32Array.from(values.flat());

/** X of dense.h5ad: counts, 6 cells x 5 genes. */
export const DENSE_COUNTS = [
  [1, 0, 3, 0, 0],
  [0, 2, 0, 0, 5],
  [0, 0, 0, 0, 0],
  [4, 0, 0, 1, 0],
  [0, 0, 7, 0, 2],
  [1, 1, 1, 1, 1],
];
/** Barcodes of the six cells in dense.h5ad (its obs index). */
export const CELLS_6 = [
  'AAACATACAACCAC-1',
  'AAACATTGAGCTAC-1',
  'AAACATTGATCAGC-1',
  'AAACCGTGCTTCCG-1',
  'AAACCGTGTATGCG-1',
  'AAACGCACTGGTAC-1',
];

/** X dense float32 counts; cellxgene-style var (Ensembl index + feature_name); every obs column kind; obsm; uns colours. */
function writeDense(path: string): void {
  const f = anndataFile(path);
  array(f, 'X', flat(DENSE_COUNTS), [6, 5]);
  dataframe(f, 'obs', 'barcode', CELLS_6, ['cell_type', 'n_counts', 'n_genes', 'batch'], (g) => {
    categorical(g, 'cell_type', ['B', 'T', 'NK'], [0, 1, 1, 2, -1, 0]);
    array(g, 'n_counts', Float32Array.from(DENSE_COUNTS.map((r) => r.reduce((a, b) => a + b, 0))));
    array(g, 'n_genes', BigInt64Array.from(DENSE_COUNTS.map((r) => BigInt(r.filter((v) => v > 0).length))));
    strings(g, 'batch', ['a', 'b', 'a', 'b', 'a', 'b']);
  });
  dataframe(
    f,
    'var',
    'gene_ids',
    ['ENSG00000198851', 'ENSG00000090382', 'ENSG00000156738', 'ENSG00000105374', 'ENSG00000198851.5'],
    ['feature_name'],
    (g) => categorical(g, 'feature_name', ['CD3E', 'LYZ', 'MS4A1', 'NKG7'], [0, 1, 2, 3, 0]),
  );
  const obsm = f.create_group('obsm');
  encode(obsm, 'dict', '0.1.0');
  array(obsm, 'X_umap', Float64Array.from([0, 0, 1, 0, 0, 1, 1, 1, 2, 2, -1, 0.5]), [6, 2]);
  array(
    obsm,
    'X_pca',
    Float32Array.from({ length: 18 }, (_, i) => i / 10),
    [6, 3],
  );
  const uns = f.create_group('uns');
  encode(uns, 'dict', '0.1.0');
  strings(uns, 'cell_type_colors', ['#1f77b4', '#ff7f0e', '#2ca02c']);
  f.close();
}

/** Normalised (non-integer) values, 5 cells x 4 genes, stored as gzip-compressed CSC float64. */
export const CSC_VALUES = [
  [0.5, 0, 1.25, 0],
  [0, 2.5, 0, 0],
  [0, 0, 0, 3.75],
  [1.5, 0, 0, 0.25],
  [0, 0, 2, 0],
];

/** CSC X with gene ids in var. */
function writeCsc(path: string): void {
  const f = anndataFile(path);
  sparse(f, 'X', CSC_VALUES, 'csc', Float64Array, { gzip: true });
  dataframe(f, 'obs', '_index', ['c1', 'c2', 'c3', 'c4', 'c5'], [], () => {});
  dataframe(f, 'var', '_index', ['CD3E', 'LYZ', 'MS4A1', 'NKG7'], ['gene_ids'], (g) =>
    strings(g, 'gene_ids', ['ENSG00000198851', 'ENSG00000090382', 'ENSG00000156738', 'ENSG00000105374']),
  );
  f.close();
}

/** X of old_style.h5ad: counts, 4 cells x 3 genes (raw.X adds a fourth gene of ones). */
export const OLD_STYLE_COUNTS = [
  [2, 0, 1],
  [0, 0, 3],
  [1, 1, 0],
  [0, 5, 0],
];

/**
 * anndata 0.7's layout: no root encoding, X as CSR with h5sparse_* attributes, a categorical as
 * integer codes plus obs/__categories/<col> (linked by an object reference), raw as raw.X / raw.var.
 */
function writeOldStyle(path: string): void {
  const f = new h5wasm.File(path, 'w');
  sparse(f, 'X', OLD_STYLE_COUNTS, 'csr', Int32Array, { oldStyle: true });
  const obs = f.create_group('obs');
  obs.create_attribute('_index', 'index');
  obs.create_attribute('column-order', ['louvain', 'n_counts']);
  obs.create_dataset({ name: 'index', data: ['AAAC-1', 'AAAG-1', 'AAAT-1', 'AACA-1'] });
  obs.create_group('__categories').create_dataset({ name: 'louvain', data: ['0', '1', '2'] });
  const codes = obs.create_dataset({ name: 'louvain', data: Int8Array.from([1, 0, 2, 1]), shape: [4] });
  codes.create_attribute('categories', (obs.get('__categories/louvain') as InstanceType<typeof h5wasm.Dataset>).create_reference());
  obs.create_dataset({ name: 'n_counts', data: Float32Array.from([3, 3, 2, 5]), shape: [4] });
  const v = f.create_group('var');
  v.create_attribute('_index', 'index');
  v.create_dataset({ name: 'index', data: ['GNLY', 'NKG7', 'CD3E'] });
  sparse(
    f,
    'raw.X',
    OLD_STYLE_COUNTS.map((r) => [...r, 1]),
    'csr',
    Float32Array,
    { oldStyle: true },
  );
  const rv = f.create_group('raw.var');
  rv.create_attribute('_index', 'index');
  rv.create_dataset({ name: 'index', data: ['GNLY', 'NKG7', 'CD3E', 'MALAT1'] });
  const obsm = f.create_group('obsm');
  obsm.create_dataset({ name: 'X_umap', data: Float32Array.from([0, 1, 2, 3, 4, 5, 6, 7]), shape: [4, 2] });
  f.close();
}

/** Counts 8 cells x 6 genes; X keeps genes 0-3 scaled, raw/X all 6 log-normalised, layers/counts genes 0-3. */
export const LAYER_COUNTS = [
  [3, 0, 1, 0, 2, 9],
  [0, 4, 0, 1, 0, 8],
  [5, 1, 0, 0, 1, 7],
  [0, 0, 6, 2, 0, 9],
  [1, 2, 0, 3, 4, 6],
  [2, 0, 3, 0, 0, 8],
  [0, 7, 1, 1, 2, 5],
  [4, 1, 0, 5, 1, 9],
];

/** log1p of counts per 10k, rounded to float32 as scanpy stores it: the raw/X the fixture holds. */
export function logNormalised(counts: number[][]): number[][] {
  return counts.map((r) => {
    const total = r.reduce((a, b) => a + b, 0);
    return r.map((v) => Math.fround(Math.log1p((v * 1e4) / total)));
  });
}

/** sc.pp.scale: each gene centred on 0 with unit (population) variance. */
function scaled(values: number[][]): number[][] {
  const n = values.length;
  const out = values.map((r) => r.slice());
  for (let j = 0; j < values[0].length; j++) {
    const mean = values.reduce((a, r) => a + r[j], 0) / n;
    const sd = Math.sqrt(values.reduce((a, r) => a + (r[j] - mean) ** 2, 0) / n) || 1;
    for (let i = 0; i < n; i++) out[i][j] = (values[i][j] - mean) / sd;
  }
  return out;
}

/** scanpy's usual end state: X scaled on a gene subset, raw/X log-normalised on all genes, layers/counts. */
function writeLayersRaw(path: string): void {
  const f = anndataFile(path, { withEmptyGroups: false });
  const cells = LAYER_COUNTS.map((_, i) => `cell-${i + 1}`);
  const genes6 = ['CD3E', 'LYZ', 'MS4A1', 'NKG7', 'GNLY', 'MALAT1'];
  const logn = logNormalised(LAYER_COUNTS);
  array(f, 'X', flat(scaled(logn.map((r) => r.slice(0, 4)))), [8, 4]);
  const layers = f.create_group('layers');
  encode(layers, 'dict', '0.1.0');
  sparse(
    layers,
    'counts',
    LAYER_COUNTS.map((r) => r.slice(0, 4)),
    'csr',
    Int32Array,
  );
  const raw = f.create_group('raw');
  encode(raw, 'raw', '0.1.0');
  sparse(raw, 'X', logn, 'csr', Float32Array);
  dataframe(raw, 'var', '_index', genes6, [], () => {});
  dataframe(f, 'obs', '_index', cells, ['group'], (g) => categorical(g, 'group', ['x', 'y'], [0, 1, 0, 1, 0, 1, 0, 1]));
  dataframe(f, 'var', '_index', genes6.slice(0, 4), [], () => {});
  f.close();
}

/** /matrix of small.loom: counts, 5 genes x 4 cells (loom's orientation). */
export const LOOM_GENES_X_CELLS = [
  [0, 3, 0, 1],
  [2, 0, 0, 0],
  [0, 0, 4, 0],
  [1, 1, 1, 1],
  [0, 6, 0, 2],
];

/** A loom file: /matrix genes x cells float32, gene and cell attributes, a layer, a 2-D cell attribute. */
function writeLoom(path: string): void {
  const f = new h5wasm.File(path, 'w');
  f.create_attribute('LOOM_SPEC_VERSION', '3.0.0');
  f.create_dataset({ name: 'matrix', data: flat(LOOM_GENES_X_CELLS), shape: [5, 4], chunks: [5, 2], compression: 'gzip' });
  const layers = f.create_group('layers');
  layers.create_dataset({ name: 'spliced', data: flat(LOOM_GENES_X_CELLS.map((r) => r.map((v) => v * 0.5))), shape: [5, 4] });
  const ra = f.create_group('row_attrs');
  // loompy writes fixed-length strings.
  ra.create_dataset({ name: 'Gene', data: ['CD3E', 'LYZ', 'MS4A1', 'NKG7', 'GNLY'], dtype: 'S8' });
  ra.create_dataset({
    name: 'Accession',
    data: ['ENSG00000198851', 'ENSG00000090382', 'ENSG00000156738', 'ENSG00000105374', 'ENSG00000115523'],
    dtype: 'S16',
  });
  const ca = f.create_group('col_attrs');
  ca.create_dataset({ name: 'CellID', data: ['cellA', 'cellB', 'cellC', 'cellD'], dtype: 'S8' });
  ca.create_dataset({ name: 'ClusterName', data: ['T', 'Mono', 'B', 'Mono'], dtype: 'S8' });
  ca.create_dataset({ name: 'nUMI', data: Float32Array.from([3, 10, 5, 4]), shape: [4] });
  ca.create_dataset({ name: 'umap', data: Float64Array.from([0, 0, 1, 1, 2, 0, 3, 1]), shape: [4, 2] });
  f.create_group('col_graphs');
  f.create_group('row_graphs');
  f.close();
}

/** Cell Ranger v3 counts: 5 features (the last an antibody) x 4 cells, stored CSC over cells. */
export const TENX_FEATURES = [
  ['ENSG00000243485', 'MIR1302-2HG', 'Gene Expression'],
  ['ENSG00000237613', 'FAM138A', 'Gene Expression'],
  ['ENSG00000186092', 'OR4F5', 'Gene Expression'],
  ['ENSG00000238009', 'FAM138A', 'Gene Expression'],
  ['CD3', 'CD3_TotalSeqB', 'Antibody Capture'],
];
/** Cells x features. */
export const TENX_COUNTS = [
  [3, 0, 0, 1, 50],
  [0, 0, 2, 0, 7],
  [0, 0, 0, 0, 0],
  [1, 4, 0, 0, 12],
];
/** Barcodes of the four cells in the Cell Ranger fixtures. */
export const TENX_BARCODES = ['AAACCTGAGAAACCAT-1', 'AAACCTGAGAAACCGC-1', 'AAACCTGAGAAACCTA-1', 'AAACCTGAGAAACGAG-1'];

/** Writes a Cell Ranger matrix group: CSC genes x cells = CSR cells x genes (indptr over cells). */
function tenxMatrix(g: H5Group, counts: number[][]): void {
  const indptr = [0];
  const indices: number[] = [];
  const data: number[] = [];
  for (const r of counts) {
    r.forEach((v, j) => {
      if (v !== 0) {
        indices.push(j);
        data.push(v);
      }
    });
    indptr.push(data.length);
  }
  g.create_dataset({ name: 'barcodes', data: TENX_BARCODES, dtype: 'S18' });
  g.create_dataset({ name: 'data', data: Int32Array.from(data), shape: [data.length], chunks: [4], compression: 'gzip' });
  g.create_dataset({ name: 'indices', data: BigInt64Array.from(indices.map(BigInt)), shape: [indices.length] });
  g.create_dataset({ name: 'indptr', data: BigInt64Array.from(indptr.map(BigInt)), shape: [indptr.length] });
  g.create_dataset({ name: 'shape', data: Int32Array.from([counts[0].length, counts.length]), shape: [2] });
}

/** Cell Ranger v3+: /matrix with a features group, one feature an antibody. */
function writeTenxV3(path: string): void {
  const f = new h5wasm.File(path, 'w');
  f.create_attribute('filetype', 'matrix');
  const m = f.create_group('matrix');
  tenxMatrix(m, TENX_COUNTS);
  const feat = m.create_group('features');
  feat.create_dataset({ name: 'id', data: TENX_FEATURES.map((x) => x[0]), dtype: 'S15' });
  feat.create_dataset({ name: 'name', data: TENX_FEATURES.map((x) => x[1]), dtype: 'S13' });
  feat.create_dataset({ name: 'feature_type', data: TENX_FEATURES.map((x) => x[2]), dtype: 'S16' });
  feat.create_dataset({ name: 'genome', data: TENX_FEATURES.map(() => 'GRCh38'), dtype: 'S6' });
  f.close();
}

/** Cell Ranger v2: one /<genome> group with genes and gene_names, gene expression only. */
function writeTenxV2(path: string): void {
  const f = new h5wasm.File(path, 'w');
  const g = f.create_group('GRCh38');
  const genes = TENX_FEATURES.slice(0, 4);
  tenxMatrix(
    g,
    TENX_COUNTS.map((r) => r.slice(0, 4)),
  );
  g.create_dataset({ name: 'genes', data: genes.map((x) => x[0]), dtype: 'S15' });
  g.create_dataset({ name: 'gene_names', data: genes.map((x) => x[1]), dtype: 'S11' });
  f.close();
}

/** An h5ad with obs and var but no X, raw or layers. */
function writeNoX(path: string): void {
  const f = anndataFile(path);
  dataframe(f, 'obs', '_index', ['c1', 'c2', 'c3'], [], () => {});
  dataframe(f, 'var', '_index', ['CD3E', 'LYZ'], [], () => {});
  f.close();
}

/** An h5ad whose X is a 0 x 3 CSR matrix. */
function writeZeroCells(path: string): void {
  const f = anndataFile(path);
  sparse(f, 'X', [], 'csr', Float32Array, { nCols: 3 });
  dataframe(f, 'obs', '_index', [], [], () => {});
  dataframe(f, 'var', '_index', ['CD3E', 'LYZ', 'MS4A1'], [], () => {});
  f.close();
}

/** An h5ad whose obs index repeats a cell id (cells 1 and 3). */
function writeDuplicateIds(path: string): void {
  const f = anndataFile(path);
  array(
    f,
    'X',
    flat([
      [1, 0],
      [0, 2],
      [3, 1],
    ]),
    [3, 2],
  );
  dataframe(f, 'obs', '_index', ['AAACATACAACCAC-1', 'AAACATTGAGCTAC-1', 'AAACATACAACCAC-1'], [], () => {});
  dataframe(f, 'var', '_index', ['CD3E', 'LYZ'], [], () => {});
  f.close();
}

/** An h5ad whose X holds a NaN at cell 2, gene LYZ. */
function writeNan(path: string): void {
  const f = anndataFile(path);
  array(
    f,
    'X',
    flat([
      [1, 0],
      [0, NaN],
      [3, 1],
    ]),
    [3, 2],
  );
  dataframe(f, 'obs', '_index', ['c1', 'c2', 'c3'], [], () => {});
  dataframe(f, 'var', '_index', ['CD3E', 'LYZ'], [], () => {});
  f.close();
}

/** 2024-01-01T00:00:00Z: the modification time written into every fixture's objects. */
const FIXED_TIME_MS = Date.UTC(2024, 0, 1);

/** Writes the HDF5 fixtures into `outDir` (readable files) and `badDir` (one fault each); returns the paths written. */
export async function writeHdf5Fixtures(outDir = 'test/fixtures/hdf5', badDir = 'test/fixtures/bad'): Promise<string[]> {
  await h5wasm.ready;
  mkdirSync(outDir, { recursive: true });
  mkdirSync(badDir, { recursive: true });
  const writers: [string, (path: string) => void][] = [
    [join(outDir, 'dense.h5ad'), writeDense],
    [join(outDir, 'csc.h5ad'), writeCsc],
    [join(outDir, 'old_style.h5ad'), writeOldStyle],
    [join(outDir, 'layers_raw.h5ad'), writeLayersRaw],
    [join(outDir, 'small.loom'), writeLoom],
    [join(outDir, 'tenx_v3.h5'), writeTenxV3],
    [join(outDir, 'tenx_v2.h5'), writeTenxV2],
    [join(badDir, 'no-x.h5ad'), writeNoX],
    [join(badDir, 'zero-cells.h5ad'), writeZeroCells],
    [join(badDir, 'duplicate-ids.h5ad'), writeDuplicateIds],
    [join(badDir, 'nan.h5ad'), writeNan],
  ];
  // HDF5 stamps each object with the time it was made (h5wasm cannot turn that off), and emscripten
  // asks Date.now: pin it so that rerunning the script gives byte-identical files.
  const realNow = Date.now;
  Date.now = () => FIXED_TIME_MS;
  try {
    for (const [path, write] of writers) {
      // h5wasm's 'w' mode truncates, but a stale file from an older layout should not linger either.
      rmSync(path, { force: true });
      write(path);
    }
  } finally {
    Date.now = realNow;
  }
  const extra: [string, string | Uint8Array][] = [
    // A CSV that was renamed .h5ad.
    [join(badDir, 'not-hdf5.h5ad'), 'cell,CD3E,LYZ\nAAACATACAACCAC-1,1,0\n'],
    // A download cut short: the first 4 KB of a valid h5ad (signature intact, objects missing).
    [join(badDir, 'truncated.h5ad'), readFileSync(join(outDir, 'dense.h5ad')).subarray(0, 4096)],
    [join(badDir, 'empty.h5ad'), ''],
  ];
  for (const [path, content] of extra) writeFileSync(path, content);
  return [...writers.map(([p]) => p), ...extra.map(([p]) => p)];
}
