/**
 * AnnData `.h5ad` reader over an open h5wasm file (see hdf5.ts). Follows anndata's on-disk spec
 * (encoding-type attributes, anndata >= 0.8) and the older layouts still found in the wild
 * (anndata 0.7: `h5sparse_format`, `obs/__categories/<col>`, `raw.X`).
 */
import { categoricalFromStrings, type CategoricalColumn, type Dataset, type Embedding, type ObsColumn } from './dataset.ts';
import {
  attrString,
  attrStrings,
  attrNumbers,
  checkUniqueIds,
  geneIdsOrBlank,
  getDataset,
  getGroup,
  isBoolEnum,
  isDataset,
  isGroup,
  isNumeric,
  looksLikeEnsemblIds,
  looksScaled,
  readMatrix,
  asFloat32,
  readNumbers,
  readStrings,
  sampleForScaling,
  shapeOf,
  H5T,
  type H5Dataset,
  type H5Group,
  type Hdf5ReadOptions,
  type MatrixSource,
} from './hdf5.ts';
import { makeUnique, uniqueNamesNote } from './text_input.ts';

/** A matrix an h5ad file can hold: `X`, `raw/X`, or a layer such as `layers/counts`. */
export type H5adMatrix = 'X' | 'raw/X' | `layers/${string}`;

/** What an h5ad file offers, found without reading its matrices. */
export interface H5adContents {
  /** Readable matrices in offer order, e.g. ['X', 'raw/X', 'layers/counts']. */
  matrices: H5adMatrix[];
  /** What `readH5ad` reads when no matrix is asked for: raw/X when X is scaled and raw/X exists, else X. */
  defaultMatrix: H5adMatrix;
  /** X looks z-scored (sc.pp.scale: negative values, per-gene mean about 0), so it is not expression. */
  isXScaled: boolean;
  nCells: number;
  /** Genes per matrix: raw/X often keeps more genes than X. */
  nGenes: Record<string, number>;
  /** obs column names (cell metadata) in the file's order. */
  obsColumns: string[];
  /** obsm keys: ready-made embeddings such as X_umap, X_pca. */
  obsm: string[];
  /** Sentences about matrices left out because this page cannot read their encoding. */
  notes: string[];
}

/** Options for `readH5ad`. */
export interface H5adReadOptions extends Hdf5ReadOptions {
  /** Which matrix to read; default `H5adContents.defaultMatrix`. */
  matrix?: H5adMatrix;
}

/** A parsed h5ad: the dataset (`notes` says what was chosen or skipped), and what else the file offers. */
export interface H5adRead {
  dataset: Dataset;
  /** The matrix that was read. */
  matrix: H5adMatrix;
  available: H5adContents;
}

const OBS_NAMES_FIX = 'Make them unique (adata.obs_names_make_unique()) and save the file again.';

/** Where each offered matrix lives, and where its gene table is. */
interface Layout {
  matrices: Map<H5adMatrix, { path: string; varPath: string }>;
}

function layoutOf(file: H5Group): Layout {
  const keys = new Set(file.keys());
  const matrices = new Map<H5adMatrix, { path: string; varPath: string }>();
  if (keys.has('X')) matrices.set('X', { path: 'X', varPath: 'var' });
  const raw = getGroup(file, 'raw');
  if (raw && raw.keys().includes('X')) matrices.set('raw/X', { path: 'raw/X', varPath: 'raw/var' });
  else if (keys.has('raw.X')) matrices.set('raw/X', { path: 'raw.X', varPath: 'raw.var' }); // anndata < 0.7
  const layers = getGroup(file, 'layers');
  for (const k of layers?.keys() ?? []) matrices.set(`layers/${k}`, { path: `layers/${k}`, varPath: 'var' });
  return { matrices };
}

/** Describes the matrix at `path` (dense, CSR or CSC); throws a sentence for an unknown encoding. */
function matrixSource(file: H5Group, path: string, label: string, fileName: string): MatrixSource {
  const x = file.get(path);
  if (isDataset(x)) {
    const shape = shapeOf(x);
    if (shape.length !== 2 || !isNumeric(x)) {
      throw new Error(
        `In ${fileName}, ${label} is not a 2-D numeric matrix (shape [${shape.join(', ')}]); save the AnnData again with anndata.`,
      );
    }
    return { layout: 'dense', label, data: x, nRows: shape[0], nCols: shape[1], isTransposed: false };
  }
  if (isGroup(x)) {
    const enc = attrString(x, 'encoding-type') ?? attrString(x, 'h5sparse_format');
    const layout = enc === 'csr_matrix' || enc === 'csr' ? 'csr' : enc === 'csc_matrix' || enc === 'csc' ? 'csc' : undefined;
    const shape = attrNumbers(x, 'shape').length === 2 ? attrNumbers(x, 'shape') : attrNumbers(x, 'h5sparse_shape');
    const [data, indices, indptr] = ['data', 'indices', 'indptr'].map((k) => getDataset(x, k));
    if (layout && shape.length === 2 && data && indices && indptr) {
      return { layout, label, data, indices, indptr, nRows: shape[0], nCols: shape[1] };
    }
    throw new Error(
      `In ${fileName}, ${label} is stored as "${enc ?? 'an unknown group'}", which this page cannot read; store it as a dense array or a scipy CSR/CSC sparse matrix (adata.X = scipy.sparse.csr_matrix(adata.X)) and save again.`,
    );
  }
  throw new Error(`${fileName} has no ${label} matrix.`);
}

/** The cell (or gene) names of an anndata dataframe group: its `_index` column, else 0, 1, 2 ... */
function dataFrameIndex(g: H5Group | undefined, n: number): string[] {
  const name = g ? (attrString(g, '_index') ?? ['_index', 'index'].find((k) => g.keys().includes(k))) : undefined;
  const ds = g && name ? getDataset(g, name) : undefined;
  return ds ? readStrings(ds) : Array.from({ length: n }, (_, i) => String(i));
}

/** One dataframe column as read from the file, before obs/var decide how to use it. */
type RawColumn =
  | { kind: 'categorical'; categories: string[]; codes: Int32Array }
  | { kind: 'numeric'; values: Float32Array }
  | { kind: 'strings'; values: string[] }
  | { kind: 'skip'; why: string };

/** Category codes as int32, any negative code as -1 (missing); undefined when a code is out of range. */
function toCodes(ds: H5Dataset, nCategories: number): Int32Array | undefined {
  const raw = readNumbers(ds);
  const codes = new Int32Array(raw.length);
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c >= nCategories) return undefined;
    codes[i] = c < 0 ? -1 : c;
  }
  return codes;
}

/** Categorical from strings where `isMissing[i]` marks a missing value (code -1). */
function categoricalWithMissing(values: string[], isMissing: ArrayLike<number>): { categories: string[]; codes: Int32Array } {
  const present = values.filter((_, i) => !isMissing[i]);
  const { categories } = categoricalFromStrings(present);
  const index = new Map(categories.map((c, i) => [c, i]));
  const codes = Int32Array.from(values, (v, i) => (isMissing[i] ? -1 : index.get(v)!));
  return { categories, codes };
}

/** Reads column `key` of dataframe group `g` in any of anndata's encodings. */
function readColumn(g: H5Group, key: string): RawColumn {
  const x = g.get(key);
  if (isGroup(x)) {
    const enc = attrString(x, 'encoding-type');
    if (enc === 'categorical') {
      const cats = getDataset(x, 'categories');
      const codesDs = getDataset(x, 'codes');
      if (!cats || !codesDs) return { kind: 'skip', why: 'its categorical encoding lacks categories or codes' };
      const categories = readStrings(cats);
      const codes = toCodes(codesDs, categories.length);
      return codes ? { kind: 'categorical', categories, codes } : { kind: 'skip', why: 'it has codes beyond its categories' };
    }
    const values = getDataset(x, 'values');
    const mask = getDataset(x, 'mask');
    if (values && mask && (enc === 'nullable-integer' || enc === 'nullable-boolean' || enc === 'nullable-string-array')) {
      const isMissing = readNumbers(mask);
      if (enc === 'nullable-integer') {
        const v = asFloat32(readNumbers(values));
        for (let i = 0; i < v.length; i++) if (isMissing[i]) v[i] = NaN;
        return { kind: 'numeric', values: v };
      }
      if (enc === 'nullable-boolean') {
        const v = readNumbers(values);
        return { kind: 'categorical', categories: ['False', 'True'], codes: Int32Array.from(v, (b, i) => (isMissing[i] ? -1 : b ? 1 : 0)) };
      }
      return { kind: 'categorical', ...categoricalWithMissing(readStrings(values), isMissing) };
    }
    return { kind: 'skip', why: `its encoding "${enc ?? 'unknown'}" is not a table column Glasswing reads` };
  }
  if (!isDataset(x)) return { kind: 'skip', why: 'it is neither a dataset nor a group' };
  if (shapeOf(x).length !== 1) return { kind: 'skip', why: 'it is not one value per row' };
  // anndata 0.7: integer codes here, category names in __categories/<key>.
  const oldCats = getDataset(g, `__categories/${key}`);
  if (oldCats) {
    const categories = readStrings(oldCats);
    const codes = toCodes(x, categories.length);
    return codes ? { kind: 'categorical', categories, codes } : { kind: 'skip', why: 'it has codes beyond its categories' };
  }
  if (x.metadata.type === H5T.STRING) return { kind: 'strings', values: readStrings(x) };
  if (isBoolEnum(x))
    return { kind: 'categorical', categories: ['False', 'True'], codes: Int32Array.from(readNumbers(x), (b) => (b ? 1 : 0)) };
  if (isNumeric(x)) return { kind: 'numeric', values: asFloat32(readNumbers(x)) };
  return { kind: 'skip', why: 'its data type is neither text, number nor boolean' };
}

/** Column names of a dataframe group: its column-order attribute, else its members. */
function dataFrameColumns(g: H5Group): string[] {
  const members = g.keys();
  const index = attrString(g, '_index');
  const order = attrStrings(g, 'column-order').filter((k) => members.includes(k));
  return order.length > 0 ? order : members.filter((k) => k !== index && k !== '__categories' && !(index === undefined && k === 'index'));
}

/** A column's length in rows, whatever its encoding. */
function rawLength(c: RawColumn): number {
  if (c.kind === 'categorical') return c.codes.length;
  if (c.kind === 'skip') return -1;
  return c.values.length;
}

/**
 * Reads every column of an obs dataframe group (or loom's col_attrs) into obs columns `[nCells]`,
 * except those in `exclude`. Text columns become categorical unless almost every cell has its own
 * value (ids, barcodes): those are skipped with a note, as are columns of unknown encoding.
 */
export function readObs(
  g: H5Group,
  nCells: number,
  fileName: string,
  exclude: string[] = [],
): { obs: Record<string, ObsColumn>; notes: string[] } {
  const obs: Record<string, ObsColumn> = {};
  const notes: string[] = [];
  for (const key of dataFrameColumns(g).filter((k) => !exclude.includes(k))) {
    const c = readColumn(g, key);
    if (c.kind === 'skip' || rawLength(c) !== nCells) {
      notes.push(
        `The obs column "${key}" in ${fileName} was skipped: ${c.kind === 'skip' ? c.why : `it has ${rawLength(c)} values for ${nCells} cells`}.`,
      );
      continue;
    }
    if (c.kind === 'numeric') obs[key] = { type: 'numeric', values: c.values };
    else if (c.kind === 'categorical') obs[key] = { type: 'categorical', categories: c.categories, codes: c.codes };
    else {
      const col = categoricalFromStrings(c.values);
      if (col.categories.length > 1000 && col.categories.length > nCells / 2) {
        notes.push(
          `The obs column "${key}" in ${fileName} has a different value in almost every cell, so it is not offered for colouring.`,
        );
        continue;
      }
      obs[key] = col;
    }
  }
  return { obs, notes };
}

/** A dataframe column as one string per row (categorical columns decoded), or undefined. */
function columnStrings(g: H5Group, key: string, n: number): string[] | undefined {
  if (!g.keys().includes(key)) return undefined;
  const c = readColumn(g, key);
  if (c.kind === 'strings') return c.values.length === n ? c.values : undefined;
  if (c.kind === 'categorical' && c.codes.length === n) return Array.from(c.codes, (k) => (k < 0 ? '' : c.categories[k]));
  return undefined;
}

const SYMBOL_COLUMNS = ['feature_name', 'gene_symbols', 'gene_symbol', 'gene_name', 'gene_names', 'symbol', 'Symbol'];
const ID_COLUMNS = ['gene_ids', 'gene_id', 'feature_id', 'ensembl_id', 'gene_ensembl'];

/**
 * Gene symbols and ids from a var dataframe with `nGenes` rows. When the index holds Ensembl ids
 * and a symbol column exists (cellxgene's feature_name), symbols come from that column and ids
 * from the index; otherwise the index gives symbols and gene_ids (if any) the ids. Repeated
 * symbols are renamed NAME-1, NAME-2 (scanpy's var_names_make_unique), with a note.
 */
export function readVarGenes(
  g: H5Group | undefined,
  nGenes: number,
  fileName: string,
): { genes: string[]; geneIds?: string[]; notes: string[] } {
  const index = dataFrameIndex(g, nGenes);
  let symbols = index;
  let ids: string[] | undefined;
  if (g) {
    const symbolKey = SYMBOL_COLUMNS.find((k) => g.keys().includes(k));
    if (looksLikeEnsemblIds(index) && symbolKey) {
      symbols = columnStrings(g, symbolKey, nGenes) ?? index;
      ids = symbols === index ? undefined : index;
    } else {
      const idKey = ID_COLUMNS.find((k) => g.keys().includes(k));
      ids = idKey ? columnStrings(g, idKey, nGenes) : undefined;
    }
  }
  const unique = makeUnique(symbols);
  const note = uniqueNamesNote(unique.renamed, `gene names in ${fileName}`);
  return {
    genes: unique.names,
    ...(ids ? { geneIds: geneIdsOrBlank(ids, symbols) } : {}),
    notes: note ? [note] : [],
  };
}

/** Every 2-D numeric obsm entry with one row per cell, as float32 `[nCells * dim]`. */
function readObsm(file: H5Group, nCells: number, fileName: string): { obsm: Record<string, Embedding>; notes: string[] } {
  const obsm: Record<string, Embedding> = {};
  const notes: string[] = [];
  const g = getGroup(file, 'obsm');
  for (const key of g?.keys() ?? []) {
    const ds = getDataset(g!, key);
    const shape = ds ? shapeOf(ds) : [];
    if (!ds || !isNumeric(ds) || shape.length !== 2 || shape[0] !== nCells) {
      notes.push(`The embedding obsm["${key}"] in ${fileName} was skipped: it is not a numeric array with one row per cell.`);
      continue;
    }
    obsm[key] = { dim: shape[1], values: asFloat32(readNumbers(ds)) };
  }
  return { obsm, notes };
}

/** Attaches uns['<key>_colors'] to categorical obs columns whose category count matches. */
function attachColors(file: H5Group, obs: Record<string, ObsColumn>): void {
  const uns = getGroup(file, 'uns');
  if (!uns) return;
  const members = new Set(uns.keys());
  for (const [key, col] of Object.entries(obs)) {
    if (col.type !== 'categorical' || !members.has(`${key}_colors`)) continue;
    const ds = getDataset(uns, `${key}_colors`);
    if (!ds || ds.metadata.type !== H5T.STRING) continue;
    const colors = readStrings(ds);
    if (colors.length === col.categories.length) (col as CategoricalColumn).colors = colors;
  }
}

function checkAnnData(file: H5Group, fileName: string): void {
  const obs = file.get('obs');
  if (obs !== null && !isGroup(obs)) {
    throw new Error(
      `${fileName} was written by anndata older than 0.7 (obs is a single table), which this page cannot read; open it in Python and save it again (anndata.read_h5ad(path).write_h5ad(new_path)).`,
    );
  }
}

/**
 * Lists what an h5ad offers without reading its matrices: matrices, whether X is scaled (from
 * about 1 M values), shapes, obs columns and embeddings. Throws a sentence for a file without any
 * matrix or without cells.
 */
export function inspectH5ad(file: H5Group, fileName = 'this .h5ad file'): H5adContents {
  checkAnnData(file, fileName);
  const { matrices } = layoutOf(file);
  if (matrices.size === 0) {
    throw new Error(
      `${fileName} has no X matrix (no raw/X or layers either), so there is no expression to show; it may hold only metadata. Save the AnnData with its expression matrix (adata.X) and try again.`,
    );
  }
  const sources = new Map<H5adMatrix, MatrixSource>();
  const notes: string[] = [];
  for (const [name, where] of matrices) {
    try {
      sources.set(name, matrixSource(file, where.path, name, fileName));
    } catch (e) {
      // An odd layer (or raw) should not block the rest of the file; an unreadable X (or the only matrix) does.
      if (name === 'X' || matrices.size === 1) throw e;
      notes.push(`${(e as Error).message} Until then it is not offered.`);
      matrices.delete(name);
    }
  }
  const first = sources.values().next().value!;
  const nCells = first.nRows;
  if (nCells === 0) {
    throw new Error(
      `${fileName} has 0 cells (${first.label} is 0 x ${first.nCols}), so there is nothing to show. Check that the AnnData was not filtered to nothing before it was saved.`,
    );
  }
  for (const s of sources.values()) {
    if (s.nRows !== nCells) {
      throw new Error(
        `In ${fileName}, ${s.label} has ${s.nRows} cells but ${first.label} has ${nCells}; the file is damaged. Save it again with anndata.`,
      );
    }
  }
  const x = sources.get('X');
  const isXScaled = x !== undefined && looksScaled(sampleForScaling(x));
  const names = [...matrices.keys()];
  const defaultMatrix: H5adMatrix =
    isXScaled && matrices.has('raw/X')
      ? 'raw/X'
      : matrices.has('X')
        ? 'X'
        : matrices.has('raw/X')
          ? 'raw/X'
          : matrices.has('layers/counts')
            ? 'layers/counts'
            : names[0];
  const obsGroup = getGroup(file, 'obs');
  return {
    matrices: names,
    defaultMatrix,
    isXScaled,
    nCells,
    nGenes: Object.fromEntries([...sources].map(([k, s]) => [k, s.nCols])),
    obsColumns: obsGroup ? dataFrameColumns(obsGroup) : [],
    obsm: getGroup(file, 'obsm')?.keys() ?? [],
    notes,
  };
}

/**
 * Reads an open h5ad into a `Dataset`: the chosen matrix as CSR `[nCells, nGenes]` float32
 * (dense and CSC converted), cell ids from the obs index, genes from var (or raw/var), obs
 * columns, obsm embeddings and uns colours. `valueKind` is 'counts' when every value of the
 * matrix is a non-negative whole number. Errors are sentences naming the problem and the fix.
 */
export async function readH5ad(file: H5Group, opts: H5adReadOptions = {}): Promise<H5adRead> {
  const fileName = opts.fileName ?? opts.name ?? 'this .h5ad file';
  const available = inspectH5ad(file, fileName);
  const matrix = opts.matrix ?? available.defaultMatrix;
  const where = layoutOf(file).matrices.get(matrix);
  if (!where) {
    throw new Error(`${fileName} has no ${matrix} matrix; it offers ${available.matrices.join(', ')}. Choose one of those.`);
  }
  const src = matrixSource(file, where.path, matrix, fileName);
  const nCells = src.nRows;
  if (src.nCols === 0) {
    throw new Error(
      `${fileName} has 0 genes in ${matrix} (${nCells} x 0), so there is no expression to show; check that it was not filtered to nothing before it was saved.`,
    );
  }
  const obsGroup = getGroup(file, 'obs');
  const cellIds = dataFrameIndex(obsGroup, nCells);
  if (cellIds.length !== nCells) {
    throw new Error(
      `In ${fileName}, obs lists ${cellIds.length} cells but ${matrix} has ${nCells} rows; the file is damaged. Save it again with anndata.`,
    );
  }
  checkUniqueIds(cellIds, fileName, OBS_NAMES_FIX);
  const varInfo = readVarGenes(getGroup(file, where.varPath), src.nCols, fileName);
  if (varInfo.genes.length !== src.nCols) {
    throw new Error(
      `In ${fileName}, ${where.varPath} lists ${varInfo.genes.length} genes but ${matrix} has ${src.nCols} columns; the file is damaged. Save it again with anndata.`,
    );
  }
  const notes: string[] = [];
  if (available.isXScaled && matrix === 'raw/X' && opts.matrix === undefined) {
    notes.push(
      `X in ${fileName} is scaled (z-scored: negative values, each gene centred on 0), so raw/X was read instead: the expression scanpy keeps before scaling. Choose X to see the scaled values.`,
    );
  } else if (available.isXScaled && matrix === 'X') {
    notes.push(
      `X in ${fileName} is scaled (z-scored), not expression; models expect expression${available.matrices.includes('raw/X') ? ', so prefer raw/X' : ''}.`,
    );
  }
  const obsm = readObsm(file, nCells, fileName);
  const obs = obsGroup ? readObs(obsGroup, nCells, fileName) : { obs: {}, notes: [] };
  attachColors(file, obs.obs);
  let extraBytes = 0;
  for (const e of Object.values(obsm.obsm)) extraBytes += e.values.byteLength;
  for (const c of Object.values(obs.obs)) extraBytes += c.type === 'numeric' ? c.values.byteLength : c.codes.byteLength;
  const read = await readMatrix(src, {
    ...opts,
    fileName,
    extraBytes,
    describe: (r, c) => `cell "${cellIds[r]}" (row ${r + 1}), gene "${varInfo.genes[c]}" (column ${c + 1})`,
  });
  opts.onProgress?.(1);
  const dataset: Dataset = {
    name: opts.name ?? 'h5ad',
    matrix: read.matrix,
    valueKind: read.isCounts ? 'counts' : 'normalized',
    genes: varInfo.genes,
    ...(varInfo.geneIds ? { geneIds: varInfo.geneIds } : {}),
    cellIds,
    obs: obs.obs,
    obsm: obsm.obsm,
    notes: [...notes, ...available.notes, ...varInfo.notes, ...obs.notes, ...obsm.notes],
  };
  return { dataset, matrix, available };
}
