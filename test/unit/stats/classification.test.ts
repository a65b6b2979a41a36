import { describe, expect, it } from 'vitest';
import { classificationReport, stratifiedSplit } from '../../../src/core/stats/classification.ts';
import { mulberry32 } from '../../../src/core/random.ts';

describe('classificationReport', () => {
  // truth      A A A A B B B C C C
  // predicted  A A B C B B A C C B
  // confusion (rows truth, columns prediction): A [2 1 1], B [1 2 0], C [0 1 2]
  const truth = [0, 0, 0, 0, 1, 1, 1, 2, 2, 2];
  const predicted = [0, 0, 1, 2, 1, 1, 0, 2, 2, 1];

  it('matches the hand-computed confusion example', () => {
    const r = classificationReport(truth, predicted, ['A', 'B', 'C']);
    expect(r.confusion).toEqual([
      [2, 1, 1],
      [1, 2, 0],
      [0, 1, 2],
    ]);
    // 6 of 10 on the diagonal.
    expect(r.accuracy).toBe(0.6);
    // A: precision 2/3 (column A holds 3), recall 2/4, F1 = 2(2/3)(1/2)/(2/3 + 1/2) = 4/7
    // B: precision 2/4, recall 2/3, F1 = 4/7
    // C: precision 2/3, recall 2/3, F1 = 2/3
    const expected = [
      { label: 'A', support: 4, precision: 2 / 3, recall: 0.5, f1: 4 / 7 },
      { label: 'B', support: 3, precision: 0.5, recall: 2 / 3, f1: 4 / 7 },
      { label: 'C', support: 3, precision: 2 / 3, recall: 2 / 3, f1: 2 / 3 },
    ];
    r.perClass.forEach((c, i) => {
      expect(c.label).toBe(expected[i].label);
      expect(c.support).toBe(expected[i].support);
      expect(c.precision).toBeCloseTo(expected[i].precision, 15);
      expect(c.recall).toBeCloseTo(expected[i].recall, 15);
      expect(c.f1).toBeCloseTo(expected[i].f1, 15);
    });
    expect(r.perClass[0].f1).toBeCloseTo(0.5714285714285714, 15);
    // Macro F1 = (4/7 + 4/7 + 2/3)/3 = 38/63 = 0.6031746...
    expect(r.macroF1).toBeCloseTo(38 / 63, 15);
    expect(r.macroF1).toBeCloseTo(0.6031746031746031, 15);
  });

  it('gives a class with no support and no predictions F1 0, and counts it in the macro mean', () => {
    const r = classificationReport(truth, predicted, ['A', 'B', 'C', 'D']);
    expect(r.perClass[3]).toEqual({ label: 'D', support: 0, precision: 0, recall: 0, f1: 0 });
    // (4/7 + 4/7 + 2/3 + 0)/4 = 38/84.
    expect(r.macroF1).toBeCloseTo(38 / 84, 15);
  });

  it('scores a perfect and an all-wrong prediction', () => {
    expect(classificationReport([0, 1, 1], [0, 1, 1], ['a', 'b']).macroF1).toBe(1);
    const wrong = classificationReport([0, 1, 1], [1, 0, 0], ['a', 'b']);
    expect(wrong.accuracy).toBe(0);
    expect(wrong.macroF1).toBe(0);
  });
});

describe('stratifiedSplit', () => {
  // Class sizes 10, 23, 7, 2, 1, interleaved: test sizes round(0.2 n) = 2, round(4.6) = 5,
  // round(1.4) = 1, and for n = 2, round(0.4) = 0 raised to the minimum of 1; a lone cell stays in train.
  const sizes = [10, 23, 7, 2, 1];
  const codes: number[] = [];
  for (let round = 0; codes.length < 43; round++) sizes.forEach((n, c) => round < n && codes.push(c));
  const expectedTest = [2, 5, 1, 1, 0];

  function countBy(idx: number[]): number[] {
    const out = new Array(sizes.length).fill(0);
    for (const i of idx) out[codes[i]]++;
    return out;
  }

  it('puts round(0.2 n) cells of each class in the test set, disjoint from train and covering all', () => {
    const { train, test } = stratifiedSplit(codes, 0.2, mulberry32(1));
    expect(codes.length).toBe(43);
    expect(countBy(test)).toEqual(expectedTest);
    expect(countBy(train)).toEqual(sizes.map((n, c) => n - expectedTest[c]));
    const all = [...train, ...test].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: 43 }, (_, i) => i));
    expect(new Set(test).size + new Set(train).size).toBe(43);
    // Both lists come back sorted.
    expect(test).toEqual([...test].sort((a, b) => a - b));
    expect(train).toEqual([...train].sort((a, b) => a - b));
  });

  it('gives the same split for the same seed and another split for another seed', () => {
    const a = stratifiedSplit(codes, 0.2, mulberry32(42));
    const b = stratifiedSplit(codes, 0.2, mulberry32(42));
    const c = stratifiedSplit(codes, 0.2, mulberry32(43));
    expect(b).toEqual(a);
    expect(c.test).not.toEqual(a.test);
    expect(countBy(c.test)).toEqual(expectedTest);
  });

  it('follows the pbmc3k label counts: 20 % of 697 is 139, of 14 is 3', () => {
    const counts = [697, 483, 480, 344, 271, 162, 155, 32, 14];
    const pbmcCodes = counts.flatMap((n, c) => new Array<number>(n).fill(c));
    const { test } = stratifiedSplit(pbmcCodes, 0.2, mulberry32(0));
    const perClass = new Array(9).fill(0);
    for (const i of test) perClass[pbmcCodes[i]]++;
    // round(139.4) round(96.6) round(96) round(68.8) round(54.2) round(32.4) round(31) round(6.4) round(2.8)
    expect(perClass).toEqual([139, 97, 96, 69, 54, 32, 31, 6, 3]);
    expect(test.length).toBe(527);
  });
});
