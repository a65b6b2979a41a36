/**
 * Dense expression tables (CSV/TSV, optionally gzipped) and per-cell metadata tables.
 * The matrix is read line by line straight into CSR (zeros skipped), so a large dense file never
 * needs a dense copy or one giant string.
 */
import type { CsrMatrix } from './csr.ts';
import { parseCsv } from './csv.ts';
import { categoricalFromStrings, type Dataset, type Embedding, type ObsColumn } from './dataset.ts';
import type { MtxOrientation } from './mtx.ts';
import {
  baseName,
  checkpoint,
  decodeText,
  fmt,
  gunzipIfNeeded,
  inferValueKind,
  makeUnique,
  uniqueNamesNote,
  type ReadOptions,
} from './text_input.ts';

/** A guess at which way a table runs, with how sure it is (0 = coin toss, 1 = certain). */
export interface OrientationGuess {
  /** 'cells-x-genes': one line per cell, genes along the header; 'genes-x-cells': the transpose. */
  orientation: MtxOrientation;
  confidence: number;
  /** One sentence saying what the guess rests on, for the UI's question. */
  reason: string;
}

/** Below this confidence the UI should ask the user which way the table runs. */
export const ORIENTATION_CONFIDENT = 0.5;

const ENSEMBL_RE = /^ENS[A-Z]*G\d{6,}(\.\d+)?$/;
const SYMBOL_RE = /^[A-Za-z][A-Za-z0-9]*([-.:_/][A-Za-z0-9]+)*$/;
const NUCLEOTIDES_RE = /[ACGTN]{10,}/;
const CELL_WORD_RE = /cell|barcode|^bc[-_]?\d|^[SDE]RR\d{5,}$|^\d+$/i;

/** True for names that look like cell ids: 10x barcodes, 'cell_12', SRR runs, bare numbers. */
export function looksLikeCellId(name: string): boolean {
  return NUCLEOTIDES_RE.test(name) || CELL_WORD_RE.test(name);
}

/** True for names that look like genes: Ensembl ids, or symbol-shaped names that are not cell ids. */
export function looksLikeGene(name: string): boolean {
  if (ENSEMBL_RE.test(name)) return true;
  return name.length <= 24 && SYMBOL_RE.test(name) && !looksLikeCellId(name);
}

/** Up to `n` evenly spaced items of `xs`. */
function sample<T>(xs: T[], n: number): T[] {
  if (xs.length <= n) return xs;
  return Array.from({ length: n }, (_, i) => xs[Math.floor((i * xs.length) / n)]);
}

function fraction(names: string[], test: (s: string) => boolean): number {
  if (names.length === 0) return 0;
  let k = 0;
  for (const s of names) if (test(s)) k++;
  return k / names.length;
}

/**
 * Guesses which way a table runs from its header names (`columnNames`, corner excluded) and its
 * first-column names (`rowNames`, a sample is enough) by how gene-like / cell-like each side is.
 * `isKnownGene` (e.g. membership in the model's genes or the GENCODE table) weighs double.
 * `nRows`/`nColumns` (the full shape) break a tie, weakly: the longer side is taken as genes.
 */
export function guessOrientation(
  rowNames: string[],
  columnNames: string[],
  opts: { isKnownGene?: (name: string) => boolean; nRows?: number; nColumns?: number } = {},
): OrientationGuess {
  const rows = sample(rowNames, 2000);
  const cols = sample(columnNames, 2000);
  let evidence =
    fraction(cols, looksLikeGene) - fraction(rows, looksLikeGene) + fraction(rows, looksLikeCellId) - fraction(cols, looksLikeCellId);
  let scale = 2;
  if (opts.isKnownGene) {
    evidence += 2 * (fraction(cols, opts.isKnownGene) - fraction(rows, opts.isKnownGene));
    scale += 2;
  }
  const e = evidence / scale;
  if (Math.abs(e) >= 0.1) {
    const isGenesAlongColumns = e > 0;
    const genes = isGenesAlongColumns ? cols : rows;
    const cells = isGenesAlongColumns ? rows : cols;
    return {
      orientation: isGenesAlongColumns ? 'cells-x-genes' : 'genes-x-cells',
      confidence: Math.min(1, Math.abs(e)),
      reason: `The ${isGenesAlongColumns ? 'header' : 'first column'} holds gene-like names (e.g. ${genes.slice(0, 3).join(', ')}) and the ${
        isGenesAlongColumns ? 'first column' : 'header'
      } cell-like ones (e.g. ${cells.slice(0, 2).join(', ')}).`,
    };
  }
  const nRows = opts.nRows ?? rowNames.length;
  const nColumns = opts.nColumns ?? columnNames.length;
  return {
    orientation: nColumns >= nRows ? 'cells-x-genes' : 'genes-x-cells',
    confidence: 0.2,
    reason: `The names do not tell genes from cells, so the longer side (${fmt(Math.max(nRows, nColumns))} ${
      nColumns >= nRows ? 'columns' : 'lines'
    }) is taken as genes; please check.`,
  };
}

/**
 * Splits one line on `sep`, honouring RFC 4180 quotes within the line ("a, b", "" escapes).
 * Returns null for an unclosed quote. Names and values are trimmed.
 */
export function splitLine(line: string, sep: string): string[] | null {
  const out: string[] = [];
  let pos = 0;
  for (;;) {
    while (line[pos] === ' ' && sep !== ' ') pos++;
    if (line[pos] === '"') {
      let field = '';
      let i = pos + 1;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) return null;
        field += line.slice(i, q);
        if (line[q + 1] === '"') {
          field += '"';
          i = q + 2;
        } else {
          i = q + 1;
          break;
        }
      }
      out.push(field);
      const next = line.indexOf(sep, i);
      if (next < 0) return out;
      pos = next + 1;
    } else {
      const next = line.indexOf(sep, pos);
      if (next < 0) {
        out.push(line.slice(pos).trim());
        return out;
      }
      out.push(line.slice(pos, next).trim());
      pos = next + 1;
    }
  }
}

/** Delimiter of a table from its first line: tab, then comma, then semicolon. */
function delimiterOf(firstLine: string): string {
  if (firstLine.includes('\t')) return '\t';
  if (firstLine.includes(',')) return ',';
  if (firstLine.includes(';')) return ';';
  return ',';
}

const CHUNK_BYTES = 8 << 20;

/**
 * Calls `onLine(line, lineNo)` for each non-blank line of UTF-8 `bytes` (lineNo 1-based, counting
 * blank lines), decoding about 8 MB at a time so no single string holds the file. Between chunks
 * it reports progress and honours cancel. `onLine` returns false to stop early.
 */
async function forEachLine(
  bytes: Uint8Array,
  onLine: (line: string, lineNo: number) => boolean | void,
  opts: ReadOptions & { fileName: string },
): Promise<void> {
  let pos = 0;
  let lineNo = 0;
  while (pos < bytes.length) {
    let cut = Math.min(pos + CHUNK_BYTES, bytes.length);
    if (cut < bytes.length) {
      // Cut after a newline byte, which never falls inside a UTF-8 sequence.
      let back = cut;
      while (back > pos && bytes[back - 1] !== 0x0a) back--;
      if (back > pos) cut = back;
      else {
        while (cut < bytes.length && bytes[cut - 1] !== 0x0a) cut++;
      }
    }
    const text = decodeText(bytes.subarray(pos, cut), opts.fileName);
    const lines = text.split('\n');
    if (cut < bytes.length || lines[lines.length - 1] === '') lines.pop();
    for (let line of lines) {
      lineNo++;
      if (line.endsWith('\r')) line = line.slice(0, -1);
      if (line.trim() === '') continue;
      if (onLine(line, lineNo) === false) return;
    }
    pos = cut;
    opts.onProgress?.(pos / bytes.length);
    await checkpoint(opts.signal);
  }
}

/** The header and first-column names of a table, read without parsing its values. */
interface TableOutline {
  sep: string;
  header: string[];
  /** Whether the header starts with a corner cell above the row names. */
  hasCorner: boolean;
  /** Names from the first column, of the first `maxRows` data lines. */
  rowNames: string[];
  /** Data lines in the file (all of them, counted by newlines). */
  nDataLines: number;
}

async function outline(bytes: Uint8Array, fileName: string, maxRows: number): Promise<TableOutline> {
  let header: string[] | null = null;
  let sep = ',';
  let hasCorner = true;
  const rowNames: string[] = [];
  await forEachLine(
    bytes,
    (line, lineNo) => {
      if (header === null) {
        sep = delimiterOf(line);
        header = splitLine(line, sep);
        if (header === null) throw new Error(`Line ${lineNo} of ${fileName} has a quote (") that is never closed; fix the header line.`);
        return;
      }
      const fields = splitLine(line, sep);
      if (fields === null) throw new Error(`Line ${lineNo} of ${fileName} has a quote (") that is never closed.`);
      if (rowNames.length === 0) hasCorner = header.length !== fields.length - 1;
      rowNames.push(fields[0]);
      return rowNames.length < maxRows;
    },
    { fileName },
  );
  if (header === null) throw new Error(`The file ${fileName} is empty; choose the expression table itself.`);
  let nLines = 0;
  let lastWasNewline = true;
  for (let i = 0; i < bytes.length; i++) {
    if (bytes[i] === 0x0a) {
      if (!lastWasNewline) nLines++;
      lastWasNewline = true;
    } else if (bytes[i] !== 0x0d) lastWasNewline = false;
  }
  if (!lastWasNewline) nLines++;
  return { sep, header, hasCorner, rowNames, nDataLines: Math.max(0, nLines - 1) };
}

/** Options of `readDenseCsv`: `orientation` skips the guess (the UI passes the user's answer). */
export interface CsvReadOptions extends ReadOptions {
  orientation?: MtxOrientation;
  /** File name for messages and the default dataset name. */
  fileName?: string;
  /** Passed to `guessOrientation` when no orientation is given. */
  isKnownGene?: (name: string) => boolean;
}

/**
 * Guesses which way a dense table (plain or gzipped bytes) runs, reading only its header and
 * first column: call before `readDenseCsv` and ask the user when confidence < ORIENTATION_CONFIDENT.
 */
export async function guessCsvOrientation(input: Uint8Array | string, opts: CsvReadOptions = {}): Promise<OrientationGuess> {
  const fileName = opts.fileName ?? 'the table';
  const bytes = await gunzipIfNeeded(toBytes(input), fileName, opts.gunzip);
  const o = await outline(bytes, fileName, 2000);
  const names = o.hasCorner ? o.header.slice(1) : o.header;
  return guessOrientation(o.rowNames, names, { isKnownGene: opts.isKnownGene, nRows: o.nDataLines, nColumns: names.length });
}

function toBytes(input: Uint8Array | string): Uint8Array {
  return typeof input === 'string' ? new TextEncoder().encode(input) : input;
}

/** A typed array that grows by doubling; `trimmed()` returns a right-sized copy. */
class Growable<T extends Uint32Array | Float32Array> {
  length = 0;
  constructor(
    private buf: T,
    private readonly make: (n: number) => T,
  ) {}
  push(v: number): void {
    if (this.length === this.buf.length) {
      const next = this.make(Math.max(1024, this.buf.length * 2));
      next.set(this.buf);
      this.buf = next;
    }
    this.buf[this.length++] = v;
  }
  trimmed(): T {
    return this.buf.slice(0, this.length) as T;
  }
}

const NAN_INF_RE = /^[-+]?(nan|inf|infinity)$/i;

/**
 * Reads a dense expression table (CSV, TSV or ;-separated; plain or gzipped) into a Dataset with a
 * `[nCells, nGenes]` float32 CSR matrix. The first line names the columns, the first column names
 * the lines (a missing corner cell, as R's write.table leaves it, is fine). Orientation comes from
 * `opts.orientation`, else from `guessOrientation` (recorded in `notes`). Errors are sentences
 * naming the line, column and value: non-numeric cells, NaN/Inf, ragged lines, an empty file,
 * zero cells, duplicated cell ids. Duplicated gene names are made unique and reported in `notes`.
 */
export async function readDenseCsv(input: Uint8Array | string, opts: CsvReadOptions = {}): Promise<Dataset> {
  const fileName = opts.fileName ?? 'the table';
  const raw = toBytes(input);
  if (raw.length === 0) throw new Error(`The file ${fileName} is empty (0 bytes); choose the expression table itself.`);
  const bytes = await gunzipIfNeeded(raw, fileName, opts.gunzip);
  const o = await outline(bytes, fileName, 2000);
  const columnNames = o.hasCorner ? o.header.slice(1) : o.header;
  const notes: string[] = [];
  let orientation = opts.orientation;
  if (!orientation) {
    const guess = guessOrientation(o.rowNames, columnNames, {
      isKnownGene: opts.isKnownGene,
      nRows: o.nDataLines,
      nColumns: columnNames.length,
    });
    orientation = guess.orientation;
    notes.push(
      `Read as ${orientation === 'cells-x-genes' ? 'one line per cell, genes along the header' : 'one line per gene, cells along the header'} (guessed with confidence ${guess.confidence.toFixed(2)}): ${guess.reason}`,
    );
  }
  const isCellsByLine = orientation === 'cells-x-genes';
  if (columnNames.length === 0) {
    throw new Error(
      `The file ${fileName} has only one column; a dense table needs a name column plus one column per ${isCellsByLine ? 'gene' : 'cell'}. If its values are separated by spaces, save it as CSV or TSV.`,
    );
  }
  if (o.nDataLines === 0 && isCellsByLine) {
    throw new Error(`The file ${fileName} holds 0 cells: it has a header line but no data lines. Choose a table with at least one cell.`);
  }
  const nCols = columnNames.length;
  const lineNames: string[] = [];
  const lineNumbers: number[] = [];
  // cells-x-genes: CSR rows as they come; genes-x-cells: COO by gene, transposed at the end.
  const indptr = new Growable(new Uint32Array(1024), (n) => new Uint32Array(n));
  indptr.push(0);
  const colIdx = new Growable(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const rowIdx = new Growable(new Uint32Array(1 << 16), (n) => new Uint32Array(n));
  const values = new Growable(new Float32Array(1 << 16), (n) => new Float32Array(n));
  let isHeader = true;
  await forEachLine(
    bytes,
    (line, lineNo) => {
      if (isHeader) {
        isHeader = false;
        return;
      }
      const fields = splitLine(line, o.sep);
      if (fields === null) throw new Error(`Line ${lineNo} of ${fileName} has a quote (") that is never closed; fix that line.`);
      if (fields.length !== nCols + 1) {
        throw new Error(
          `Line ${lineNo} of ${fileName} has ${fmt(fields.length - 1)} values but the header names ${fmt(nCols)} columns; every line needs its name and one value per column.`,
        );
      }
      const li = lineNames.length;
      lineNames.push(fields[0]);
      lineNumbers.push(lineNo);
      for (let j = 0; j < nCols; j++) {
        const tok = fields[j + 1];
        if (tok === '0') continue;
        const v = Number(tok);
        if (!Number.isFinite(v) || tok === '') {
          const cell = isCellsByLine ? fields[0] : columnNames[j];
          const gene = isCellsByLine ? columnNames[j] : fields[0];
          const where = `Line ${lineNo}, column ${j + 2} of ${fileName} (cell "${cell}", gene "${gene}")`;
          if (NAN_INF_RE.test(tok) || (tok !== '' && Number.isNaN(v) === false)) {
            throw new Error(
              `${where} holds "${tok}", which is not a finite number (NaN or Inf). Expression values must be finite: replace it (for example with 0) or drop that gene or cell, then open the file again.`,
            );
          }
          const hint =
            tok === '' || /^(na|n\/a|null|none)$/i.test(tok)
              ? ' An empty or NA cell is a missing value: fill it with 0 if that is what it means.'
              : '';
          throw new Error(
            `${where} holds "${tok.slice(0, 40)}", which is not a number. Every value after the name column must be a number.${hint} Fix that cell, or remove the line if it is not expression data.`,
          );
        }
        if (v === 0) continue;
        if (isCellsByLine) colIdx.push(j);
        else {
          colIdx.push(li);
          rowIdx.push(j);
        }
        values.push(v);
      }
      if (isCellsByLine) indptr.push(values.length);
    },
    { ...opts, fileName },
  );
  const cellIds = isCellsByLine ? lineNames : columnNames;
  const rawGenes = isCellsByLine ? columnNames : lineNames;
  if (cellIds.length === 0) {
    throw new Error(`The file ${fileName} holds 0 cells: its header names no cells. Choose a table with at least one cell.`);
  }
  if (rawGenes.length === 0) throw new Error(`The file ${fileName} holds 0 genes: it has a header line but no data lines.`);
  checkUniqueCellIds(cellIds, fileName, (i) => (isCellsByLine ? `lines ${lineNumbers[i]}` : `columns ${i + 2}`));
  const matrix = isCellsByLine
    ? {
        nRows: cellIds.length,
        nCols,
        indptr: indptr.trimmed(),
        indices: narrowIndices(colIdx.trimmed(), nCols),
        data: values.trimmed(),
      }
    : transposeCoo(cellIds.length, rawGenes.length, colIdx.trimmed(), rowIdx.trimmed(), values.trimmed());
  const unique = makeUnique(rawGenes);
  const note = uniqueNamesNote(unique.renamed, 'gene names');
  if (note) notes.push(note);
  const isEnsembl = rawGenes.every((g) => ENSEMBL_RE.test(g));
  return {
    name: opts.name ?? (opts.fileName ? baseName(opts.fileName) : 'Expression table'),
    matrix,
    valueKind: inferValueKind(matrix.data),
    genes: unique.names,
    ...(isEnsembl ? { geneIds: unique.names.slice() } : {}),
    cellIds,
    obs: {},
    obsm: {},
    notes,
  };
}

/**
 * Throws a sentence for the first repeated cell id. `where(i)` names occurrence i the user's way
 * ('lines 12' / 'columns 7'); the message quotes both places.
 */
export function checkUniqueCellIds(ids: string[], fileName: string, where: (i: number) => string): void {
  const firstAt = new Map<string, number>();
  for (let i = 0; i < ids.length; i++) {
    const prev = firstAt.get(ids[i]);
    if (prev !== undefined) {
      const a = where(prev);
      const b = where(i).replace(/^\D+/, '');
      throw new Error(
        `The cell id "${ids[i]}" appears twice in ${fileName} (${a} and ${b}); cell ids must be unique. If the file merges samples, prefix each sample's ids (e.g. "sample1_${ids[i]}") and try again.`,
      );
    }
    firstAt.set(ids[i], i);
  }
}

/** Column indices in the narrowest type CsrMatrix allows. */
function narrowIndices(indices: Uint32Array, nCols: number): Uint32Array | Uint16Array {
  return nCols <= 0xffff ? Uint16Array.from(indices) : indices;
}

/**
 * CSR `[nRows, nCols]` from triplets listed by column (`cols` non-decreasing, as a one-line-per-gene
 * table yields them): a stable counting sort by row keeps each row's columns sorted without a sort pass.
 */
function transposeCoo(nRows: number, nCols: number, cols: Uint32Array, rows: Uint32Array, vals: Float32Array): CsrMatrix {
  const nnz = vals.length;
  const indptr = new Uint32Array(nRows + 1);
  for (let k = 0; k < nnz; k++) indptr[rows[k] + 1]++;
  for (let r = 0; r < nRows; r++) indptr[r + 1] += indptr[r];
  const cursor = indptr.slice(0, nRows);
  const indices = nCols <= 0xffff ? new Uint16Array(nnz) : new Uint32Array(nnz);
  const data = new Float32Array(nnz);
  for (let k = 0; k < nnz; k++) {
    const at = cursor[rows[k]]++;
    indices[at] = cols[k];
    data[at] = vals[k];
  }
  return { nRows, nCols, indptr, indices, data };
}

const MISSING_RE = /^(|na|nan|n\/a|null|none)$/i;
const CATEGORY_NAME_RE = /cluster|label|type|batch|sample|donor|leiden|louvain|group|class|phase/i;

/**
 * Turns per-cell string columns into obs columns: numeric when every present value is a finite
 * number (missing: '', NA, NaN -> NaN), else categorical (missing -> code -1). Integer columns whose
 * name says they are groups (cluster, label, type, batch, sample, donor, leiden, louvain, ...) stay
 * categorical. Numeric runs NAME_1, NAME_2, ... become an obsm embedding `X_name` (and leave obs).
 * `values[c][i]` is column c for cell i, undefined when the cell has no row.
 */
export function obsFromColumns(
  names: string[],
  values: (string | undefined)[][],
  nCells: number,
): { obs: Record<string, ObsColumn>; obsm: Record<string, Embedding> } {
  const obs: Record<string, ObsColumn> = {};
  const numeric = new Map<string, Float32Array>();
  names.forEach((name, c) => {
    const col = values[c];
    let isNumber = true;
    let isInteger = true;
    for (let i = 0; i < nCells && isNumber; i++) {
      const v = col[i];
      if (v === undefined || MISSING_RE.test(v.trim())) continue;
      const x = Number(v);
      if (!Number.isFinite(x) || v.trim() === '') isNumber = false;
      else if (!Number.isInteger(x)) isInteger = false;
    }
    if (isNumber && !(isInteger && CATEGORY_NAME_RE.test(name))) {
      const out = new Float32Array(nCells);
      for (let i = 0; i < nCells; i++) {
        const v = col[i];
        out[i] = v === undefined || MISSING_RE.test(v.trim()) ? NaN : Number(v);
      }
      numeric.set(name, out);
      obs[name] = { type: 'numeric', values: out };
    } else {
      const present: string[] = [];
      for (let i = 0; i < nCells; i++) {
        const v = col[i];
        if (v !== undefined && !MISSING_RE.test(v.trim())) present.push(v);
      }
      const cat = categoricalFromStrings(present);
      const index = new Map(cat.categories.map((c, k) => [c, k]));
      const codes = new Int32Array(nCells).fill(-1);
      for (let i = 0; i < nCells; i++) {
        const v = col[i];
        if (v !== undefined && index.has(v)) codes[i] = index.get(v)!;
      }
      obs[name] = { ...cat, codes };
    }
  });
  const obsm: Record<string, Embedding> = {};
  const consumed = new Set<string>();
  for (const name of numeric.keys()) {
    const m = consumed.has(name) ? null : /^(.+?)[_-]?1$/.exec(name);
    if (!m) continue;
    const prefix = m[1];
    const parts: Float32Array[] = [];
    const used: string[] = [];
    for (let d = 1; ; d++) {
      const col = [`${prefix}_${d}`, `${prefix}${d}`, `${prefix}-${d}`].find((c) => numeric.has(c));
      if (!col) break;
      parts.push(numeric.get(col)!);
      used.push(col);
    }
    if (parts.length < 2) continue;
    // The coordinates live on as the embedding, not as separate obs columns.
    for (const c of used) {
      delete obs[c];
      consumed.add(c);
    }
    const dim = parts.length;
    const emb = new Float32Array(nCells * dim);
    for (let i = 0; i < nCells; i++) for (let d = 0; d < dim; d++) emb[i * dim + d] = parts[d][i];
    obsm[`X_${prefix.toLowerCase().replace(/^x_/, '')}`] = { dim, values: emb };
  }
  return { obs, obsm };
}

/** What `joinMetadata` did, for the UI. */
export interface MetadataJoin {
  /** The dataset with the metadata's columns added to (or replacing) its obs. */
  dataset: Dataset;
  /** Metadata column holding the cell ids. */
  idColumn: string;
  /** Obs columns added, in file order. */
  columns: string[];
  /** Dataset cells that found a metadata row. */
  nMatched: number;
  /** Metadata ids that match no cell in the dataset (first 20). */
  unmatchedIds: string[];
  nUnmatchedIds: number;
  /** One sentence for the UI. */
  message: string;
}

/**
 * Joins a metadata table (CSV/TSV text, one row per cell) onto a dataset by cell id. The id column
 * is `opts.idColumn`, else whichever column matches the most cell ids; if nothing matches exactly,
 * a trailing '-1' style suffix is ignored on both sides. Cells without a row get missing values
 * (NaN / code -1). Columns are typed by `obsFromColumns`. Does not modify `dataset`.
 */
export function joinMetadata(dataset: Dataset, csvText: string, opts: { idColumn?: string; fileName?: string } = {}): MetadataJoin {
  const fileName = opts.fileName ?? 'the metadata table';
  if (csvText.trim() === '') throw new Error(`The metadata file ${fileName} is empty; choose a CSV with one row per cell.`);
  const table = parseCsv(csvText);
  if (table.rows.length === 0) throw new Error(`The metadata file ${fileName} has a header but no rows; it needs one row per cell.`);
  const width = table.header.length;
  // pandas writes the index with an empty header name.
  const header = table.header.map((h, j) => (h === '' && j === 0 ? 'index' : h));
  const cellIndex = new Map(dataset.cellIds.map((id, i) => [id, i]));
  const stripSuffix = (s: string) => s.replace(/-\d+$/, '');
  let idCol = opts.idColumn !== undefined ? header.indexOf(opts.idColumn) : -1;
  if (opts.idColumn !== undefined && idCol < 0) {
    throw new Error(`The metadata file ${fileName} has no column "${opts.idColumn}"; its columns are ${header.join(', ')}.`);
  }
  let isSuffixFree = false;
  const countMatches = (j: number, key: (s: string) => string, index: Map<string, number>) =>
    table.rows.reduce((n, r) => n + (index.has(key(r[j] ?? '')) ? 1 : 0), 0);
  if (idCol < 0) {
    let best = 0;
    for (let j = 0; j < width; j++) {
      const n = countMatches(j, (s) => s, cellIndex);
      if (n > best) [best, idCol] = [n, j];
    }
    if (best === 0) {
      const stripped = new Map<string, number>();
      let isUnique = true;
      dataset.cellIds.forEach((id, i) => {
        const k = stripSuffix(id);
        if (stripped.has(k)) isUnique = false;
        stripped.set(k, i);
      });
      if (isUnique) {
        for (let j = 0; j < width; j++) {
          const n = countMatches(j, stripSuffix, stripped);
          if (n > best) [best, idCol] = [n, j];
        }
        if (best > 0) {
          isSuffixFree = true;
          cellIndex.clear();
          for (const [k, i] of stripped) cellIndex.set(k, i);
        }
      }
    }
    if (best === 0) {
      throw new Error(
        `No column of ${fileName} holds the dataset's cell ids (the data has ids like "${dataset.cellIds[0]}", the metadata's first column "${table.rows[0][0]}"). The metadata needs a column with the same cell ids.`,
      );
    }
  }
  const key = isSuffixFree ? stripSuffix : (s: string) => s;
  const rowOfCell = new Int32Array(dataset.cellIds.length).fill(-1);
  const seenAt = new Map<string, number>();
  const unmatched: string[] = [];
  let nUnmatched = 0;
  let nMatched = 0;
  table.rows.forEach((r, ri) => {
    const id = r[idCol] ?? '';
    const prev = seenAt.get(id);
    if (prev !== undefined) {
      throw new Error(
        `The cell id "${id}" appears twice in ${fileName} (lines ${prev + 2} and ${ri + 2}); each cell may have one metadata row. Remove the repeat and try again.`,
      );
    }
    seenAt.set(id, ri);
    if (r.length !== width) {
      throw new Error(
        `Line ${ri + 2} of ${fileName} has ${r.length} fields but the header has ${width}; every row needs one value per column.`,
      );
    }
    const cell = cellIndex.get(key(id));
    if (cell === undefined) {
      nUnmatched++;
      if (unmatched.length < 20) unmatched.push(id);
    } else {
      rowOfCell[cell] = ri;
      nMatched++;
    }
  });
  const names = header.filter((_, j) => j !== idCol);
  const cols = header.map((_, j) => j).filter((j) => j !== idCol);
  const values = cols.map((j) => Array.from(rowOfCell, (ri) => (ri < 0 ? undefined : table.rows[ri][j])));
  const { obs, obsm } = obsFromColumns(names, values, dataset.cellIds.length);
  const replaced = names.filter((n) => n in dataset.obs);
  const nCells = dataset.cellIds.length;
  const parts = [`Joined ${names.length} metadata columns on "${header[idCol]}": ${fmt(nMatched)} of ${fmt(nCells)} cells found a row.`];
  if (isSuffixFree) parts.push('Ids matched after ignoring a trailing "-1"-style suffix.');
  if (nUnmatched > 0) parts.push(`${fmt(nUnmatched)} metadata ids match no cell (e.g. ${unmatched.slice(0, 3).join(', ')}).`);
  if (nMatched < nCells) parts.push(`${fmt(nCells - nMatched)} cells have no metadata and show as missing.`);
  if (replaced.length > 0) parts.push(`Replaced existing columns: ${replaced.join(', ')}.`);
  return {
    dataset: { ...dataset, obs: { ...dataset.obs, ...obs }, obsm: { ...dataset.obsm, ...obsm } },
    idColumn: header[idCol],
    columns: names,
    nMatched,
    unmatchedIds: unmatched,
    nUnmatchedIds: nUnmatched,
    message: parts.join(' '),
  };
}
