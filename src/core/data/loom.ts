/**
 * Loom reader over an open h5wasm file (see hdf5.ts). A loom file stores `/matrix` dense as
 * genes x cells, gene attributes in `/row_attrs`, cell attributes in `/col_attrs` and extra
 * matrices of the same shape in `/layers` (loompy and anndata's write_loom both follow this).
 */
import type { Dataset, Embedding } from './dataset.ts';
import { readObs } from './h5ad.ts';
import {
  checkUniqueIds,
  geneIdsOrBlank,
  getDataset,
  getGroup,
  isNumeric,
  readMatrix,
  asFloat32,
  readNumbers,
  readStrings,
  shapeOf,
  type H5Group,
  type Hdf5ReadOptions,
} from './hdf5.ts';
import { makeUnique, uniqueNamesNote } from './text_input.ts';

/** A matrix a loom file can hold: the main one, or a layer such as `layers/spliced`. */
export type LoomMatrix = 'matrix' | `layers/${string}`;

/** Options for `readLoom`. */
export interface LoomReadOptions extends Hdf5ReadOptions {
  /** Which matrix to read; default 'matrix'. */
  matrix?: LoomMatrix;
}

/** A parsed loom file and the matrices it offers. */
export interface LoomRead {
  dataset: Dataset;
  matrix: LoomMatrix;
  available: { matrices: LoomMatrix[] };
}

// Attribute names loompy, velocyto and anndata's write_loom use, in order of preference.
const CELL_ID_KEYS = ['CellID', 'obs_names', 'cell_id', 'CellIDs', 'Barcode', 'barcode'];
const SYMBOL_KEYS = ['Gene', 'var_names', 'gene_symbols', 'gene_name', 'Symbol', 'Name'];
const GENE_ID_KEYS = ['Accession', 'gene_ids', 'gene_id', 'Ensembl', 'ENSEMBL'];

/** The first of `keys` that is a 1-D dataset of `n` values in `g`, as strings. */
function firstStrings(g: H5Group | undefined, keys: string[], n: number): { key: string; values: string[] } | undefined {
  if (!g) return undefined;
  const members = new Set(g.keys());
  for (const key of keys) {
    const ds = members.has(key) ? getDataset(g, key) : undefined;
    if (ds && shapeOf(ds).length === 1 && shapeOf(ds)[0] === n) return { key, values: readStrings(ds) };
  }
  return undefined;
}

/**
 * Reads an open loom file into a `Dataset`: the matrix as CSR `[nCells, nGenes]` float32, cell
 * ids from col_attrs/CellID (or obs_names), genes from row_attrs/Gene (or var_names) with ids
 * from Accession, other 1-D col_attrs as obs columns and 2-D ones `[nCells, d]` as embeddings.
 */
export async function readLoom(file: H5Group, opts: LoomReadOptions = {}): Promise<LoomRead> {
  const fileName = opts.fileName ?? opts.name ?? 'this .loom file';
  const main = getDataset(file, 'matrix');
  if (!main || shapeOf(main).length !== 2) {
    throw new Error(
      `${fileName} has no /matrix (genes x cells), so it is not a loom file this page can read; save it again with loompy or anndata's write_loom.`,
    );
  }
  const [nGenes, nCells] = shapeOf(main);
  const layers = getGroup(file, 'layers');
  const matrices: LoomMatrix[] = [
    'matrix',
    ...(layers?.keys() ?? []).filter((k) => getDataset(layers!, k)).map((k): LoomMatrix => `layers/${k}`),
  ];
  const matrix = opts.matrix ?? 'matrix';
  const data = matrices.includes(matrix) ? getDataset(file, matrix) : undefined;
  if (!data) throw new Error(`${fileName} has no ${matrix} matrix; it offers ${matrices.join(', ')}. Choose one of those.`);
  if (shapeOf(data).join() !== shapeOf(main).join() || !isNumeric(data)) {
    throw new Error(
      `In ${fileName}, ${matrix} is not a numeric ${nGenes} x ${nCells} matrix like /matrix; the file is damaged. Save it again.`,
    );
  }
  if (nCells === 0) {
    throw new Error(
      `${fileName} has 0 cells (/matrix is ${nGenes} x 0), so there is nothing to show. Check that it was not filtered to nothing before it was saved.`,
    );
  }
  const rowAttrs = getGroup(file, 'row_attrs');
  const colAttrs = getGroup(file, 'col_attrs');
  const ids = firstStrings(colAttrs, CELL_ID_KEYS, nCells);
  const cellIds = ids?.values ?? Array.from({ length: nCells }, (_, i) => String(i));
  checkUniqueIds(cellIds, fileName, `Make col_attrs/${ids?.key ?? 'CellID'} unique and save the file again.`);
  const symbols = firstStrings(rowAttrs, SYMBOL_KEYS, nGenes);
  const geneIdAttr = firstStrings(rowAttrs, GENE_ID_KEYS, nGenes);
  const names = symbols?.values ?? geneIdAttr?.values ?? Array.from({ length: nGenes }, (_, j) => String(j));
  const unique = makeUnique(names);
  const notes: string[] = [];
  const renamedNote = uniqueNamesNote(unique.renamed, `gene names in ${fileName}`);
  if (renamedNote) notes.push(renamedNote);

  const obsm: Record<string, Embedding> = {};
  const exclude = ids ? [ids.key] : [];
  for (const key of colAttrs?.keys() ?? []) {
    const ds = getDataset(colAttrs!, key);
    const shape = ds ? shapeOf(ds) : [];
    if (ds && shape.length === 2 && shape[0] === nCells && isNumeric(ds)) {
      obsm[key] = { dim: shape[1], values: asFloat32(readNumbers(ds)) };
      exclude.push(key);
    }
  }
  const obs = colAttrs ? readObs(colAttrs, nCells, fileName, exclude) : { obs: {}, notes: [] };
  const read = await readMatrix(
    { layout: 'dense', label: matrix === 'matrix' ? '/matrix' : matrix, data, nRows: nCells, nCols: nGenes, isTransposed: true },
    {
      ...opts,
      fileName,
      describe: (r, c) => `cell "${cellIds[r]}" (column ${r + 1}), gene "${names[c]}" (row ${c + 1})`,
    },
  );
  opts.onProgress?.(1);
  const dataset: Dataset = {
    name: opts.name ?? 'loom',
    matrix: read.matrix,
    valueKind: read.isCounts ? 'counts' : 'normalized',
    genes: unique.names,
    ...(geneIdAttr && symbols ? { geneIds: geneIdsOrBlank(geneIdAttr.values, symbols.values) } : {}),
    cellIds,
    obs: obs.obs,
    obsm,
    notes: [...notes, ...obs.notes],
  };
  return { dataset, matrix, available: { matrices } };
}
