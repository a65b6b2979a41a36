/**
 * The scatter as a standalone SVG figure: a title band, the plot (every cell as a vector circle
 * when there are few enough, otherwise one embedded raster image), axes with ticks, and a legend.
 * Pure string building; every piece of user text goes through escapeXml.
 */
import { escapeXml } from './svg_metadata.ts';

/** Above this many cells the points are embedded as one raster <image> (a vector file would be huge). */
export const MAX_VECTOR_POINTS = 50_000;

/** A legend row: a swatch colour (CSS), a label and an optional count. */
export interface LegendEntry {
  color: string;
  label: string;
  count?: number;
  isHidden?: boolean;
}

/** Everything a scatter figure draws. Coordinates are CSS px of the plot area. */
export interface ScatterFigure {
  title: string;
  subtitle: string;
  plotWidthPx: number;
  plotHeightPx: number;
  /** `[n * 2]` point centres in plot px. */
  xy: Float32Array;
  /** `[n * 4]` RGBA bytes per point (straight alpha). */
  rgba: Uint8Array;
  diameterPx: number;
  /** Tick positions (plot px) and labels. */
  xTicks: { px: number; label: string }[];
  yTicks: { px: number; label: string }[];
  xLabel: string;
  yLabel: string;
  legendTitle: string;
  legend: LegendEntry[];
  /** PNG data URL of the points (plot size), used instead of vector circles above MAX_VECTOR_POINTS. */
  rasterHref?: string;
  background: string;
  ink: string;
  muted: string;
}

const TITLE_BAND_PX = 54;
const AXIS_BAND_PX = 40;
const LEFT_BAND_PX = 56;
const LEGEND_WIDTH_PX = 230;
const LEGEND_ROW_PX = 20;

/** Total figure size in CSS px for a plot of the given size and legend length. */
export function scatterFigureSize(f: Pick<ScatterFigure, 'plotWidthPx' | 'plotHeightPx' | 'legend'>): {
  widthPx: number;
  heightPx: number;
} {
  const legendHeight = 40 + f.legend.length * LEGEND_ROW_PX;
  return {
    widthPx: Math.ceil(LEFT_BAND_PX + f.plotWidthPx + LEGEND_WIDTH_PX),
    heightPx: Math.ceil(TITLE_BAND_PX + Math.max(f.plotHeightPx + AXIS_BAND_PX, legendHeight)),
  };
}

const hex2 = (v: number) => v.toString(16).padStart(2, '0');

/** Whether a figure of `n` points is drawn with vector circles. */
export function isVectorScatter(n: number): boolean {
  return n <= MAX_VECTOR_POINTS;
}

/** The figure as an SVG document string (no XML declaration, no metadata: see withSvgMetadata). */
export function scatterSvg(f: ScatterFigure): string {
  const { widthPx, heightPx } = scatterFigureSize(f);
  const n = Math.floor(f.xy.length / 2);
  const isVector = isVectorScatter(n) || !f.rasterHref;
  const r = f.diameterPx / 2;
  const font = `font-family="Inter, 'Segoe UI', Helvetica, Arial, sans-serif"`;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" xmlns:xlink="http://www.w3.org/1999/xlink" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" ${font}>`,
  );
  out.push(
    `<desc>${escapeXml(isVector ? `Every one of the ${n} cells drawn as a vector circle.` : `The ${n} cells are embedded as one raster image (more than ${MAX_VECTOR_POINTS} cells would make a vector file too large to open); axes, legend and title are vector.`)}</desc>`,
  );
  out.push(`<rect width="${widthPx}" height="${heightPx}" fill="${escapeXml(f.background)}"/>`);
  out.push(`<text x="16" y="26" font-size="18" font-weight="600" fill="${escapeXml(f.ink)}">${escapeXml(f.title)}</text>`);
  out.push(`<text x="16" y="44" font-size="12" fill="${escapeXml(f.muted)}">${escapeXml(f.subtitle)}</text>`);
  const ox = LEFT_BAND_PX;
  const oy = TITLE_BAND_PX;
  out.push(`<defs><clipPath id="plot-clip"><rect x="0" y="0" width="${f.plotWidthPx}" height="${f.plotHeightPx}"/></clipPath></defs>`);
  out.push(`<g transform="translate(${ox},${oy})">`);
  out.push(`<rect width="${f.plotWidthPx}" height="${f.plotHeightPx}" fill="none" stroke="${escapeXml(f.muted)}" stroke-opacity="0.35"/>`);
  out.push(`<g clip-path="url(#plot-clip)" class="points">`);
  if (isVector) {
    for (let i = 0; i < n; i++) {
      const a = f.rgba[4 * i + 3];
      if (a === 0) continue;
      const x = f.xy[2 * i];
      const y = f.xy[2 * i + 1];
      if (!Number.isFinite(x) || !Number.isFinite(y)) continue;
      const fill = `#${hex2(f.rgba[4 * i])}${hex2(f.rgba[4 * i + 1])}${hex2(f.rgba[4 * i + 2])}`;
      out.push(
        `<circle cx="${x.toFixed(2)}" cy="${y.toFixed(2)}" r="${r.toFixed(2)}" fill="${fill}"${a < 255 ? ` fill-opacity="${(a / 255).toFixed(3)}"` : ''}/>`,
      );
    }
  } else {
    out.push(
      `<image x="0" y="0" width="${f.plotWidthPx}" height="${f.plotHeightPx}" href="${escapeXml(f.rasterHref!)}" xlink:href="${escapeXml(f.rasterHref!)}"/>`,
    );
  }
  out.push(`</g>`);
  // Axes: ticks along the bottom and left edges of the plot.
  const tick = (x1: number, y1: number, x2: number, y2: number) =>
    `<line x1="${x1.toFixed(1)}" y1="${y1.toFixed(1)}" x2="${x2.toFixed(1)}" y2="${y2.toFixed(1)}" stroke="${escapeXml(f.muted)}"/>`;
  for (const t of f.xTicks) {
    if (t.px < 0 || t.px > f.plotWidthPx) continue;
    out.push(tick(t.px, f.plotHeightPx, t.px, f.plotHeightPx + 5));
    out.push(
      `<text x="${t.px.toFixed(1)}" y="${f.plotHeightPx + 17}" font-size="10" text-anchor="middle" fill="${escapeXml(f.muted)}">${escapeXml(t.label)}</text>`,
    );
  }
  for (const t of f.yTicks) {
    if (t.px < 0 || t.px > f.plotHeightPx) continue;
    out.push(tick(-5, t.px, 0, t.px));
    out.push(
      `<text x="-8" y="${(t.px + 3.5).toFixed(1)}" font-size="10" text-anchor="end" fill="${escapeXml(f.muted)}">${escapeXml(t.label)}</text>`,
    );
  }
  out.push(
    `<text x="${f.plotWidthPx}" y="${f.plotHeightPx + 33}" font-size="11" text-anchor="end" fill="${escapeXml(f.ink)}">${escapeXml(f.xLabel)}</text>`,
  );
  out.push(
    `<text transform="translate(-42,0) rotate(-90)" font-size="11" text-anchor="end" fill="${escapeXml(f.ink)}">${escapeXml(f.yLabel)}</text>`,
  );
  out.push(`</g>`);
  // Legend beside the plot.
  const lx = ox + f.plotWidthPx + 20;
  out.push(`<g transform="translate(${lx},${oy})" class="legend">`);
  out.push(`<text x="0" y="12" font-size="12" font-weight="600" fill="${escapeXml(f.ink)}">${escapeXml(f.legendTitle)}</text>`);
  f.legend.forEach((e, i) => {
    const y = 32 + i * LEGEND_ROW_PX;
    out.push(`<g transform="translate(0,${y})"${e.isHidden ? ' opacity="0.4"' : ''}>`);
    out.push(`<circle cx="6" cy="-4" r="5.5" fill="${escapeXml(e.color)}" stroke="${escapeXml(f.ink)}" stroke-opacity="0.25"/>`);
    out.push(
      `<text x="18" y="0" font-size="12" fill="${escapeXml(f.ink)}">${escapeXml(e.label)}${e.count === undefined ? '' : ` <tspan fill="${escapeXml(f.muted)}">(${e.count.toLocaleString('en-US')})</tspan>`}</text>`,
    );
    out.push(`</g>`);
  });
  out.push(`</g>`);
  out.push(`</svg>`);
  return out.join('\n');
}
