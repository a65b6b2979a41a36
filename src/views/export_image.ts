/**
 * Image exports that carry provenance: PNG (tEXt chunks) at a chosen scale, and SVG (<metadata>).
 * The pure byte/string work lives in core/export; this file does the DOM parts.
 */
import { addPngText } from '../core/export/png_text.ts';
import { withSvgMetadata } from '../core/export/svg_metadata.ts';
import { provenanceEntries, type Provenance } from '../core/provenance.ts';
import { downloadBlob, downloadText } from './download.ts';

/** A canvas as PNG bytes with the provenance embedded. */
export async function canvasToPng(canvas: HTMLCanvasElement | OffscreenCanvas, provenance: Provenance): Promise<Uint8Array> {
  const blob =
    'convertToBlob' in canvas
      ? await canvas.convertToBlob({ type: 'image/png' })
      : await new Promise<Blob | null>((r) => canvas.toBlob(r, 'image/png'));
  if (!blob) throw new Error('The browser could not encode this view as PNG (the canvas may be too large); try a smaller scale.');
  return addPngText(new Uint8Array(await blob.arrayBuffer()), provenanceEntries(provenance));
}

/** Serialise an <svg> element (inline styles as they are) with the provenance as <metadata>. */
export function svgToString(svg: SVGSVGElement, provenance: Provenance): string {
  const clone = svg.cloneNode(true) as SVGSVGElement;
  clone.setAttribute('xmlns', 'http://www.w3.org/2000/svg');
  const text = new XMLSerializer().serializeToString(clone);
  return '<?xml version="1.0" encoding="UTF-8"?>\n' + withSvgMetadata(text, provenanceEntries(provenance));
}

/**
 * Rasterise an SVG string to a canvas at `scale` × its width/height attributes (1, 2, 4, or dpi/96).
 * The SVG is loaded from a Blob URL, which the CSP allows for images (img-src blob:).
 */
export async function svgToCanvas(
  svg: string,
  widthPx: number,
  heightPx: number,
  scale: number,
  background = '#ffffff',
): Promise<HTMLCanvasElement> {
  const url = URL.createObjectURL(new Blob([svg], { type: 'image/svg+xml' }));
  try {
    const img = new Image();
    img.src = url;
    await img.decode();
    const canvas = document.createElement('canvas');
    canvas.width = Math.round(widthPx * scale);
    canvas.height = Math.round(heightPx * scale);
    const ctx = canvas.getContext('2d')!;
    ctx.fillStyle = background;
    ctx.fillRect(0, 0, canvas.width, canvas.height);
    ctx.drawImage(img, 0, 0, canvas.width, canvas.height);
    return canvas;
  } finally {
    URL.revokeObjectURL(url);
  }
}

/** Save PNG bytes. */
export function downloadPng(png: Uint8Array, filename: string): void {
  downloadBlob(new Blob([png as BlobPart], { type: 'image/png' }), filename);
}

/** Save an SVG element with provenance. */
export function downloadSvg(svg: SVGSVGElement, provenance: Provenance, filename: string): void {
  downloadText(svgToString(svg, provenance), filename, 'image/svg+xml');
}
