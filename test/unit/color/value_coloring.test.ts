import { describe, expect, it } from 'vitest';
import { buildLut, categoriesToRgba, greyOutside, NO_VALUE_RGBA, TOL_CATEGORICAL, valuesToRgba } from '../../../src/core/color/colormap.ts';
import { categoricalLut, codesToValues, valueColoringToRgba } from '../../../src/core/color/value_coloring.ts';

describe('GPU colourings (values + LUT) mapped on the CPU', () => {
  it('a categorical palette LUT gives the colours of categoriesToRgba, hidden categories and missing codes grey', () => {
    const codes = Int32Array.from([0, 1, 2, -1, 4, 16, 17, 3]);
    const hidden = new Set([2]);
    const lut = categoricalLut(TOL_CATEGORICAL, 18, hidden);
    expect(lut.length).toBe(18 * 4);
    // Category 17 wraps onto the palette's first colour (17 colours), as the RGBA path does.
    expect([...lut.subarray(17 * 4, 18 * 4)]).toEqual([...lut.subarray(0, 4)]);
    expect([...lut.subarray(2 * 4, 3 * 4)]).toEqual([...NO_VALUE_RGBA]);
    const mask = Uint8Array.from([1, 1, 1, 1, 0, 1, 1, 0]);
    const got = valueColoringToRgba({ kind: 'categorical', values: codesToValues(codes), lut, domain: [0, 1], alpha: 235, mask });
    expect([...got]).toEqual([...greyOutside(categoriesToRgba(codes, TOL_CATEGORICAL, hidden), mask)]);
  });

  it('a continuous colouring equals valuesToRgba over the same domain and LUT (NaN grey)', () => {
    const values = Float32Array.from([0, 0.5, 1, NaN, 2, -1, 0.999]);
    const lut = buildLut('cividis');
    const got = valueColoringToRgba({ kind: 'continuous', values, lut, domain: [0, 1], alpha: 200, mask: null });
    expect([...got]).toEqual([...valuesToRgba(values, [0, 1], lut, 200)]);
    expect([...got.subarray(12, 16)]).toEqual([...NO_VALUE_RGBA]);
    // Clamped: 2 takes the top bin, -1 the bottom one.
    expect([...got.subarray(16, 19)]).toEqual([...lut.subarray(255 * 4, 255 * 4 + 3)]);
    expect([...got.subarray(20, 23)]).toEqual([...lut.subarray(0, 3)]);
  });
});
