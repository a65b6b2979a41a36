import { describe, expect, it } from 'vitest';
import { parseCsv } from '../../../src/core/data/csv.ts';

describe('parseCsv', () => {
  it('splits a plain comma table into header and rows', () => {
    expect(parseCsv('barcode,label\nAAAC,B\nAAAG,NK')).toEqual({
      header: ['barcode', 'label'],
      rows: [
        ['AAAC', 'B'],
        ['AAAG', 'NK'],
      ],
    });
  });

  it('keeps delimiters, newlines and CR inside quoted fields', () => {
    const t = parseCsv('id,note\n1,"a, b"\n2,"two\nlines"\n3,"x\r\ny"\n');
    expect(t.rows).toEqual([
      ['1', 'a, b'],
      ['2', 'two\nlines'],
      ['3', 'x\r\ny'],
    ]);
  });

  it('turns "" inside quotes into one quote', () => {
    const t = parseCsv('name,alias\n"say ""hi""","""quoted"""\n"",empty-first\n');
    expect(t.rows).toEqual([
      ['say "hi"', '"quoted"'],
      ['', 'empty-first'],
    ]);
  });

  it('reads CRLF line ends the same as LF', () => {
    const lf = parseCsv('a,b\n1,2\n3,4\n');
    const crlf = parseCsv('a,b\r\n1,2\r\n3,4\r\n');
    expect(crlf).toEqual(lf);
    expect(crlf.rows).toEqual([
      ['1', '2'],
      ['3', '4'],
    ]);
    // No stray \r left on the last field of a line.
    expect(crlf.header).toEqual(['a', 'b']);
  });

  it('detects TSV from a tab in the first line, and keeps commas inside TSV fields', () => {
    const t = parseCsv('gene\tcount\nHLA-A, B\t3\nCD3E\t5\n');
    expect(t.header).toEqual(['gene', 'count']);
    expect(t.rows).toEqual([
      ['HLA-A, B', '3'],
      ['CD3E', '5'],
    ]);
    // An explicit delimiter wins over the guess.
    expect(parseCsv('a;b\n1;2', ';').rows).toEqual([['1', '2']]);
    expect(parseCsv('a\tb,c\n1\t2,3', ',').rows).toEqual([['1\t2', '3']]);
  });

  it('gives the same rows with and without a trailing newline, and skips blank lines', () => {
    const withNl = parseCsv('a,b\n1,2\n');
    const without = parseCsv('a,b\n1,2');
    expect(withNl).toEqual(without);
    expect(withNl.rows).toEqual([['1', '2']]);
    expect(parseCsv('a,b\n\n1,2\n\n\n').rows).toEqual([['1', '2']]);
  });

  it('keeps empty fields, including a trailing one, and ragged rows as they are', () => {
    expect(parseCsv('a,b,c\n1,,\n,2\n').rows).toEqual([
      ['1', '', ''],
      ['', '2'],
    ]);
  });

  it('strips a UTF-8 byte-order mark so the first header name is clean', () => {
    expect(parseCsv('\uFEFFbarcode,label\nAAAC,B\n').header).toEqual(['barcode', 'label']);
  });

  it('reads a single header line with no rows', () => {
    expect(parseCsv('x,y')).toEqual({ header: ['x', 'y'], rows: [] });
    expect(parseCsv('')).toEqual({ header: [], rows: [] });
  });
});
