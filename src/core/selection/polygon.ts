/**
 * Lasso and box hit-testing in data coordinates (pure, no DOM): the scatter hands over the
 * polygon the user drew, inverted from pixels into the layout's data units, and gets a mask back.
 */

/**
 * Whether (x, y) lies inside the closed polygon `flat` = [x0, y0, x1, y1, ...] (even-odd rule,
 * so a self-crossing lasso behaves like the drawn outline). A point exactly on a left or bottom
 * edge counts as inside and one on a right or top edge as outside, so two lassos that share an
 * edge never both take a point.
 */
export function pointInPolygon(x: number, y: number, flat: ArrayLike<number>): boolean {
  const m = Math.floor(flat.length / 2);
  let isInside = false;
  for (let i = 0, j = m - 1; i < m; j = i++) {
    const xi = flat[2 * i];
    const yi = flat[2 * i + 1];
    const xj = flat[2 * j];
    const yj = flat[2 * j + 1];
    // Half-open in y: the edge counts for y in [min, max), so a vertex is never counted twice.
    if (yi > y !== yj > y) {
      const xCross = xi + ((y - yi) * (xj - xi)) / (yj - yi);
      if (x < xCross) isInside = !isInside;
    }
  }
  return isInside;
}

/**
 * `[n]` 0/1 mask of the points of `xy` (`[n * 2]` float32, data units) inside the polygon
 * `flat` (data units, at least 3 vertices). Non-finite points are never selected.
 */
export function lassoMask(xy: Float32Array, flat: ArrayLike<number>): Uint8Array {
  const n = Math.floor(xy.length / 2);
  const mask = new Uint8Array(n);
  const m = Math.floor(flat.length / 2);
  if (m < 3) return mask;
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  for (let k = 0; k < m; k++) {
    x0 = Math.min(x0, flat[2 * k]);
    x1 = Math.max(x1, flat[2 * k]);
    y0 = Math.min(y0, flat[2 * k + 1]);
    y1 = Math.max(y1, flat[2 * k + 1]);
  }
  // The bounding box rejects most points of a large layout with four comparisons.
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (!(x >= x0 && x <= x1 && y >= y0 && y <= y1)) continue;
    if (pointInPolygon(x, y, flat)) mask[i] = 1;
  }
  return mask;
}

/** `[n]` 0/1 mask of the points of `xy` inside the box spanned by two corners (any order), edges included. */
export function boxMask(xy: Float32Array, ax: number, ay: number, bx: number, by: number): Uint8Array {
  const n = Math.floor(xy.length / 2);
  const mask = new Uint8Array(n);
  const x0 = Math.min(ax, bx);
  const x1 = Math.max(ax, bx);
  const y0 = Math.min(ay, by);
  const y1 = Math.max(ay, by);
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (x >= x0 && x <= x1 && y >= y0 && y <= y1) mask[i] = 1;
  }
  return mask;
}
