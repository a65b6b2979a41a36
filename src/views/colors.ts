/**
 * Colour maps. Categorical: Paul Tol's "muted" scheme (colour-blind safe, 9 colours), then
 * Tol's "light" for more. Signed attribution: a diverging blue–white–red map centred on 0.
 * Magnitudes: a sequential map. Legends always say what a colour means.
 */
import { interpolateRdBu, interpolateViridis, rgb } from 'd3';
import { TOL_CATEGORICAL } from '../core/color/colormap.ts';

/** The app's categorical palette: Tol's, defined once in core/color/colormap.ts. */
export const CATEGORICAL = TOL_CATEGORICAL;
export const MUTED_GREY = '#c9ccd1';

/** Edge colours by regulation sign, distinguishable in greyscale by the marker shape as well. */
export const SIGN_COLORS = { 1: '#0077BB', [-1]: '#EE7733', 0: '#9aa0a6' } as Record<number, string>;

/** Colour of category `i`. */
export const categoryColor = (i: number): string => CATEGORICAL[i % CATEGORICAL.length];

/** Diverging colour for a signed value `v` in [-max, max]: blue negative, red positive. */
export function divergingColor(v: number, max: number): string {
  const t = max > 0 ? Math.max(-1, Math.min(1, v / max)) : 0;
  return interpolateRdBu(0.5 - t / 2);
}

/** Sequential colour for `t` in [0, 1]. */
export const sequentialColor = (t: number): string => interpolateViridis(Math.max(0, Math.min(1, t)));

/**
 * RGBA per cell `[n * 4]` from category codes; cells whose category is hidden are drawn in light
 * grey at low alpha, so context stays visible.
 */
export function categoryRgba(codes: Int32Array, hidden: ReadonlySet<number>, palette: string[] = CATEGORICAL): Uint8Array {
  const table = palette.map((c) => {
    const { r, g, b } = rgb(c);
    return [r, g, b];
  });
  const grey = rgb(MUTED_GREY);
  const out = new Uint8Array(codes.length * 4);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    const isHidden = c < 0 || hidden.has(c);
    const [r, g, b] = isHidden ? [grey.r, grey.g, grey.b] : table[c % table.length];
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = isHidden ? 90 : 235;
  }
  return out;
}
