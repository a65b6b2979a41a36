import { csrFromCoo, type CsrMatrix } from './csr.ts';

/** Orientation of a MatrixMarket file: Cell Ranger writes genes x cells; many exports write cells x genes. */
export type MtxOrientation = 'cells-x-genes' | 'genes-x-cells';

/**
 * Parses a MatrixMarket coordinate file (real or integer, general) into a cells x genes CSR matrix.
 * Errors are sentences that name the problem in the user's file and the fix.
 */
export function parseMatrixMarket(text: string, orientation: MtxOrientation = 'cells-x-genes'): CsrMatrix {
  if (text.length === 0) throw new Error('The matrix file is empty. Choose the matrix.mtx(.gz) file itself.');
  let pos = 0;
  // 1-based number of the line last returned, so errors point at the right line even past comments.
  let lineNo = 0;
  const nextLine = (): string | null => {
    if (pos >= text.length) return null;
    lineNo++;
    let end = text.indexOf('\n', pos);
    if (end < 0) end = text.length;
    const line = text.slice(pos, end);
    pos = end + 1;
    return line.endsWith('\r') ? line.slice(0, -1) : line;
  };
  const banner = nextLine() ?? '';
  const m = /^%%MatrixMarket\s+matrix\s+coordinate\s+(real|integer|double)\s+general\s*$/i.exec(banner.trim());
  if (!m) {
    throw new Error(
      `The first line of the matrix file is "${banner.slice(0, 80)}", not a MatrixMarket coordinate header ("%%MatrixMarket matrix coordinate integer general"). Check that this is a 10x matrix.mtx file.`,
    );
  }
  let sizeLine = nextLine();
  while (sizeLine !== null && (sizeLine.startsWith('%') || sizeLine.trim() === '')) sizeLine = nextLine();
  const size = (sizeLine ?? '').trim().split(/\s+/).map(Number);
  if (size.length !== 3 || size.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error(`The matrix size line "${sizeLine}" should hold three whole numbers: rows, columns, entries.`);
  }
  const [fileRows, fileCols, nnz] = size;
  if (nnz > fileRows * fileCols) {
    throw new Error(
      `The matrix size line "${sizeLine}" declares ${nnz} entries, more than a ${fileRows} x ${fileCols} matrix can hold; the file is corrupt.`,
    );
  }
  const rows = new Uint32Array(nnz);
  const cols = new Uint32Array(nnz);
  const vals = new Float64Array(nnz);
  const isGenesFirst = orientation === 'genes-x-cells';
  let k = 0;
  for (let line = nextLine(); line !== null; line = nextLine()) {
    if (line.length === 0) continue;
    // Hand-rolled split on single spaces (what 10x, scipy and R write): this loop runs millions of times.
    const a = line.indexOf(' ');
    const b = line.indexOf(' ', a + 1);
    let rTok = line.slice(0, a);
    let cTok = line.slice(a + 1, b);
    let vTok = line.slice(b + 1);
    if (a <= 0 || b < 0 || b === a + 1 || vTok === '' || vTok.includes(' ')) {
      // Any other whitespace is legal MatrixMarket too: take the slow, general path.
      const parts = line.trim().split(/\s+/);
      if (parts.length === 1 && parts[0] === '') continue;
      if (parts.length !== 3) {
        throw new Error(`Line ${lineNo} of the matrix file ("${line.slice(0, 60)}") is not "row column value".`);
      }
      [rTok, cTok, vTok] = parts;
    }
    const r = Number(rTok);
    const c = Number(cTok);
    const v = Number(vTok);
    if (rTok === '' || cTok === '' || !Number.isInteger(r) || !Number.isInteger(c)) {
      throw new Error(
        `Line ${lineNo} of the matrix file ("${line.slice(0, 60)}") is not "row column value": row and column must be whole numbers.`,
      );
    }
    if (!Number.isFinite(v)) {
      throw new Error(
        `Line ${lineNo} of the matrix file holds the value "${vTok.slice(0, 20)}", which is not a finite number; every value must be a finite number (no NaN or Inf).`,
      );
    }
    if (r < 1 || r > fileRows || c < 1 || c > fileCols) {
      throw new Error(`Line ${lineNo} refers to entry (${r}, ${c}) outside the declared ${fileRows} x ${fileCols} matrix.`);
    }
    if (k >= nnz) throw new Error(`The matrix file has more entries than the ${nnz} its header declares; the file may be corrupt.`);
    rows[k] = (isGenesFirst ? c : r) - 1;
    cols[k] = (isGenesFirst ? r : c) - 1;
    vals[k] = v;
    k++;
  }
  if (k !== nnz) {
    throw new Error(`The matrix header declares ${nnz} entries but the file holds ${k}; it may be truncated. Re-download or re-export it.`);
  }
  const nCells = isGenesFirst ? fileCols : fileRows;
  const nGenes = isGenesFirst ? fileRows : fileCols;
  // Name a duplicate by its (row, column) as written in the file, whichever way it was transposed.
  const describe = (cell: number, gene: number) =>
    isGenesFirst ? `(row ${gene + 1}, column ${cell + 1})` : `(row ${cell + 1}, column ${gene + 1})`;
  return csrFromCoo(nCells, nGenes, rows, cols, vals, describe);
}
