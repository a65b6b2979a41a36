import { describe, expect, it } from 'vitest';
import { clipNote, clippedDomain, percentile, percentiles } from '../../../src/core/color/percentile.ts';
import { continuousLegend, legendSvg } from '../../../src/core/color/legend.ts';
import { mulberry32 } from '../../../src/core/random.ts';

/** numpy.percentile(method='linear') written out here: sort, then interpolate at p/100 * (m - 1). */
function reference(values: ArrayLike<number>, p: number): number {
  const s = Array.from(values)
    .filter((v) => Number.isFinite(v))
    .sort((a, b) => a - b);
  const h = (p / 100) * (s.length - 1);
  const k = Math.floor(h);
  return k + 1 < s.length ? s[k] + (h - k) * (s[k + 1] - s[k]) : s[k];
}

const normalise = (svg: string) => svg.replace(/\d+\.\d+/g, (m) => String(Math.round(Number(m) * 100) / 100)).replace(/></g, '>\n<');

describe('percentiles', () => {
  it('closed forms on 1..100 in shuffled order (numpy linear interpolation)', () => {
    const rand = mulberry32(3);
    const v = Float32Array.from({ length: 100 }, (_, i) => i + 1);
    for (let i = v.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [v[i], v[j]] = [v[j], v[i]];
    }
    // h = p/100 * 99: p50 -> 49.5 -> 50.5; p1 -> 0.99 -> 1.99; p99 -> 98.01 -> 99.01.
    expect(percentile(v, 50)).toBeCloseTo(50.5, 12);
    expect(percentile(v, 1)).toBeCloseTo(1.99, 12);
    expect(percentile(v, 99)).toBeCloseTo(99.01, 12);
    expect(percentile(v, 0)).toBe(1);
    expect(percentile(v, 100)).toBe(100);
    // The input is not reordered.
    expect(v[0]).not.toBe(1);
  });

  it('ignores NaN, gives NaN without values, and refuses a percentile outside 0..100', () => {
    expect(percentile([NaN, 2, NaN, 4], 50)).toBe(3);
    expect(percentile([NaN, NaN], 50)).toBeNaN();
    expect(percentile([], 99)).toBeNaN();
    expect(() => percentile([1, 2], 101)).toThrow(/between 0 and 100/);
  });

  it('equals a sort-based reference on sparse, tied data (a gene seen in 10 % of 20,000 cells) and on Gaussian data', () => {
    const rand = mulberry32(11);
    const sparse = Float32Array.from({ length: 20_000 }, () => (rand() < 0.1 ? Math.log1p(1 + Math.floor(rand() * 8)) : 0));
    const gauss = Float32Array.from({ length: 20_001 }, () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand()));
    const ps = [0, 0.5, 1, 2, 5, 25, 50, 89.9, 90, 95, 98, 99, 99.9, 100];
    for (const v of [sparse, gauss]) {
      const got = percentiles(v, ps);
      ps.forEach((p, t) => expect(got[t]).toBeCloseTo(reference(v, p), 12));
    }
  });
});

describe('percentile colour domains', () => {
  it('clips a magnitude to [p1, p99] and says which ends cut cells', () => {
    // 0..998 and one outlier at 1e6: p99 sits well below the outlier, p1 above the minimum.
    const v = Float32Array.from({ length: 1000 }, (_, i) => (i === 999 ? 1e6 : i));
    const c = clippedDomain(v, false, 99);
    expect(c.domain[0]).toBeCloseTo(reference(v, 1), 9);
    expect(c.domain[1]).toBeCloseTo(reference(v, 99), 9);
    expect(c.domain[1]).toBeCloseTo(989.01, 6); // h = 0.99 * 999 = 989.01 between 989 and 990
    expect(c.low).toEqual({ p: 1, value: c.domain[0] });
    expect(c.high).toEqual({ p: 99, value: c.domain[1] });
    expect(clipNote(c, false)).toBe('Clipped at p1 = 9.99 and p99 = 989');
  });

  it('keeps the full range when the band is empty (a gene detected in under 1 % of cells), and for a constant column', () => {
    const v = new Float32Array(1000);
    v[3] = 2.5;
    v[700] = 1;
    expect(clippedDomain(v, false, 99)).toEqual({ domain: [0, 2.5], low: null, high: null });
    expect(clippedDomain(new Float32Array(10).fill(3), false, 99)).toEqual({ domain: [3, 4], low: null, high: null });
  });

  it('a sparse gene clips only its top: the legend says "Clipped at p99 = …"', () => {
    // 5 % of cells expressed at 1..50; zeros below p1, so only the high end is cut.
    const v = new Float32Array(2000);
    for (let i = 0; i < 100; i++) v[i * 20] = 1 + (i % 50);
    const c = clippedDomain(v, false, 99);
    expect(c.low).toBeNull();
    expect(c.domain).toEqual([0, reference(v, 99)]);
    expect(c.high?.value).toBeCloseTo(reference(v, 99), 12);
    expect(clipNote(c, false)).toBe(`Clipped at p99 = ${Number(reference(v, 99).toPrecision(3))}`);
  });

  it('a signed column is clipped symmetrically at p99 of |value|, so 0 stays white', () => {
    const v = Float32Array.from({ length: 1001 }, (_, i) => i - 500);
    v[0] = -1e4;
    const c = clippedDomain(v, true, 99);
    const m = reference(Array.from(v, Math.abs), 99);
    expect(c.domain[0]).toBeCloseTo(-m, 9);
    expect(c.domain[1]).toBeCloseTo(m, 9);
    expect(c.low?.value).toBeCloseTo(-m, 9);
    expect(c.high?.value).toBeCloseTo(m, 9);
    expect(clipNote(c, true)).toBe(`Clipped at ±${Number(m.toPrecision(3))} (p99 of |value|)`);
    expect(() => clippedDomain(v, true, 40)).toThrow(/above 50/);
  });

  it('legend SVG snapshot: viridis clipped at p99, with the end triangle and the sentence', async () => {
    const clip = { low: null, high: { p: 99, value: 3.2 } };
    const legend = continuousLegend({
      title: 'CD74 expression',
      units: 'log1p(CP10k)',
      domain: [0, 3.2],
      map: 'viridis',
      isSigned: false,
      clip,
    });
    expect(legend.clipText).toBe('Clipped at p99 = 3.2');
    expect(legend.clippedEnds).toEqual({ isLow: false, isHigh: true });
    const svg = legendSvg(legend);
    expect(svg).toContain('Clipped at p99 = 3.2');
    await expect(normalise(svg)).toMatchFileSnapshot('./__snapshots__/legend_sequential_clipped_p99.svg');
  });
});
