import { describe, expect, it } from 'vitest';
import { knnBruteForce, knnLabelPurity } from '../../../src/core/embedding/knn.ts';

describe('knnBruteForce', () => {
  it('finds exact neighbours on a line, nearest first, ties to the lower index, never itself', () => {
    // Points on a line: 0, 1, 3, 7, 8.
    const x = Float32Array.of(0, 1, 3, 7, 8);
    const nn = knnBruteForce(x, 5, 1, 2);
    // 0: |1|=1, |3|=3            -> 1, 2
    // 1: |0|=1, |3|=2            -> 0, 2
    // 3: |1|=2, |0|=3, |7|=4     -> 1, 0
    // 7: |8|=1, |3|=4            -> 4, 2
    // 8: |7|=1, |3|=5            -> 3, 2
    expect(Array.from(nn)).toEqual([1, 2, 0, 2, 1, 0, 4, 2, 3, 2]);
    // Point 1 (at 2) is equidistant from 0 and 4 (at 0 and 4): the lower index comes first.
    expect(Array.from(knnBruteForce(Float32Array.of(0, 2, 4), 3, 1, 2).subarray(2, 4))).toEqual([0, 2]);
  });

  it('uses Euclidean distance over every dimension', () => {
    // (0,0), (3,0), (0,2), (3,3): from (0,0) the distances are 3, 2, sqrt 18.
    const nn = knnBruteForce(Float32Array.of(0, 0, 3, 0, 0, 2, 3, 3), 4, 2, 3);
    expect(Array.from(nn.subarray(0, 3))).toEqual([2, 1, 3]);
    // From (3,3): (3,0) at 3, (0,2) at sqrt 10, (0,0) at sqrt 18.
    expect(Array.from(nn.subarray(9, 12))).toEqual([1, 2, 0]);
  });
});

describe('knnLabelPurity', () => {
  it('averages the share of neighbours with the same label', () => {
    const nn = knnBruteForce(Float32Array.of(0, 1, 3, 7, 8), 5, 1, 2);
    // Labels A A B B B. Neighbours [1,2] [0,2] [1,0] [4,2] [3,2]:
    // same-label counts 1, 1, 0, 2, 2 -> 6 of 10.
    expect(knnLabelPurity(nn, 2, [0, 0, 1, 1, 1])).toBeCloseTo(0.6, 15);
    expect(knnLabelPurity(nn, 2, [0, 0, 0, 0, 0])).toBe(1);
  });
});
