/**
 * Colours for a published numeric column (a gene's expression, a TF activity…): sequential for
 * magnitudes, diverging centred on 0 for signed values; NaN cells grey. Used by the scatter when
 * the colour-by key names a published column.
 */
import { rgb } from 'd3';
import type { PublishedColumn } from '../state/app.svelte.ts';
import { MUTED_GREY, divergingColor, sequentialColor } from './colors.ts';

/** `[nCells * 4]` RGBA for `column`, or an empty array when there is no such column. */
export function publishedRgba(column: PublishedColumn | undefined, nCells: number): Uint8Array {
  if (!column || column.values.length !== nCells) return new Uint8Array(0);
  const v = column.values;
  let lo = Infinity;
  let hi = -Infinity;
  for (const x of v) {
    if (!Number.isFinite(x)) continue;
    lo = Math.min(lo, x);
    hi = Math.max(hi, x);
  }
  const maxAbs = Math.max(Math.abs(lo), Math.abs(hi), 1e-12);
  const out = new Uint8Array(nCells * 4);
  const grey = rgb(MUTED_GREY);
  // 64-step lookup: d3 interpolators are too slow to call per cell at millions of cells.
  const steps = 64;
  const table = Array.from({ length: steps + 1 }, (_, k) => {
    const c = rgb(column.isSigned ? divergingColor(-maxAbs + (2 * maxAbs * k) / steps, maxAbs) : sequentialColor(k / steps));
    return [c.r, c.g, c.b];
  });
  for (let i = 0; i < nCells; i++) {
    const x = v[i];
    if (!Number.isFinite(x)) {
      out.set([grey.r, grey.g, grey.b, 90], i * 4);
      continue;
    }
    const t = column.isSigned ? (x + maxAbs) / (2 * maxAbs) : hi > lo ? (x - lo) / (hi - lo) : 0;
    const [r, g, b] = table[Math.round(t * steps)];
    out[i * 4] = r;
    out[i * 4 + 1] = g;
    out[i * 4 + 2] = b;
    out[i * 4 + 3] = 235;
  }
  return out;
}
