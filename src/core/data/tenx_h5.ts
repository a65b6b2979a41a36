/**
 * Cell Ranger `.h5` reader (filtered_feature_bc_matrix.h5) over an open h5wasm file (see
 * hdf5.ts). Cell Ranger stores a genes x cells CSC matrix: its column pointers run over cells
 * and its row indices are genes, which is exactly a cells x genes CSR, so no transpose is needed.
 * - v3+: /matrix/{data, indices, indptr, shape, barcodes, features/{id, name, feature_type}}
 * - v2:  /<genome>/{data, indices, indptr, shape, barcodes, genes, gene_names}
 */
import type { Dataset } from './dataset.ts';
import {
  checkUniqueIds,
  geneIdsOrBlank,
  getDataset,
  getGroup,
  readMatrix,
  readNumbers,
  readStrings,
  type H5Dataset,
  type H5Group,
  type Hdf5ReadOptions,
} from './hdf5.ts';
import { makeUnique, uniqueNamesNote } from './text_input.ts';

const GENE_EXPRESSION = 'Gene Expression';

/** The matrix group and its gene table, whichever Cell Ranger version wrote the file. */
interface TenxLayout {
  group: H5Group;
  groupName: string;
  ids: H5Dataset | undefined;
  names: H5Dataset | undefined;
  featureTypes: H5Dataset | undefined;
  /** Other genome groups of a v2 multi-genome file, not read. */
  otherGenomes: string[];
}

function layoutOf(file: H5Group, fileName: string): TenxLayout {
  const v3 = getGroup(file, 'matrix');
  if (v3) {
    return {
      group: v3,
      groupName: 'matrix',
      ids: getDataset(v3, 'features/id'),
      names: getDataset(v3, 'features/name'),
      featureTypes: getDataset(v3, 'features/feature_type'),
      otherGenomes: [],
    };
  }
  const genomes = file.keys().filter((k) => {
    const g = getGroup(file, k);
    return g !== undefined && g.keys().includes('barcodes') && g.keys().includes('indptr');
  });
  if (genomes.length === 0) {
    throw new Error(
      `${fileName} is not a Cell Ranger .h5 matrix (it has neither /matrix nor a genome group with barcodes); choose filtered_feature_bc_matrix.h5 from the Cell Ranger output.`,
    );
  }
  const group = getGroup(file, genomes[0])!;
  return {
    group,
    groupName: genomes[0],
    ids: getDataset(group, 'genes'),
    names: getDataset(group, 'gene_names'),
    featureTypes: undefined,
    otherGenomes: genomes.slice(1),
  };
}

/**
 * Reads an open Cell Ranger .h5 into a `Dataset` of counts: CSR `[nCells, nGenes]` float32,
 * barcodes as cell ids, feature names as genes (repeats renamed NAME-1 as scanpy does) and
 * feature ids as `geneIds`. Only 'Gene Expression' features are kept when a file also holds
 * antibody, CRISPR or peak features; `notes` says what was dropped.
 */
export async function readTenxH5(file: H5Group, opts: Hdf5ReadOptions = {}): Promise<Dataset> {
  const fileName = opts.fileName ?? opts.name ?? 'this Cell Ranger .h5 file';
  const t = layoutOf(file, fileName);
  const need = (k: string) => {
    const ds = getDataset(t.group, k);
    if (!ds) throw new Error(`In ${fileName}, /${t.groupName} lacks "${k}", so it is not a complete Cell Ranger matrix; export it again.`);
    return ds;
  };
  const [nFeatures, nCells] = Array.from(readNumbers(need('shape')));
  const barcodes = readStrings(need('barcodes'));
  if (nCells === 0)
    throw new Error(`${fileName} has 0 cells (barcodes), so there is nothing to show; check that Cell Ranger found cells in this sample.`);
  if (barcodes.length !== nCells) {
    throw new Error(
      `In ${fileName}, the matrix has ${nCells} cells but ${barcodes.length} barcodes; the file is damaged. Export it again.`,
    );
  }
  checkUniqueIds(barcodes, fileName, 'Cell Ranger writes unique barcodes, so the file was edited or damaged; export it again.');
  const ids = t.ids ? readStrings(t.ids) : undefined;
  const names = t.names ? readStrings(t.names) : ids;
  if (!names || names.length !== nFeatures || (ids && ids.length !== nFeatures)) {
    throw new Error(
      `In ${fileName}, the matrix has ${nFeatures} features but its feature table lists a different number; the file is damaged. Export it again.`,
    );
  }
  const notes: string[] = [];
  let keep: number[] = names.map((_, j) => j);
  let columnMap: { map: Int32Array; nOut: number } | undefined;
  if (t.featureTypes) {
    const types = readStrings(t.featureTypes);
    const gex = keep.filter((j) => types[j] === GENE_EXPRESSION);
    if (gex.length > 0 && gex.length < nFeatures) {
      const dropped = new Map<string, number>();
      types.forEach((ty) => ty !== GENE_EXPRESSION && dropped.set(ty, (dropped.get(ty) ?? 0) + 1));
      const what = [...dropped].map(([ty, n]) => `${n} ${ty}`).join(', ');
      notes.push(`${fileName} also holds ${what} features; only its ${gex.length} Gene Expression features were read.`);
      const map = new Int32Array(nFeatures).fill(-1);
      gex.forEach((j, out) => (map[j] = out));
      columnMap = { map, nOut: gex.length };
      keep = gex;
    }
  }
  if (t.otherGenomes.length > 0) {
    notes.push(`${fileName} holds several genomes; only ${t.groupName} was read (not ${t.otherGenomes.join(', ')}).`);
  }
  const symbols = keep.map((j) => names[j]);
  const unique = makeUnique(symbols);
  const renamedNote = uniqueNamesNote(unique.renamed, `gene names in ${fileName}`);
  if (renamedNote) notes.push(renamedNote);
  const read = await readMatrix(
    {
      layout: 'csr',
      label: `/${t.groupName}`,
      indptr: need('indptr'),
      indices: need('indices'),
      data: need('data'),
      nRows: nCells,
      nCols: nFeatures,
      ...(columnMap ? { columnMap } : {}),
    },
    {
      ...opts,
      fileName,
      describe: (r, c) => `barcode "${barcodes[r]}", gene "${symbols[c] ?? c}"`,
    },
  );
  opts.onProgress?.(1);
  return {
    name: opts.name ?? '10x h5',
    matrix: read.matrix,
    valueKind: read.isCounts ? 'counts' : 'normalized',
    genes: unique.names,
    ...(ids
      ? {
          geneIds: geneIdsOrBlank(
            keep.map((j) => ids[j]),
            symbols,
          ),
        }
      : {}),
    cellIds: barcodes,
    obs: {},
    obsm: {},
    notes,
  };
}
