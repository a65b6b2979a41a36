import { describe, expect, it } from 'vitest';
import {
  buildLut,
  categoriesToRgba,
  continuousDomain,
  greyOutside,
  interpolator,
  luminance,
  NO_VALUE_RGBA,
  TOL_CATEGORICAL,
  valuesToRgba,
} from '../../../src/core/color/colormap.ts';
import { continuousLegend, legendSvg } from '../../../src/core/color/legend.ts';

/** Rounds every number in an SVG string to 2 decimals, as observablehq/plot's snapshot normaliser does. */
const normalise = (svg: string) => svg.replace(/\d+\.\d+/g, (m) => String(Math.round(Number(m) * 100) / 100)).replace(/></g, '>\n<');

describe('colour scales', () => {
  it('diverging maps are white at 0, blue for negative and red for positive', () => {
    const f = interpolator('RdBu');
    // The middle is the lightest colour of the map.
    expect(luminance(f(0.5))).toBeGreaterThan(0.85);
    for (const t of [0, 0.2, 0.4, 0.6, 0.8, 1]) expect(luminance(f(t))).toBeLessThan(luminance(f(0.5)));
    const neg = f(0.05);
    const pos = f(0.95);
    // Blue channel dominates below 0, red above.
    const [nr, , nb] = neg.match(/\d+/g)!.map(Number);
    const [pr, , pb] = pos.match(/\d+/g)!.map(Number);
    expect(nb).toBeGreaterThan(nr);
    expect(pr).toBeGreaterThan(pb);
  });

  it('sequential maps increase monotonically in luminance (they read in greyscale)', () => {
    for (const name of ['viridis', 'cividis'] as const) {
      const f = interpolator(name);
      const lum = Array.from({ length: 21 }, (_, i) => luminance(f(i / 20)));
      for (let i = 1; i < lum.length; i++) expect(lum[i]).toBeGreaterThan(lum[i - 1]);
    }
  });

  it('diverging maps are symmetric in luminance about 0 and darker at both ends', () => {
    const f = interpolator('PuOr');
    for (const t of [0, 0.1, 0.25, 0.4]) {
      expect(Math.abs(luminance(f(t)) - luminance(f(1 - t)))).toBeLessThan(0.15);
      expect(luminance(f(t))).toBeLessThan(luminance(f(0.5)));
    }
  });

  it('the categorical palette is Tol muted then light, all distinct', () => {
    expect(TOL_CATEGORICAL.slice(0, 3)).toEqual(['#CC6677', '#332288', '#DDCC77']);
    expect(new Set(TOL_CATEGORICAL).size).toBe(TOL_CATEGORICAL.length);
  });

  it('domains: [min, max] for magnitudes, symmetric for signed, NaN ignored', () => {
    expect(continuousDomain(new Float32Array([2, NaN, 5, 3]), false)).toEqual([2, 5]);
    expect(continuousDomain(new Float32Array([-0.5, NaN, 2]), true)).toEqual([-2, 2]);
    expect(continuousDomain(new Float32Array([NaN]), false)).toEqual([0, 1]);
    expect(continuousDomain(new Float32Array([4, 4]), false)).toEqual([4, 5]);
  });

  it('values map to the lookup-table bin they fall in, clamped; NaN is grey', () => {
    const lut = buildLut('viridis', 4);
    const rgba = valuesToRgba(new Float32Array([0, 0.26, 0.99, 1, 7, -3, NaN]), [0, 1], lut, 200);
    const bin = (i: number) => [...lut.subarray(4 * i, 4 * i + 3), 200];
    expect([...rgba.subarray(0, 4)]).toEqual(bin(0));
    expect([...rgba.subarray(4, 8)]).toEqual(bin(1));
    expect([...rgba.subarray(8, 12)]).toEqual(bin(3));
    expect([...rgba.subarray(12, 16)]).toEqual(bin(3));
    expect([...rgba.subarray(16, 20)]).toEqual(bin(3));
    expect([...rgba.subarray(20, 24)]).toEqual(bin(0));
    expect([...rgba.subarray(24, 28)]).toEqual([...NO_VALUE_RGBA]);
    // Bin centres: viridis(0.125) for the first of 4 bins; d3 gives #472d7b there.
    expect([...lut.subarray(0, 3)]).toEqual([0x47, 0x2d, 0x7b]);
    expect(interpolator('viridis')(0.125)).toBe('#472d7b');
  });

  it('hidden categories and cells outside a selection are grey but still drawn', () => {
    const rgba = categoriesToRgba(new Int32Array([0, 1, -1]), ['#ff0000', '#0000ff'], new Set([1]));
    expect([...rgba.subarray(0, 4)]).toEqual([255, 0, 0, 235]);
    expect([...rgba.subarray(4, 8)]).toEqual([...NO_VALUE_RGBA]);
    expect([...rgba.subarray(8, 12)]).toEqual([...NO_VALUE_RGBA]);
    greyOutside(rgba, new Uint8Array([0, 1, 1]));
    expect(rgba[3]).toBe(90);
    expect(rgba[0]).toBe(NO_VALUE_RGBA[0]);
  });
});

describe('legend SVG snapshots', () => {
  it('sequential gene legend (viridis, log1p CP10k)', async () => {
    const svg = legendSvg(
      continuousLegend({ title: 'CD74 expression', units: 'log1p(CP10k)', domain: [0, 4.83], map: 'viridis', isSigned: false }),
    );
    await expect(normalise(svg)).toMatchFileSnapshot('./__snapshots__/legend_sequential_viridis.svg');
  });

  it('diverging attribution legend (RdBu, centred on 0)', async () => {
    const svg = legendSvg(
      continuousLegend({ title: 'Attribution of CD74 to B', units: 'logit', domain: [-0.42, 0.42], map: 'RdBu', isSigned: true }),
    );
    await expect(normalise(svg)).toMatchFileSnapshot('./__snapshots__/legend_diverging_rdbu.svg');
  });

  it('categorical legend with a hidden entry and markup in a name rendered as text', async () => {
    const svg = legendSvg(
      {
        kind: 'categorical',
        title: 'Cell type (file)',
        entries: [
          { name: 'B', color: TOL_CATEGORICAL[0], count: 342, isHidden: false },
          { name: 'CD14+ Mono', color: TOL_CATEGORICAL[1], count: 480, isHidden: true },
          { name: '<b>NK</b> & "friends"', color: TOL_CATEGORICAL[2], count: 154, isHidden: false },
        ],
      },
      [
        ['app', 'glasswing test'],
        ['dataset', 'PBMC 3k'],
      ],
    );
    expect(svg).toContain('&lt;b&gt;NK&lt;/b&gt; &amp; &quot;friends&quot;');
    expect(svg).toContain('<glasswing:entry key="dataset" value="PBMC 3k"/>');
    await expect(normalise(svg)).toMatchFileSnapshot('./__snapshots__/legend_categorical.svg');
  });

  it('continuous legend ticks sit where the values are', () => {
    const legend = continuousLegend({ title: 't', domain: [-2, 2], map: 'PuOr', isSigned: true, widthPx: 200 });
    expect(legend.ticks.map((t) => [t.label, t.xPx])).toEqual([
      ['-2', 0],
      ['-1', 50],
      ['0', 100],
      ['1', 150],
      ['2', 200],
    ]);
    expect(legend.stops[5].color).toBe(interpolator('PuOr')(0.5));
  });
});
