/**
 * Colour maps for the scatter and its legends. Categorical: Paul Tol's colour-blind-safe
 * schemes. Sequential: viridis (default) or cividis, both monotone in lightness so they read in
 * greyscale. Diverging for signed values, centred on 0: RdBu (blue negative, red positive) or PuOr.
 * Values become colours through a 256-entry lookup table, so recolouring 2M cells is one pass.
 */
import { interpolateCividis, interpolatePuOr, interpolateRdBu, interpolateViridis } from 'd3-scale-chromatic';
import { rgb } from 'd3-color';

/** Paul Tol "muted" (9) then "light" (8): colour-blind safe, distinct in hue and lightness. */
export const TOL_CATEGORICAL = [
  '#CC6677',
  '#332288',
  '#DDCC77',
  '#117733',
  '#88CCEE',
  '#882255',
  '#44AA99',
  '#999933',
  '#AA4499',
  '#77AADD',
  '#EE8866',
  '#EEDD88',
  '#FFAABB',
  '#99DDFF',
  '#44BB99',
  '#BBCC33',
  '#AAAA00',
];

/** Names of the continuous maps on offer. */
export type ContinuousMapName = 'viridis' | 'cividis' | 'RdBu' | 'PuOr';

/** Which maps are diverging (for signed values, centred on 0). */
export const DIVERGING_MAPS: readonly ContinuousMapName[] = ['RdBu', 'PuOr'];
/** Which maps are sequential (for magnitudes). */
export const SEQUENTIAL_MAPS: readonly ContinuousMapName[] = ['viridis', 'cividis'];

/** `t` in [0, 1] -> CSS colour; diverging maps put t = 0.5 (value 0) at their neutral middle. */
export function interpolator(name: ContinuousMapName): (t: number) => string {
  switch (name) {
    case 'viridis':
      return interpolateViridis;
    case 'cividis':
      return interpolateCividis;
    // d3's RdBu runs red -> blue; flip it so negative is blue and positive red, as in LIT and most papers.
    case 'RdBu':
      return (t) => interpolateRdBu(1 - t);
    case 'PuOr':
      return (t) => interpolatePuOr(1 - t);
  }
}

/** Entries in a lookup table. */
export const LUT_SIZE = 256;

/** `[LUT_SIZE * 4]` u8 RGBA (alpha 255) sampling the map at bin centres. */
export function buildLut(name: ContinuousMapName, size = LUT_SIZE): Uint8Array {
  const f = interpolator(name);
  const lut = new Uint8Array(size * 4);
  for (let i = 0; i < size; i++) {
    const c = rgb(f((i + 0.5) / size));
    lut[4 * i] = Math.round(c.r);
    lut[4 * i + 1] = Math.round(c.g);
    lut[4 * i + 2] = Math.round(c.b);
    lut[4 * i + 3] = 255;
  }
  return lut;
}

/** The value range a colour bar spans: [lo, hi]; symmetric around 0 for signed values. */
export type Domain = [number, number];

/**
 * The domain of `values` (`[n]`, NaN ignored): [min, max] for a magnitude, [-m, m] with
 * m = max |v| for a signed column (so white means exactly 0). A constant column gets a unit span.
 */
export function continuousDomain(values: ArrayLike<number>, isSigned: boolean): Domain {
  let lo = Infinity;
  let hi = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (!(lo <= hi)) return isSigned ? [-1, 1] : [0, 1];
  if (isSigned) {
    const m = Math.max(Math.abs(lo), Math.abs(hi)) || 1;
    return [-m, m];
  }
  return lo === hi ? [lo, lo + 1] : [lo, hi];
}

const IS_LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/** Grey (straight alpha) for cells with no value (NaN) and for context cells outside the selection. */
export const NO_VALUE_RGBA = [201, 204, 209, 110] as const;

/**
 * Per-cell RGBA `[n * 4]` u8 from `values` `[n]` through `lut` over `domain` (values outside are
 * clamped; NaN is grey). Writes into `out` when given (no allocation at 2M cells).
 */
export function valuesToRgba(values: ArrayLike<number>, domain: Domain, lut: Uint8Array, alpha = 235, out?: Uint8Array): Uint8Array {
  const n = values.length;
  const rgba = out && out.length === n * 4 ? out : new Uint8Array(n * 4);
  const size = lut.length / 4;
  const [lo, hi] = domain;
  const k = hi > lo ? size / (hi - lo) : 0;
  if (IS_LITTLE_ENDIAN && rgba.byteOffset % 4 === 0) {
    // One 32-bit store per cell instead of four byte stores: 2M cells in a few ms.
    const packed = new Uint32Array(size);
    for (let b = 0; b < size; b++) packed[b] = (lut[4 * b] | (lut[4 * b + 1] << 8) | (lut[4 * b + 2] << 16) | (alpha << 24)) >>> 0;
    const grey = (NO_VALUE_RGBA[0] | (NO_VALUE_RGBA[1] << 8) | (NO_VALUE_RGBA[2] << 16) | (NO_VALUE_RGBA[3] << 24)) >>> 0;
    const out32 = new Uint32Array(rgba.buffer, rgba.byteOffset, n);
    for (let i = 0; i < n; i++) {
      const v = values[i];
      if (v !== v) {
        out32[i] = grey;
        continue;
      }
      let b = ((v - lo) * k) | 0;
      if (b < 0) b = 0;
      else if (b >= size) b = size - 1;
      out32[i] = packed[b];
    }
    return rgba;
  }
  for (let i = 0; i < n; i++) {
    const v = values[i];
    const o = 4 * i;
    if (v !== v) {
      rgba[o] = NO_VALUE_RGBA[0];
      rgba[o + 1] = NO_VALUE_RGBA[1];
      rgba[o + 2] = NO_VALUE_RGBA[2];
      rgba[o + 3] = NO_VALUE_RGBA[3];
      continue;
    }
    let b = ((v - lo) * k) | 0;
    if (b < 0) b = 0;
    else if (b >= size) b = size - 1;
    rgba[o] = lut[4 * b];
    rgba[o + 1] = lut[4 * b + 1];
    rgba[o + 2] = lut[4 * b + 2];
    rgba[o + 3] = alpha;
  }
  return rgba;
}

/**
 * Per-cell RGBA from category codes `[n]` (-1 = missing) and a palette; categories in `hidden`
 * and missing codes are drawn grey and faint, so they stay visible as context.
 */
export function categoriesToRgba(codes: Int32Array, palette: string[], hidden: ReadonlySet<number> = new Set(), alpha = 235): Uint8Array {
  const table = palette.map((c) => {
    const { r, g, b } = rgb(c);
    return [r, g, b];
  });
  const out = new Uint8Array(codes.length * 4);
  for (let i = 0; i < codes.length; i++) {
    const c = codes[i];
    const isHidden = c < 0 || hidden.has(c) || table.length === 0;
    const [r, g, b] = isHidden ? NO_VALUE_RGBA : table[c % table.length];
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = isHidden ? NO_VALUE_RGBA[3] : alpha;
  }
  return out;
}

/**
 * Greys every cell outside `mask` (`[n]` 0/1) in place, keeping it visible as faint context;
 * selected cells keep their colour. Returns `rgba`.
 */
export function greyOutside(rgba: Uint8Array, mask: Uint8Array): Uint8Array {
  for (let i = 0; i < mask.length; i++) {
    if (mask[i]) continue;
    const o = 4 * i;
    rgba[o] = NO_VALUE_RGBA[0];
    rgba[o + 1] = NO_VALUE_RGBA[1];
    rgba[o + 2] = NO_VALUE_RGBA[2];
    rgba[o + 3] = Math.min(rgba[o + 3], 90);
  }
  return rgba;
}

/** WCAG relative luminance of a CSS colour, 0 (black) .. 1 (white): how a colour reads in greyscale. */
export function luminance(color: string): number {
  const { r, g, b } = rgb(color);
  const lin = (c: number) => {
    const s = c / 255;
    return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
}
