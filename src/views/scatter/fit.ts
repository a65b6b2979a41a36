import type { ViewAffine } from './point_renderer.ts';

/** Axis-aligned bounds of a layout, in data units. */
export interface Extent {
  x0: number;
  x1: number;
  y0: number;
  y1: number;
}

/** Space kept free around the points, in CSS pixels (axes sit in the left and bottom margins). */
export interface Margins {
  top: number;
  right: number;
  bottom: number;
  left: number;
}

/** A linear map `px = data * k + offset` per axis (y is flipped: k < 0). */
export interface AxisMap {
  k: number;
  offset: number;
}

/** Bounds of the finite points in `xy` (`[n * 2]`); a unit box around 0 when there are none. */
export function dataExtent(xy: Float32Array): Extent {
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let k = 0; k + 1 < xy.length; k += 2) {
    const x = xy[k];
    const y = xy[k + 1];
    // NaN/Infinity (e.g. cells a layout could not place) must not blow the extent up.
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (x0 > x1) return { x0: -1, x1: 1, y0: -1, y1: 1 };
  return { x0, x1, y0, y1 };
}

/**
 * Fits `extent` into a `widthPx x heightPx` box inside `margins`, with one scale for both axes
 * (a layout's distances mean the same in x and y) and y pointing up. Returns the data domains
 * that fill the box and the pixel ranges they map to.
 */
export function fitDomains(
  extent: Extent,
  widthPx: number,
  heightPx: number,
  margins: Margins,
): { xDomain: [number, number]; yDomain: [number, number]; xRange: [number, number]; yRange: [number, number] } {
  const left = margins.left;
  const right = Math.max(left + 1, widthPx - margins.right);
  const top = margins.top;
  const bottom = Math.max(top + 1, heightPx - margins.bottom);
  const boxW = right - left;
  const boxH = bottom - top;
  // A degenerate axis (all points on a line) gets a span so it still centres.
  const spanX = extent.x1 - extent.x0 || Math.abs(extent.x0) || 1;
  const spanY = extent.y1 - extent.y0 || Math.abs(extent.y0) || 1;
  const pxPerUnit = Math.min(boxW / spanX, boxH / spanY);
  const cx = (extent.x0 + extent.x1) / 2;
  const cy = (extent.y0 + extent.y1) / 2;
  const halfW = boxW / (2 * pxPerUnit);
  const halfH = boxH / (2 * pxPerUnit);
  return {
    xDomain: [cx - halfW, cx + halfW],
    yDomain: [cy - halfH, cy + halfH],
    xRange: [left, right],
    yRange: [bottom, top],
  };
}

/** The linear map of a d3 linear scale (or any `f(v) = k v + offset`). */
export function axisMap(scale: (v: number) => number): AxisMap {
  const offset = scale(0);
  return { k: scale(1) - offset, offset };
}

/** Data -> WebGL clip space for pixel maps over a `widthPx x heightPx` canvas (pixel y grows down, clip y up). */
export function clipAffine(x: AxisMap, y: AxisMap, widthPx: number, heightPx: number): ViewAffine {
  return {
    scaleX: (2 * x.k) / widthPx,
    translateX: (2 * x.offset) / widthPx - 1,
    scaleY: (-2 * y.k) / heightPx,
    translateY: 1 - (2 * y.offset) / heightPx,
  };
}

/** Maps data units of the layout drawn by `from` into those of `to`, so a point keeps its pixel position. */
export function affineBetween(from: { x: AxisMap; y: AxisMap }, to: { x: AxisMap; y: AxisMap }): ViewAffine {
  return {
    scaleX: from.x.k / to.x.k,
    translateX: (from.x.offset - to.x.offset) / to.x.k,
    scaleY: from.y.k / to.y.k,
    translateY: (from.y.offset - to.y.offset) / to.y.k,
  };
}

/** A point diameter (CSS px) that keeps dense layouts readable: 4 px around 3k cells, smaller as n grows. */
export function defaultPointSizePx(n: number): number {
  if (n <= 1_000) return 6;
  if (n <= 5_000) return 4;
  if (n <= 20_000) return 3;
  if (n <= 100_000) return 2;
  return 1.5;
}
