import { describe, expect, it } from 'vitest';
import { edgeOpacity, FOCUS_FADE } from '../../../src/views/graph/edge_opacity';

describe('edgeOpacity', () => {
  it('keeps 0.55 up to 800 links, then falls as 1/√links to a floor of 0.08', () => {
    expect(edgeOpacity(0)).toBe(0.55);
    expect(edgeOpacity(800)).toBe(0.55);
    // 4× the links → half the opacity.
    expect(edgeOpacity(3200)).toBeCloseTo(0.275, 12);
    expect(edgeOpacity(20_000)).toBeCloseTo(0.55 / 5, 12);
    expect(edgeOpacity(1_000_000)).toBe(0.08);
    // A hovered gene's neighbourhood stays readable: the rest fade to about a quarter.
    expect(edgeOpacity(800) * FOCUS_FADE).toBeCloseTo(0.1485, 12);
  });
});
