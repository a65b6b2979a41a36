import { describe, expect, it } from 'vitest';
import { parseMatrixMarket } from '../../../src/core/data/mtx.ts';
import { colSums, csrColumn, csrFromCoo, csrGet, rowSums, type CsrMatrix } from '../../../src/core/data/csr.ts';

const HEADER = '%%MatrixMarket matrix coordinate integer general';

/** Dense rows of a CSR matrix, for comparing with a literal. */
function dense(m: CsrMatrix): number[][] {
  return Array.from({ length: m.nRows }, (_, r) => Array.from({ length: m.nCols }, (_, c) => csrGet(m, r, c)));
}

/** Message of the error `fn` throws (fails the test when it does not throw). */
function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (e) {
    return (e as Error).message;
  }
  expect.fail('expected an error');
}

// A 3 x 4 matrix (cells x genes) whose entries are listed out of order on purpose:
//   [[0, 5, 0, 1],
//    [0, 0, 0, 0],
//    [7, 0, 2, 0]]
const SMALL = [HEADER, '% a comment', '3 4 4', '3 3 2', '1 4 1', '3 1 7', '1 2 5', ''].join('\n');

describe('parseMatrixMarket', () => {
  it('reads a cells x genes file into sorted CSR', () => {
    const m = parseMatrixMarket(SMALL);
    expect([m.nRows, m.nCols]).toEqual([3, 4]);
    expect(Array.from(m.indptr)).toEqual([0, 2, 2, 4]);
    expect(Array.from(m.indices)).toEqual([1, 3, 0, 2]);
    expect(Array.from(m.data)).toEqual([5, 1, 7, 2]);
    expect(dense(m)).toEqual([
      [0, 5, 0, 1],
      [0, 0, 0, 0],
      [7, 0, 2, 0],
    ]);
  });

  it('transposes a genes x cells (Cell Ranger) file so rows are still cells', () => {
    // The same matrix written the 10x way: 4 genes x 3 cells, entry (gene, cell).
    const text = [HEADER, '4 3 4', '3 3 2', '4 1 1', '1 3 7', '2 1 5'].join('\n');
    const m = parseMatrixMarket(text, 'genes-x-cells');
    expect([m.nRows, m.nCols]).toEqual([3, 4]);
    expect(dense(m)).toEqual(dense(parseMatrixMarket(SMALL)));
    expect(Array.from(rowSums(m))).toEqual([6, 0, 9]);
    expect(Array.from(colSums(m))).toEqual([7, 5, 2, 1]);
    expect(Array.from(csrColumn(m, 0))).toEqual([0, 0, 7]);
  });

  it('accepts CRLF line ends, real values, tabs and runs of spaces', () => {
    const text = ['%%MatrixMarket matrix coordinate real general', '2 2 3', '1\t1\t0.5', '2  2   -1.25', ' 1 2 3e2 '].join('\r\n');
    expect(dense(parseMatrixMarket(text))).toEqual([
      [0.5, 300],
      [0, -1.25],
    ]);
  });

  it('refuses an empty file', () => {
    expect(messageOf(() => parseMatrixMarket(''))).toMatch(/empty/);
  });

  it('refuses a file that is not a MatrixMarket coordinate file, quoting its first line', () => {
    const msg = messageOf(() => parseMatrixMarket('barcode,gene,count\n1,2,3\n'));
    expect(msg).toMatch(/first line/);
    expect(msg).toMatch(/barcode,gene,count/);
    expect(msg).toMatch(/MatrixMarket coordinate header/);
    // A dense 'array' file is MatrixMarket, but not the sparse kind this reader takes.
    expect(messageOf(() => parseMatrixMarket('%%MatrixMarket matrix array real general\n2 2\n1\n2\n3\n4\n'))).toMatch(
      /not a MatrixMarket coordinate header/,
    );
  });

  it('refuses a size line that is not three whole numbers', () => {
    for (const size of ['3 4', '3 4 x', '3 4 2.5', '-3 4 2', '3 4 2 7']) {
      const msg = messageOf(() => parseMatrixMarket(`${HEADER}\n${size}\n1 1 1\n`));
      expect(msg).toMatch(/size line/);
      expect(msg).toMatch(/three whole numbers/);
    }
    // More entries than cells exist.
    expect(messageOf(() => parseMatrixMarket(`${HEADER}\n2 2 5\n1 1 1\n`))).toMatch(
      /declares 5 entries, more than a 2 x 2 matrix can hold/,
    );
  });

  it('refuses an entry outside the declared shape, naming its line and the shape', () => {
    const msg = messageOf(() => parseMatrixMarket(`${HEADER}\n% comment\n3 4 2\n1 1 1\n4 1 1\n`));
    expect(msg).toMatch(/Line 5/);
    expect(msg).toMatch(/\(4, 1\)/);
    expect(msg).toMatch(/outside the declared 3 x 4 matrix/);
    expect(messageOf(() => parseMatrixMarket(`${HEADER}\n3 4 1\n1 0 1\n`))).toMatch(/outside/);
    expect(messageOf(() => parseMatrixMarket(`${HEADER}\n3 4 1\n1 5 1\n`))).toMatch(/outside/);
  });

  it('refuses a truncated file (fewer entries than declared) and one with extra entries', () => {
    const msg = messageOf(() => parseMatrixMarket(`${HEADER}\n3 4 3\n1 1 1\n2 2 2\n`));
    expect(msg).toMatch(/declares 3 entries but the file holds 2/);
    expect(msg).toMatch(/truncated/);
    // A download cut mid-line leaves a line without its value.
    expect(messageOf(() => parseMatrixMarket(`${HEADER}\n3 4 3\n1 1 1\n2 2 2\n3 3`))).toMatch(/Line 5 .*not "row column value"/);
    expect(messageOf(() => parseMatrixMarket(`${HEADER}\n3 4 1\n1 1 1\n2 2 2\n`))).toMatch(/more entries than the 1/);
  });

  it('refuses a line whose value is missing behind a trailing space (it would read as 0)', () => {
    expect(messageOf(() => parseMatrixMarket(`${HEADER}\n3 4 1\n1 1 \n`))).toMatch(/Line 3 .*not "row column value"/);
  });

  it("refuses a duplicated entry, naming it in the file's own row/column order", () => {
    const msg = messageOf(() => parseMatrixMarket(`${HEADER}\n3 4 3\n2 3 1\n1 1 1\n2 3 4\n`));
    expect(msg).toMatch(/\(row 2, column 3\) twice/);
    // The same duplicate in a genes x cells file: still reported as the file wrote it.
    const msgT = messageOf(() => parseMatrixMarket(`${HEADER}\n4 3 3\n3 2 1\n1 1 1\n3 2 4\n`, 'genes-x-cells'));
    expect(msgT).toMatch(/\(row 3, column 2\) twice/);
  });

  it('refuses NaN and Inf values', () => {
    for (const bad of ['nan', 'NaN', 'inf', '-Infinity', 'Infinity']) {
      const msg = messageOf(() => parseMatrixMarket(`${HEADER}\n2 2 2\n1 1 1\n2 2 ${bad}\n`));
      expect(msg).toMatch(/Line 4/);
      expect(msg).toMatch(/not a finite number/);
      expect(msg).toContain(bad);
    }
  });

  it('refuses non-integer row or column numbers', () => {
    expect(messageOf(() => parseMatrixMarket(`${HEADER}\n2 2 1\n1.5 1 1\n`))).toMatch(/whole numbers/);
    expect(messageOf(() => parseMatrixMarket(`${HEADER}\n2 2 1\na 1 1\n`))).toMatch(/whole numbers/);
  });
});

describe('csr helpers', () => {
  it('csrFromCoo sorts each row and keeps float values', () => {
    const m = csrFromCoo(2, 3, Uint32Array.of(1, 0, 1, 0), Uint32Array.of(2, 1, 0, 0), Float64Array.of(0.25, 3, -1, 8));
    expect(Array.from(m.indptr)).toEqual([0, 2, 4]);
    expect(Array.from(m.indices)).toEqual([0, 1, 0, 2]);
    expect(Array.from(m.data)).toEqual([8, 3, -1, 0.25]);
    expect(m.indices).toBeInstanceOf(Uint16Array);
    expect(Array.from(rowSums(m))).toEqual([11, -0.75]);
    expect(Array.from(colSums(m))).toEqual([7, 3, 0.25]);
    expect(Array.from(csrColumn(m, 2))).toEqual([0, 0.25]);
    expect(csrGet(m, 0, 2)).toBe(0);
  });

  it('csrFromCoo uses 32-bit column indices past 65,535 columns', () => {
    const m = csrFromCoo(1, 70000, Uint32Array.of(0, 0), Uint32Array.of(69999, 3), Float64Array.of(1, 2));
    expect(m.indices).toBeInstanceOf(Uint32Array);
    expect(Array.from(m.indices)).toEqual([3, 69999]);
    expect(csrGet(m, 0, 69999)).toBe(1);
  });
});
