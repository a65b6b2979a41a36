/**
 * Nearest-point lookup over a 2-D layout, for hover and click picking.
 *
 * A uniform grid built by counting sort into typed arrays: O(n) with no per-point objects.
 * d3-quadtree was measured first and took 0.3 s to build for 100k cells and 3.6 s for 1M,
 * a freeze on the first hover. This grid builds 1M in ~0.1-0.5 s (bench), so above a few
 * thousand cells it is built in a worker (point_index.worker.ts) and hover waits for it.
 */
export interface PointIndex {
  /** Index of the point nearest to (x, y) within `radius` (data units), or null. Ties go to the higher index, drawn on top. */
  nearest(x: number, y: number, radius: number): number | null;
}

/** The grid's arrays: what a worker builds and transfers back (no per-point objects). */
export interface PointGrid {
  /** Bounds of the finite points, data units. */
  x0: number;
  x1: number;
  y0: number;
  y1: number;
  /** Cells per side. */
  side: number;
  /** `[side * side + 1]`: cell c's points are `order[cellStart[c] .. cellStart[c + 1])`. */
  cellStart: Uint32Array;
  /** `[nFinite]` point indices, ascending within a cell. */
  order: Uint32Array;
}

/** Builds the grid of `xy` (`[n * 2]` float32, data units) by counting sort; null when no point is finite. */
export function buildPointGrid(xy: Float32Array): PointGrid | null {
  const n = Math.floor(xy.length / 2);
  let x0 = Infinity;
  let x1 = -Infinity;
  let y0 = Infinity;
  let y1 = -Infinity;
  let finiteCount = 0;
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    finiteCount++;
    if (x < x0) x0 = x;
    if (x > x1) x1 = x;
    if (y < y0) y0 = y;
    if (y > y1) y1 = y;
  }
  if (finiteCount === 0) return null;
  // About two points per cell on average.
  const side = Math.max(1, Math.ceil(Math.sqrt(finiteCount / 2)));
  const { column, row } = cellFns(x0, x1, y0, y1, side);
  const cellOf = new Int32Array(n).fill(-1);
  const cellStart = new Uint32Array(side * side + 1);
  for (let i = 0; i < n; i++) {
    const x = xy[2 * i];
    const y = xy[2 * i + 1];
    if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
    const c = row(y) * side + column(x);
    cellOf[i] = c;
    cellStart[c + 1]++;
  }
  for (let c = 0; c < side * side; c++) cellStart[c + 1] += cellStart[c];
  const fill = cellStart.slice(0, side * side);
  const order = new Uint32Array(finiteCount);
  for (let i = 0; i < n; i++) {
    const c = cellOf[i];
    if (c >= 0) order[fill[c]++] = i;
  }
  return { x0, x1, y0, y1, side, cellStart, order };
}

function cellFns(x0: number, x1: number, y0: number, y1: number, side: number) {
  const cellW = (x1 - x0) / side || 1;
  const cellH = (y1 - y0) / side || 1;
  return {
    column: (x: number) => Math.min(side - 1, Math.max(0, Math.floor((x - x0) / cellW))),
    row: (y: number) => Math.min(side - 1, Math.max(0, Math.floor((y - y0) / cellH))),
  };
}

/** Indexes `xy` (`[n * 2]` float32, data units); non-finite points are left out. The array is read, not copied. */
export function createPointIndex(xy: Float32Array): PointIndex {
  return indexFromGrid(xy, buildPointGrid(xy));
}

/** A PointIndex over `xy` from a grid built earlier (e.g. in a worker) for the same array. */
export function indexFromGrid(xy: Float32Array, grid: PointGrid | null): PointIndex {
  if (!grid) return { nearest: () => null };
  const { x0, x1, y0, y1, side, cellStart, order } = grid;
  const { column, row } = cellFns(x0, x1, y0, y1, side);
  return {
    nearest(x, y, radius) {
      if (!Number.isFinite(x) || !Number.isFinite(y) || !(radius >= 0)) return null;
      if (x < x0 - radius || x > x1 + radius || y < y0 - radius || y > y1 + radius) return null;
      const c0 = column(x - radius);
      const c1 = column(x + radius);
      const r0 = row(y - radius);
      const r1 = row(y + radius);
      let best: number | null = null;
      let bestD2 = radius * radius;
      for (let r = r0; r <= r1; r++) {
        for (let c = c0; c <= c1; c++) {
          const cell = r * side + c;
          for (let k = cellStart[cell]; k < cellStart[cell + 1]; k++) {
            const i = order[k];
            const dx = xy[2 * i] - x;
            const dy = xy[2 * i + 1] - y;
            const d2 = dx * dx + dy * dy;
            if (d2 < bestD2 || (d2 === bestD2 && (best === null || i > best))) {
              bestD2 = d2;
              best = i;
            }
          }
        }
      }
      return best;
    },
  };
}
