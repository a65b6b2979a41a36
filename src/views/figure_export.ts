/**
 * Figures for export: any on-screen <svg> (the Explain chart, the regulation graph) wrapped with
 * a title band and a legend, its computed styles inlined so the file looks like the screen; and
 * the scatter redrawn as a standalone SVG (core/export/scatter_svg). PNGs are these SVGs
 * rasterised at 1×, 2×, 4× or dpi/96. All text is escaped: names may hold markup.
 */
import { escapeXml, withSvgMetadata } from '../core/export/svg_metadata.ts';
import { provenanceEntries, type Provenance } from '../core/provenance.ts';
import { canvasToPng, svgToCanvas } from './export_image.ts';

/** A legend row for a wrapped figure: a dot or line swatch and its words. */
export interface FigureLegendItem {
  color: string;
  label: string;
  shape?: 'dot' | 'line' | 'ring';
}

/** An exportable figure as an SVG string of known size (CSS px). */
export interface Figure {
  svg: string;
  widthPx: number;
  heightPx: number;
}

// Presentation properties copied from the screen, so scoped CSS survives outside the page.
const STYLE_PROPS = [
  'fill',
  'fill-opacity',
  'stroke',
  'stroke-width',
  'stroke-opacity',
  'stroke-dasharray',
  'opacity',
  'font-size',
  'font-family',
  'font-weight',
  'text-anchor',
  'dominant-baseline',
  'paint-order',
] as const;

function inlineStyles(source: Element, target: Element): void {
  const cs = getComputedStyle(source);
  const style = STYLE_PROPS.map((p) => `${p}:${cs.getPropertyValue(p)}`).join(';');
  target.setAttribute('style', style);
  const a = source.children;
  const b = target.children;
  for (let i = 0; i < a.length && i < b.length; i++) inlineStyles(a[i], b[i]);
}

/** Colours the export uses, read from the theme's CSS variables. */
export function themeColors(): { background: string; ink: string; muted: string } {
  const cs = getComputedStyle(document.documentElement);
  return {
    background: cs.getPropertyValue('--panel').trim() || '#ffffff',
    ink: cs.getPropertyValue('--ink').trim() || '#1f2329',
    muted: cs.getPropertyValue('--muted').trim() || '#646b75',
  };
}

/**
 * Wrap an on-screen <svg> as a figure: title and subtitle on top, the drawing at its on-screen
 * size, and the legend rows beneath.
 */
export function wrapSvgFigure(svg: SVGSVGElement, title: string, subtitle: string, legend: FigureLegendItem[]): Figure {
  const box = svg.getBoundingClientRect();
  const w = Math.max(1, Math.round(box.width));
  const h = Math.max(1, Math.round(box.height));
  const clone = svg.cloneNode(true) as SVGSVGElement;
  inlineStyles(svg, clone);
  clone.removeAttribute('class');
  clone.setAttribute('x', '0');
  clone.setAttribute('y', '54');
  clone.setAttribute('width', String(w));
  clone.setAttribute('height', String(h));
  const inner = new XMLSerializer().serializeToString(clone);
  const { background, ink, muted } = themeColors();
  const widthPx = Math.max(w, 360);
  const legendRows = Math.ceil(legend.length / 3);
  const heightPx = 54 + h + 16 + legendRows * 20 + 8;
  const rows = legend.map((item, i) => {
    const x = 16 + (i % 3) * Math.floor((widthPx - 32) / 3);
    const y = 54 + h + 16 + Math.floor(i / 3) * 20;
    const swatch =
      item.shape === 'line'
        ? `<line x1="${x}" y1="${y - 4}" x2="${x + 16}" y2="${y - 4}" stroke="${escapeXml(item.color)}" stroke-width="2.5"/>`
        : item.shape === 'ring'
          ? `<circle cx="${x + 6}" cy="${y - 4}" r="5" fill="none" stroke="${escapeXml(item.color)}"/>`
          : `<circle cx="${x + 6}" cy="${y - 4}" r="5.5" fill="${escapeXml(item.color)}"/>`;
    return `${swatch}<text x="${x + 22}" y="${y}" font-size="12" fill="${escapeXml(ink)}">${escapeXml(item.label)}</text>`;
  });
  const doc = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" font-family="Inter, 'Segoe UI', Helvetica, Arial, sans-serif">`,
    `<rect width="${widthPx}" height="${heightPx}" fill="${escapeXml(background)}"/>`,
    `<text x="16" y="26" font-size="18" font-weight="600" fill="${escapeXml(ink)}">${escapeXml(title)}</text>`,
    `<text x="16" y="44" font-size="12" fill="${escapeXml(muted)}">${escapeXml(subtitle)}</text>`,
    inner,
    ...rows,
    `</svg>`,
  ].join('\n');
  return { svg: doc, widthPx, heightPx };
}

/** The figure as an SVG file's text, provenance in <metadata>. */
export function figureSvgFile(figure: Figure, provenance: Provenance): string {
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + withSvgMetadata(figure.svg, provenanceEntries(provenance));
}

/** Largest PNG edge we try to encode; browsers refuse far bigger canvases (and freeze before that). */
export const MAX_PNG_EDGE_PX = 16_384;

/** The figure as PNG bytes at `scale` (1, 2, 4, or dpi/96), provenance in tEXt chunks. */
export async function figurePng(figure: Figure, scale: number, provenance: Provenance): Promise<Uint8Array> {
  if (!(scale > 0)) throw new Error('Choose a positive scale or DPI for the PNG.');
  const edge = Math.max(figure.widthPx, figure.heightPx) * scale;
  if (edge > MAX_PNG_EDGE_PX)
    throw new Error(
      `At ${scale.toFixed(2)}× this PNG would be ${Math.round(edge).toLocaleString()} px wide; browsers stop at about ${MAX_PNG_EDGE_PX.toLocaleString()} px. Choose at most ${Math.floor(((MAX_PNG_EDGE_PX / Math.max(figure.widthPx, figure.heightPx)) * 96) / 10) * 10} DPI, or use the SVG.`,
    );
  const { background } = themeColors();
  const canvas = await svgToCanvas(figure.svg, figure.widthPx, figure.heightPx, scale, background);
  return canvasToPng(canvas, {
    ...provenance,
    extra: { ...provenance.extra, scale: Number(scale.toFixed(4)), dpi: Math.round(scale * 96) },
  });
}
