import { describe, expect, it } from 'vitest';
import { csrColumn, csrFromCoo } from '../../../src/core/data/csr.ts';
import { cscFromCsr, geneExpression } from '../../../src/core/data/csc.ts';
import { librarySizes } from '../../../src/core/data/preprocess.ts';
import { mulberry32 } from '../../../src/core/random.ts';

function randomCsr(nRows: number, nCols: number, density: number, seed: number) {
  const rand = mulberry32(seed);
  const rows: number[] = [];
  const cols: number[] = [];
  const vals: number[] = [];
  for (let r = 0; r < nRows; r++)
    for (let c = 0; c < nCols; c++)
      if (rand() < density) {
        rows.push(r);
        cols.push(c);
        vals.push(1 + Math.floor(rand() * 20));
      }
  return csrFromCoo(nRows, nCols, Uint32Array.from(rows), Uint32Array.from(cols), Float32Array.from(vals));
}

describe('CSC copy for per-gene reads', () => {
  it('every column equals the CSR column, rows ascending within a column', () => {
    const m = randomCsr(300, 40, 0.1, 3);
    const csc = cscFromCsr(m);
    expect(csc.colPtr[40]).toBe(m.indptr[300]);
    for (let c = 0; c < 40; c++) {
      expect(geneExpression(csc, c, null)).toEqual(csrColumn(m, c));
      for (let k = csc.colPtr[c] + 1; k < csc.colPtr[c + 1]; k++) expect(csc.rowIndices[k]).toBeGreaterThan(csc.rowIndices[k - 1]);
    }
  });

  it('count data is shown as log1p(CP10k), computed here from the definition', () => {
    const m = randomCsr(50, 12, 0.3, 9);
    const csc = cscFromCsr(m);
    const lib = librarySizes(m);
    const got = geneExpression(csc, 5, lib);
    const raw = csrColumn(m, 5);
    for (let r = 0; r < 50; r++) expect(got[r]).toBeCloseTo(lib[r] > 0 ? Math.log(1 + (raw[r] * 1e4) / lib[r]) : 0, 5);
  });
});
