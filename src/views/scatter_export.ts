/**
 * The scatter as an exportable figure, redrawn from the data (not screenshotted): the current
 * layout, colours and camera, at the on-screen plot size. Vector circles up to
 * MAX_VECTOR_POINTS cells; above that the points are rasterised at the export scale and embedded.
 */
import type { ScaleLinear } from 'd3';
import { isVectorScatter, scatterFigureSize, scatterSvg, type LegendEntry } from '../core/export/scatter_svg.ts';
import { themeColors, type Figure } from './figure_export.ts';

/** What LatentScatter.exportFrame() returns. */
export interface ScatterFrame {
  widthPx: number;
  heightPx: number;
  diameterPx: number;
  x: ScaleLinear<number, number>;
  y: ScaleLinear<number, number>;
}

/** The words and data of a scatter figure. */
export interface ScatterExportInput {
  frame: ScatterFrame;
  /** `[n * 2]` data units. */
  positions: Float32Array;
  /** `[n * 4]` RGBA bytes. */
  colors: Uint8Array;
  title: string;
  subtitle: string;
  xLabel: string;
  yLabel: string;
  legendTitle: string;
  legend: LegendEntry[];
}

/** Build the scatter figure; `scale` sets the raster resolution when the points are embedded as an image. */
export function scatterFigure(input: ScatterExportInput, scale = 2): Figure {
  const { frame } = input;
  const n = Math.floor(input.positions.length / 2);
  const xy = new Float32Array(n * 2);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = frame.x(input.positions[2 * i]);
    xy[2 * i + 1] = frame.y(input.positions[2 * i + 1]);
  }
  const colors = themeColors();
  const fmt = (v: number) => String(Number(v.toPrecision(4)));
  const figure = {
    ...input,
    plotWidthPx: frame.widthPx,
    plotHeightPx: frame.heightPx,
    xy,
    rgba: input.colors,
    diameterPx: frame.diameterPx,
    xTicks: frame.x.ticks(8).map((t) => ({ px: frame.x(t), label: fmt(t) })),
    yTicks: frame.y.ticks(6).map((t) => ({ px: frame.y(t), label: fmt(t) })),
    rasterHref: isVectorScatter(n) ? undefined : rasterPoints(xy, input.colors, frame, scale),
    ...colors,
  };
  const size = scatterFigureSize(figure);
  return { svg: scatterSvg(figure), ...size };
}

/** Points drawn with Canvas2D at `scale` × the plot size, as a PNG data URL. */
function rasterPoints(xy: Float32Array, rgba: Uint8Array, frame: ScatterFrame, scale: number): string {
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(frame.widthPx * scale);
  canvas.height = Math.round(frame.heightPx * scale);
  const ctx = canvas.getContext('2d')!;
  ctx.scale(scale, scale);
  const r = frame.diameterPx / 2;
  for (let i = 0; i < xy.length / 2; i++) {
    const a = rgba[4 * i + 3];
    if (a === 0) continue;
    ctx.fillStyle = `rgba(${rgba[4 * i]},${rgba[4 * i + 1]},${rgba[4 * i + 2]},${a / 255})`;
    ctx.beginPath();
    ctx.arc(xy[2 * i], xy[2 * i + 1], r, 0, 2 * Math.PI);
    ctx.fill();
  }
  return canvas.toDataURL('image/png');
}
