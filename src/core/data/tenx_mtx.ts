/**
 * 10x Genomics MatrixMarket folders (Cell Ranger's matrix.mtx + features.tsv/genes.tsv +
 * barcodes.tsv, each optionally gzipped) and the MTX + gene list + cell table layout of the
 * project's shared data (cells x genes). Matrix parsing is `parseMatrixMarket`'s; this file checks
 * that the three files agree and turns the side tables into names and obs columns.
 */
import type { CsrMatrix } from './csr.ts';
import { parseCsv } from './csv.ts';
import { checkUniqueCellIds, obsFromColumns } from './csv_reader.ts';
import type { Dataset } from './dataset.ts';
import { parseMatrixMarket, type MtxOrientation } from './mtx.ts';
import {
  baseName,
  checkpoint,
  decodeText,
  fmt,
  gunzipIfNeeded,
  inferValueKind,
  makeUnique,
  textLines,
  uniqueNamesNote,
  type ReadOptions,
} from './text_input.ts';

/** The three files of a 10x MatrixMarket folder. */
export type TenxRole = 'matrix' | 'features' | 'barcodes';

/** What `pickTenxFiles` found: the three names, or what is missing as a sentence. */
export type TenxPick =
  | { isComplete: true; matrix: string; features: string; barcodes: string; notes: string[] }
  | { isComplete: false; missing: TenxRole[]; found: Partial<Record<TenxRole, string>>; message: string };

const ROLE_PATTERNS: [TenxRole, RegExp][] = [
  ['matrix', /^(.*?)matrix\.mtx(\.gz)?$/i],
  ['features', /^(.*?)(features|genes)\.(tsv|txt)(\.gz)?$/i],
  ['barcodes', /^(.*?)barcodes\.(tsv|txt)(\.gz)?$/i],
];

const ROLE_LABELS: Record<TenxRole, string> = {
  matrix: 'matrix.mtx(.gz)',
  features: 'features.tsv(.gz) or genes.tsv',
  barcodes: 'barcodes.tsv(.gz)',
};

/**
 * Picks the matrix, features and barcodes files out of a folder's (or a multi-selection's) file
 * names, paths allowed. Files sharing a prefix ('GSM123_matrix.mtx.gz', 'GSM123_barcodes.tsv.gz')
 * in the same folder form a sample; features.tsv wins over genes.tsv. Several complete samples,
 * or a missing file, give `isComplete: false` and a sentence.
 */
export function pickTenxFiles(names: string[]): TenxPick {
  const groups = new Map<string, Partial<Record<TenxRole, string>>>();
  const byRole: Record<TenxRole, string[]> = { matrix: [], features: [], barcodes: [] };
  for (const path of names) {
    const base = baseName(path);
    const dir = path.slice(0, path.length - base.length);
    for (const [role, re] of ROLE_PATTERNS) {
      const m = re.exec(base);
      if (!m) continue;
      const key = `${dir}\u0000${m[1]}`;
      const g = groups.get(key) ?? {};
      // Cell Ranger 3+ writes features.tsv; keep it over an older genes.tsv in the same place.
      if (!(role === 'features' && g.features && /features/i.test(baseName(g.features)))) g[role] = path;
      groups.set(key, g);
      byRole[role].push(path);
      break;
    }
  }
  const complete = [...groups.values()].filter((g) => g.matrix && g.features && g.barcodes);
  if (complete.length === 1) {
    const g = complete[0];
    return { isComplete: true, matrix: g.matrix!, features: g.features!, barcodes: g.barcodes!, notes: [] };
  }
  if (complete.length > 1) {
    const list = complete.map((g) => baseName(g.matrix!)).join(', ');
    return {
      isComplete: false,
      missing: [],
      found: {},
      message: `The selection holds ${complete.length} 10x samples (${list}); open the three files of one sample at a time.`,
    };
  }
  // Prefixes that do not line up (GEO renames files freely): one file per role is still unambiguous.
  if (byRole.matrix.length === 1 && byRole.features.length === 1 && byRole.barcodes.length === 1) {
    return {
      isComplete: true,
      matrix: byRole.matrix[0],
      features: byRole.features[0],
      barcodes: byRole.barcodes[0],
      notes: ['The three files have different name prefixes; they were taken as one sample because each kind appears once.'],
    };
  }
  let best: Partial<Record<TenxRole, string>> = {};
  for (const g of groups.values()) if (Object.keys(g).length > Object.keys(best).length) best = g;
  const missing = (['matrix', 'features', 'barcodes'] as TenxRole[]).filter((r) => !best[r]);
  const found = Object.values(best).map((p) => baseName(p!));
  const message =
    found.length === 0
      ? `None of these files is part of a 10x folder: expected ${ROLE_LABELS.matrix}, ${ROLE_LABELS.features} and ${ROLE_LABELS.barcodes}. Choose the folder Cell Ranger wrote (filtered_feature_bc_matrix) or those three files.`
      : `Found ${found.join(' and ')} but no ${missing.map((r) => ROLE_LABELS[r]).join(' and no ')}; add the missing file from the same Cell Ranger folder.`;
  return { isComplete: false, missing, found: best, message };
}

/** Gene names from a features/genes table. */
interface GeneTable {
  genes: string[];
  /** Ensembl (or other) ids, '' where the file gives only a symbol. */
  geneIds: string[];
  /** Feature type per line (10x third column), '' when absent. */
  types: string[];
}

/**
 * Parses features.tsv (id, symbol, type), genes.tsv (id, symbol) or a one-name-per-line list.
 * A one-column Ensembl id becomes both the name and the id.
 */
function parseGeneTable(text: string, fileName: string): GeneTable {
  const lines = textLines(text);
  const genes: string[] = [];
  const geneIds: string[] = [];
  const types: string[] = [];
  lines.forEach((line, i) => {
    const parts = line.split('\t').map((s) => s.trim());
    if (parts[0] === '' && parts.length === 1) {
      throw new Error(`Line ${i + 1} of ${fileName} is blank, but each line must name the gene of one matrix row; remove the blank line.`);
    }
    if (parts.length === 1) {
      const isId = /^ENS[A-Z]*G\d{6,}(\.\d+)?$/.test(parts[0]);
      genes.push(parts[0]);
      geneIds.push(isId ? parts[0] : '');
      types.push('');
    } else {
      const [id, symbol, type = ''] = parts;
      genes.push(symbol === '' ? id : symbol);
      geneIds.push(id === symbol ? '' : id);
      types.push(type);
    }
  });
  return { genes, geneIds, types };
}

/** Rows, columns and entries from a MatrixMarket size line, or null (parseMatrixMarket then says what is wrong). */
function peekMtxSize(text: string): [number, number, number] | null {
  if (!/^%%MatrixMarket\s+matrix\s+coordinate/i.test(text)) return null;
  let pos = text.indexOf('\n') + 1;
  if (pos === 0) return null;
  while (pos < text.length) {
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end).trim();
    pos = end + 1;
    if (line === '' || line.startsWith('%')) continue;
    const size = line.split(/\s+/).map(Number);
    return size.length === 3 && size.every((v) => Number.isInteger(v) && v >= 0) ? [size[0], size[1], size[2]] : null;
  }
  return null;
}

/** Keeps the columns where `keep[j]` is 1, renumbering them in order. */
function selectColumns(m: CsrMatrix, keep: Uint8Array): CsrMatrix {
  const newIndex = new Int32Array(m.nCols).fill(-1);
  let nCols = 0;
  for (let j = 0; j < m.nCols; j++) if (keep[j]) newIndex[j] = nCols++;
  let nnz = 0;
  for (let k = 0; k < m.indices.length; k++) if (newIndex[m.indices[k]] >= 0) nnz++;
  const indptr = new Uint32Array(m.nRows + 1);
  const indices = nCols <= 0xffff ? new Uint16Array(nnz) : new Uint32Array(nnz);
  const data = new Float32Array(nnz);
  let at = 0;
  for (let r = 0; r < m.nRows; r++) {
    for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) {
      const j = newIndex[m.indices[k]];
      if (j < 0) continue;
      indices[at] = j;
      data[at++] = m.data[k];
    }
    indptr[r + 1] = at;
  }
  return { nRows: m.nRows, nCols, indptr, indices, data };
}

interface MatrixCheck {
  matrixName: string;
  cellsName: string;
  genesName: string;
  nCells: number;
  nGenes: number;
  /** The layout the format promises; the transpose is accepted with a note when only it fits. */
  expected: MtxOrientation;
}

/**
 * Decompresses, decodes and parses a matrix after checking its size line against the cell and gene
 * lists, so a mismatch is caught before the expensive parse. Returns a cells x genes CSR.
 */
async function readCheckedMatrix(bytes: Uint8Array, c: MatrixCheck, opts: ReadOptions, notes: string[]): Promise<CsrMatrix> {
  if (bytes.length === 0)
    throw new Error(`The file ${c.matrixName} is empty (0 bytes); re-download it or choose the matrix.mtx(.gz) file itself.`);
  const raw = await gunzipIfNeeded(bytes, c.matrixName, opts.gunzip);
  opts.onProgress?.(0.3);
  await checkpoint(opts.signal);
  if (raw.length === 0) throw new Error(`The file ${c.matrixName} is empty once decompressed; re-download it.`);
  const text = decodeText(raw, c.matrixName);
  const size = peekMtxSize(text);
  let orientation = c.expected;
  if (size) {
    const [fileRows, fileCols] = size;
    const flipped: MtxOrientation = c.expected === 'genes-x-cells' ? 'cells-x-genes' : 'genes-x-cells';
    const dims = (o: MtxOrientation) =>
      o === 'genes-x-cells' ? { cells: fileCols, genes: fileRows } : { cells: fileRows, genes: fileCols };
    const want = dims(c.expected);
    const alt = dims(flipped);
    if (want.cells === 0 || (alt.cells === 0 && alt.genes === c.nGenes)) {
      throw new Error(
        `The matrix file ${c.matrixName} holds 0 cells (its size line is "${fileRows} ${fileCols} ${size[2]}"), so there is nothing to show. Choose a matrix with cells, e.g. Cell Ranger's filtered_feature_bc_matrix.`,
      );
    }
    for (const [list, n] of [
      [c.cellsName, c.nCells],
      [c.genesName, c.nGenes],
    ] as const) {
      if (n === 0)
        throw new Error(
          `The file ${list} is empty (it lists nothing), but the matrix is ${fileRows} x ${fileCols}; re-download it or choose the right file.`,
        );
    }
    if (want.cells === c.nCells && want.genes === c.nGenes) {
      // The layout the format promises.
    } else if (alt.cells === c.nCells && alt.genes === c.nGenes && c.nCells !== c.nGenes) {
      orientation = flipped;
      notes.push(
        `${c.matrixName} is stored ${flipped === 'cells-x-genes' ? 'cells x genes' : 'genes x cells'}, the transpose of the usual layout; it was read that way because only that matches ${c.cellsName} and ${c.genesName}.`,
      );
    } else {
      const problems: string[] = [];
      if (want.cells !== c.nCells) problems.push(`the matrix has ${fmt(want.cells)} cells but ${c.cellsName} lists ${fmt(c.nCells)}`);
      if (want.genes !== c.nGenes) problems.push(`the matrix has ${fmt(want.genes)} genes but ${c.genesName} lists ${fmt(c.nGenes)}`);
      const text0 = problems.join(', and ');
      throw new Error(
        `${text0[0].toUpperCase()}${text0.slice(1)}. The files must come from the same run (the same folder); pick the matching ${c.cellsName} and ${c.genesName}, or re-download them.`,
      );
    }
  }
  opts.onProgress?.(0.4);
  await checkpoint(opts.signal);
  const matrix = parseMatrixMarket(text, orientation);
  opts.onProgress?.(0.95);
  return matrix;
}

/** Options of `readTenxMtx`; `fileNames` are used in messages (defaults: matrix.mtx, features.tsv, barcodes.tsv). */
export interface TenxReadOptions extends ReadOptions {
  fileNames?: Partial<Record<TenxRole, string>>;
  /** Keep Antibody Capture / CRISPR features beside Gene Expression; default false (they are dropped, with a note). */
  isAllFeatureTypes?: boolean;
}

/**
 * Reads a Cell Ranger MatrixMarket folder: `matrix` genes x cells (a cells x genes file is accepted
 * with a note when only that fits), `features` (id, symbol, type) or `genes` (id, symbol),
 * `barcodes`; each plain or gzipped (magic bytes). Returns `[nCells, nGenes]` CSR with symbols in
 * `genes` (repeats made unique, scanpy-style, with a note) and ids in `geneIds`. Non-"Gene
 * Expression" features are dropped unless `isAllFeatureTypes`. Errors are sentences.
 */
export async function readTenxMtx(
  files: { matrix: Uint8Array; features: Uint8Array; barcodes: Uint8Array },
  opts: TenxReadOptions = {},
): Promise<Dataset> {
  const names = { matrix: 'matrix.mtx', features: 'features.tsv', barcodes: 'barcodes.tsv', ...opts.fileNames };
  const notes: string[] = [];
  const featureText = decodeText(await gunzipIfNeeded(files.features, names.features, opts.gunzip), names.features);
  const table = parseGeneTable(featureText, names.features);
  const barcodeLines = textLines(decodeText(await gunzipIfNeeded(files.barcodes, names.barcodes, opts.gunzip), names.barcodes));
  const cellIds = barcodeLines.map((l) => l.split('\t')[0].trim());
  // Cheap checks on the side tables go before the expensive matrix parse.
  checkUniqueCellIds(cellIds, names.barcodes, (i) => `lines ${i + 1}`);
  opts.onProgress?.(0.05);
  await checkpoint(opts.signal);
  let matrix = await readCheckedMatrix(
    files.matrix,
    {
      matrixName: names.matrix,
      cellsName: names.barcodes,
      genesName: names.features,
      nCells: cellIds.length,
      nGenes: table.genes.length,
      expected: 'genes-x-cells',
    },
    opts,
    notes,
  );
  let { genes, geneIds } = table;
  const isExpression = table.types.map((t) => t === '' || t === 'Gene Expression');
  if (!opts.isAllFeatureTypes && isExpression.some((x) => !x) && isExpression.some((x) => x)) {
    const dropped = new Map<string, number>();
    table.types.forEach((t, j) => {
      if (!isExpression[j]) dropped.set(t, (dropped.get(t) ?? 0) + 1);
    });
    matrix = selectColumns(matrix, Uint8Array.from(isExpression, Number));
    genes = genes.filter((_, j) => isExpression[j]);
    geneIds = geneIds.filter((_, j) => isExpression[j]);
    notes.push(
      `Kept the ${fmt(genes.length)} Gene Expression features; dropped ${[...dropped].map(([t, n]) => `${fmt(n)} ${t}`).join(', ')} (not genes a model reads).`,
    );
  }
  const unique = makeUnique(genes);
  const note = uniqueNamesNote(unique.renamed, 'gene symbols');
  if (note) notes.push(note);
  opts.onProgress?.(1);
  return {
    name: opts.name ?? baseName(names.matrix),
    matrix,
    valueKind: inferValueKind(matrix.data),
    genes: unique.names,
    geneIds,
    cellIds,
    obs: {},
    obsm: {},
    notes,
  };
}

/** Names of a one-column id list's header line, which is skipped; any other first line is an id. */
const ID_HEADER_RE = /^(barcodes?|cells?|cell_?ids?|obs_names|index|)$/i;

/**
 * Reads a MatrixMarket matrix with a gene list and a cell table, the shared data's layout:
 * `matrix` cells x genes by default (`opts.orientation`; the transpose is accepted with a note when
 * only it fits), `genes` one name per line (or id<TAB>symbol), `cells` a CSV whose first column is
 * the cell id and whose other columns become obs (NAME_1, NAME_2 numeric runs become obsm X_name).
 * Returns `[nCells, nGenes]` CSR. Errors are sentences.
 */
export async function readMtxWithTables(
  files: { matrix: Uint8Array; genes: Uint8Array; cells: Uint8Array },
  opts: ReadOptions & { orientation?: MtxOrientation; fileNames?: { matrix?: string; genes?: string; cells?: string } } = {},
): Promise<Dataset> {
  const names = { matrix: 'matrix.mtx', genes: 'genes.txt', cells: 'cells.csv', ...opts.fileNames };
  const notes: string[] = [];
  const table = parseGeneTable(decodeText(await gunzipIfNeeded(files.genes, names.genes, opts.gunzip), names.genes), names.genes);
  const cellsText = decodeText(await gunzipIfNeeded(files.cells, names.cells, opts.gunzip), names.cells);
  const csv = parseCsv(cellsText);
  let header = csv.header;
  let rows = csv.rows;
  if (header.length === 1 && !ID_HEADER_RE.test(header[0].trim())) {
    // A bare list of ids: its first line is a cell, not a header.
    rows = [header, ...rows];
    header = ['barcode'];
  }
  const cellIds = rows.map((r) => (r[0] ?? '').trim());
  const lineOffset = header === csv.header ? 2 : 1;
  checkUniqueCellIds(cellIds, names.cells, (i) => `lines ${i + lineOffset}`);
  rows.forEach((r, i) => {
    if (r.length !== header.length) {
      throw new Error(
        `Line ${i + lineOffset} of ${names.cells} has ${r.length} fields but its header has ${header.length}; every line needs one value per column.`,
      );
    }
  });
  opts.onProgress?.(0.05);
  await checkpoint(opts.signal);
  const matrix = await readCheckedMatrix(
    files.matrix,
    {
      matrixName: names.matrix,
      cellsName: names.cells,
      genesName: names.genes,
      nCells: cellIds.length,
      nGenes: table.genes.length,
      expected: opts.orientation ?? 'cells-x-genes',
    },
    opts,
    notes,
  );
  const metaNames = header.slice(1);
  const { obs, obsm } = obsFromColumns(
    metaNames,
    metaNames.map((_, c) => rows.map((r) => r[c + 1])),
    cellIds.length,
  );
  const unique = makeUnique(table.genes);
  const note = uniqueNamesNote(unique.renamed, 'gene names');
  if (note) notes.push(note);
  const hasIds = table.geneIds.some((id) => id !== '');
  opts.onProgress?.(1);
  return {
    name: opts.name ?? baseName(names.matrix),
    matrix,
    valueKind: inferValueKind(matrix.data),
    genes: unique.names,
    ...(hasIds ? { geneIds: table.geneIds } : {}),
    cellIds,
    obs,
    obsm,
    notes,
  };
}
