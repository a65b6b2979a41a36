/**
 * Colouring as the GPU does it: the scatter uploads each cell's value once (a Float32 per cell)
 * and maps it in the vertex shader through a small lookup texture, so a recolour costs one buffer
 * upload and one draw instead of a 2M-cell RGBA pass on the main thread. These are the plain data
 * the renderer needs, plus the CPU mapping it falls back to (density view) and that tests compare with.
 */
import { rgb } from 'd3-color';
import { NO_VALUE_RGBA, greyOutside, valuesToRgba, type Domain } from './colormap.ts';

/** One colouring in GPU form. */
export interface ValueColoring {
  /**
   * 'continuous': `values` are numbers mapped over `domain` through `lut` (clamped; NaN grey).
   * 'categorical': `values` are category codes (integers; < 0 missing, grey) indexing `lut` modulo its length.
   */
  kind: 'continuous' | 'categorical';
  /** `[nCells]` float32; keep it unchanged while drawn (the renderer re-uploads only a new array). */
  values: Float32Array;
  /** `[m * 4]` u8 RGBA, m <= 256: a 256-entry colour map, or one entry per category (alpha carries hidden categories). */
  lut: Uint8Array;
  /** Value range spread over the LUT (continuous only). */
  domain: Domain;
  /** Alpha 0..255 of a continuous colour (categorical colours carry theirs in `lut`). */
  alpha: number;
  /** `[nCells]` 0/1 selection mask, or null: cells at 0 are drawn grey and faint. */
  mask: Uint8Array | null;
}

/** Entries the shader's lookup texture holds. */
export const VALUE_LUT_SIZE = 256;

/**
 * The palette LUT of a categorical colouring: `[m * 4]` u8, one RGBA per category (m = min(256,
 * palette length)); categories in `hidden` are grey and faint as in categoriesToRgba. Hidden
 * categories need their own entries, so the LUT has one entry per category up to 256.
 */
export function categoricalLut(palette: string[], nCategories: number, hidden: ReadonlySet<number> = new Set(), alpha = 235): Uint8Array {
  const m = Math.max(1, Math.min(VALUE_LUT_SIZE, Math.max(nCategories, 1)));
  const table = palette.map((c) => rgb(c));
  const lut = new Uint8Array(m * 4);
  for (let c = 0; c < m; c++) {
    const isHidden = hidden.has(c) || table.length === 0;
    const color = isHidden ? null : table[c % table.length];
    lut[4 * c] = color ? Math.round(color.r) : NO_VALUE_RGBA[0];
    lut[4 * c + 1] = color ? Math.round(color.g) : NO_VALUE_RGBA[1];
    lut[4 * c + 2] = color ? Math.round(color.b) : NO_VALUE_RGBA[2];
    lut[4 * c + 3] = isHidden ? NO_VALUE_RGBA[3] : alpha;
  }
  return lut;
}

/** Category codes as the float32 values the shader reads (exact for codes below 2^24). */
export function codesToValues(codes: Int32Array): Float32Array {
  return Float32Array.from(codes);
}

/**
 * The same colours the shader draws, computed on the CPU: `[nCells * 4]` u8 straight RGBA. The
 * density view and exports use it. Categorical codes >= the LUT length wrap, as in the shader.
 */
export function valueColoringToRgba(c: ValueColoring): Uint8Array {
  let rgba: Uint8Array;
  if (c.kind === 'continuous') {
    rgba = valuesToRgba(c.values, c.domain, c.lut, c.alpha);
  } else {
    const m = c.lut.length / 4;
    rgba = new Uint8Array(c.values.length * 4);
    for (let i = 0; i < c.values.length; i++) {
      const code = c.values[i];
      const o = 4 * i;
      if (!(code >= 0)) {
        rgba.set(NO_VALUE_RGBA, o);
        continue;
      }
      const e = 4 * (Math.floor(code) % m);
      rgba[o] = c.lut[e];
      rgba[o + 1] = c.lut[e + 1];
      rgba[o + 2] = c.lut[e + 2];
      rgba[o + 3] = c.lut[e + 3];
    }
  }
  if (c.mask && c.mask.length === c.values.length) greyOutside(rgba, c.mask);
  return rgba;
}
