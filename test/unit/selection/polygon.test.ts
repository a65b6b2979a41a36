import { describe, expect, it } from 'vitest';
import { boxMask, lassoMask, pointInPolygon } from '../../../src/core/selection/polygon.ts';

/** A 10 x 10 grid of points at integer coordinates (x = i % 10, y = floor(i / 10)), offset by 0.5 so none lies on an edge. */
function grid(): Float32Array {
  const xy = new Float32Array(200);
  for (let i = 0; i < 100; i++) {
    xy[2 * i] = (i % 10) + 0.5;
    xy[2 * i + 1] = Math.floor(i / 10) + 0.5;
  }
  return xy;
}

const selected = (mask: Uint8Array) => [...mask.keys()].filter((i) => mask[i] === 1);

describe('lasso selection over known coordinates', () => {
  it('a concave U-shaped lasso selects exactly the points of the U, not those in its notch', () => {
    // The U spans x 0..6, y 0..5; the notch x 2..4, y 2..5 is open at the top.
    const u = [0, 0, 6, 0, 6, 5, 4, 5, 4, 2, 2, 2, 2, 5, 0, 5];
    const got = selected(lassoMask(grid(), u));
    const expected: number[] = [];
    for (let y = 0; y < 5; y++)
      for (let x = 0; x < 6; x++) {
        const isNotch = x >= 2 && x < 4 && y >= 2;
        if (!isNotch) expected.push(y * 10 + x);
      }
    expect(got).toEqual(expected);
    expect(got).toHaveLength(30 - 6);
    // Spot checks written out by hand: (0.5,0.5) in, (2.5,3.5) in the notch, (6.5,0.5) right of the U.
    expect(got).toContain(0);
    expect(got).not.toContain(32);
    expect(got).not.toContain(6);
    expect(got).toContain(45);
  });

  it('a triangle selects the points under its diagonal', () => {
    // Right triangle (0,0) (10,0) (0,10): inside when x + y < 10.
    const got = selected(lassoMask(grid(), [0, 0, 10, 0, 0, 10]));
    const expected = [...Array(100).keys()].filter((i) => (i % 10) + 0.5 + Math.floor(i / 10) + 0.5 < 10);
    expect(got).toEqual(expected);
    expect(got).toHaveLength(45);
  });

  it('a self-crossing bow-tie follows the even-odd rule', () => {
    // Two triangles meeting at (5, 5): left lobe x < 5 and right lobe x > 5, around y = 5.
    const bow = [0, 2, 10, 8, 10, 2, 0, 8];
    expect(pointInPolygon(1, 5, bow)).toBe(true);
    expect(pointInPolygon(9, 5, bow)).toBe(true);
    expect(pointInPolygon(5, 7.5, bow)).toBe(false);
    expect(pointInPolygon(5, 2.5, bow)).toBe(false);
  });

  it('shared edges give a point to exactly one of two adjacent lassos', () => {
    const xy = new Float32Array([5, 5, 5, 2]);
    const left = lassoMask(xy, [0, 0, 5, 0, 5, 10, 0, 10]);
    const right = lassoMask(xy, [5, 0, 10, 0, 10, 10, 5, 10]);
    expect([left[0] + right[0], left[1] + right[1]]).toEqual([1, 1]);
  });

  it('never selects non-finite points; fewer than three vertices select nothing', () => {
    const xy = new Float32Array([1, 1, NaN, 1, 1, Infinity]);
    expect(selected(lassoMask(xy, [0, 0, 3, 0, 3, 3, 0, 3]))).toEqual([0]);
    expect(selected(lassoMask(xy, [0, 0, 3, 3]))).toEqual([]);
  });

  it('box selection takes corners in any order and includes its edges', () => {
    const got = selected(boxMask(grid(), 7.5, 8.5, 5.5, 6.5));
    expect(got).toEqual([65, 66, 67, 75, 76, 77, 85, 86, 87]);
  });
});
