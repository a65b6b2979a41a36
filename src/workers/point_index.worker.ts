/** Builds the scatter's hover-picking grid off the main thread; the arrays come back transferred. */
import { buildPointGrid } from '../core/selection/point_index.ts';

self.onmessage = (event: MessageEvent<{ id: number; xy: Float32Array }>) => {
  const grid = buildPointGrid(event.data.xy);
  const transfer = grid ? [grid.cellStart.buffer, grid.order.buffer] : [];
  (self as unknown as Worker).postMessage({ id: event.data.id, grid }, transfer);
};
