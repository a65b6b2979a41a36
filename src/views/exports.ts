/**
 * A registry of exportable views. Each view (scatter, Explain chart, regulation graph, and any
 * panel added later) registers how to draw itself as a figure; the Export menus, the presenter and
 * tests (`glasswing.exports`) all export through it.
 */
import type { Provenance } from '../core/provenance.ts';
import { downloadBlob, downloadText } from './download.ts';
import { figurePng, figureSvgFile, type Figure } from './figure_export.ts';

/** One exportable view. */
export interface Exportable {
  id: string;
  /** File name stem, e.g. 'glasswing-scatter'. */
  fileStem: string;
  /** The figure; `scale` is the PNG scale (raster parts of the SVG use it too). Null when there is nothing to export yet. */
  figure: (scale: number) => Figure | null;
  provenance: () => Provenance;
}

const registry = new Map<string, Exportable>();

/** Register (or replace) a view; returns the function that unregisters it. */
export function registerExportable(e: Exportable): () => void {
  registry.set(e.id, e);
  return () => {
    if (registry.get(e.id) === e) registry.delete(e.id);
  };
}

/** The registered views' ids. */
export function exportableIds(): string[] {
  return [...registry.keys()];
}

function need(id: string, scale: number): { e: Exportable; figure: Figure } {
  const e = registry.get(id);
  if (!e) throw new Error(`There is no view called ${id} to export.`);
  const figure = e.figure(scale);
  if (!figure) throw new Error(`The ${id} view has nothing to export yet.`);
  return { e, figure };
}

/** The SVG file text of view `id`, provenance in <metadata>. */
export function exportSvgText(id: string): string {
  const { e, figure } = need(id, 2);
  return figureSvgFile(figure, e.provenance());
}

/** The PNG bytes of view `id` at `scale`, provenance in tEXt chunks. */
export async function exportPngBytes(id: string, scale: number): Promise<Uint8Array> {
  const { e, figure } = need(id, scale);
  return figurePng(figure, scale, e.provenance());
}

/** Save view `id` as SVG or PNG. */
export async function downloadExport(id: string, format: 'svg' | 'png', scale = 2): Promise<void> {
  const e = registry.get(id);
  if (!e) throw new Error(`There is no view called ${id} to export.`);
  if (format === 'svg') downloadText(exportSvgText(id), `${e.fileStem}.svg`, 'image/svg+xml');
  else {
    const png = await exportPngBytes(id, scale);
    const suffix = Number.isInteger(scale) ? `@${scale}x` : `-${Math.round(scale * 96)}dpi`;
    downloadBlob(new Blob([png as BlobPart], { type: 'image/png' }), `${e.fileStem}${suffix}.png`);
  }
}

/** Console/test handle. */
export const exportsHandle = { ids: exportableIds, svg: exportSvgText, png: exportPngBytes, download: downloadExport };
