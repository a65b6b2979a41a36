/**
 * Legends as data and as SVG text. The scatter's legend component draws the same model the SVG
 * export writes, and the unit tests snapshot that SVG (numbers rounded), so a change to a colour
 * map, a tick or a label shows up in review like code.
 */
import { scaleLinear } from 'd3-scale';
import { interpolator, type ContinuousMapName, type Domain } from './colormap.ts';
import { escapeXml, svgMetadata } from '../export/svg_metadata.ts';

/** A continuous legend: a gradient bar with ticks, its title and units. */
export interface ContinuousLegend {
  kind: 'continuous';
  /** What the colour means, e.g. "CD74 expression". */
  title: string;
  /** Units of the values, e.g. "log1p(CP10k)"; '' when unitless. */
  units: string;
  domain: Domain;
  map: ContinuousMapName;
  isSigned: boolean;
  widthPx: number;
  /** Gradient stops: offset 0..1 along the bar and a CSS colour. */
  stops: { offset: number; color: string }[];
  /** Tick positions in px from the bar's left end, and their labels. */
  ticks: { xPx: number; label: string }[];
  /** A sentence under the bar, e.g. "white = 0" or "grey = no value". */
  note: string;
}

/** A categorical legend: one swatch and name per category, with counts. */
export interface CategoricalLegend {
  kind: 'categorical';
  title: string;
  entries: { name: string; color: string; count: number; isHidden: boolean }[];
}

const N_STOPS = 11;
const BAR_HEIGHT_PX = 10;

/** The legend model of a continuous colouring over `domain` with map `map`, `widthPx` wide. */
export function continuousLegend(options: {
  title: string;
  units?: string;
  domain: Domain;
  map: ContinuousMapName;
  isSigned: boolean;
  widthPx?: number;
}): ContinuousLegend {
  const widthPx = options.widthPx ?? 180;
  const f = interpolator(options.map);
  const stops = Array.from({ length: N_STOPS }, (_, i) => ({ offset: i / (N_STOPS - 1), color: f(i / (N_STOPS - 1)) }));
  const x = scaleLinear().domain(options.domain).range([0, widthPx]);
  const fmt = x.tickFormat(5);
  const ticks = x.ticks(5).map((v) => ({ xPx: x(v), label: fmt(v).replace('−', '-') }));
  return {
    kind: 'continuous',
    title: options.title,
    units: options.units ?? '',
    domain: options.domain,
    map: options.map,
    isSigned: options.isSigned,
    widthPx,
    stops,
    ticks,
    note: options.isSigned ? 'Centred on 0 (white); grey = no value' : 'Grey = no value',
  };
}

const r2 = (v: number) => String(Math.round(v * 100) / 100);

/** A standalone SVG document of a legend (export, snapshots); `provenance` entries go in its <metadata>. */
export function legendSvg(legend: ContinuousLegend | CategoricalLegend, provenance: [string, string][] = []): string {
  const meta = provenance.length ? svgMetadata(provenance) : '';
  const font = 'font-family="system-ui, sans-serif" font-size="11"';
  if (legend.kind === 'continuous') {
    const w = legend.widthPx + 24;
    const h = 64;
    const gradId = `legend-${legend.map}`;
    const stops = legend.stops.map((s) => `<stop offset="${r2(s.offset)}" stop-color="${s.color}"/>`).join('');
    const ticks = legend.ticks
      .map(
        (t) =>
          `<g transform="translate(${r2(t.xPx)},0)"><line y1="${BAR_HEIGHT_PX}" y2="${BAR_HEIGHT_PX + 4}" stroke="#4b5260"/>` +
          `<text y="${BAR_HEIGHT_PX + 15}" text-anchor="middle">${escapeXml(t.label)}</text></g>`,
      )
      .join('');
    const title = legend.units ? `${legend.title} (${legend.units})` : legend.title;
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${font}>${meta}` +
      `<defs><linearGradient id="${gradId}">${stops}</linearGradient></defs>` +
      `<text x="12" y="12" font-weight="600" fill="#1f2430">${escapeXml(title)}</text>` +
      `<g transform="translate(12,20)" fill="#4b5260"><rect width="${r2(legend.widthPx)}" height="${BAR_HEIGHT_PX}" fill="url(#${gradId})" stroke="#9aa0a6" stroke-width="0.5"/>${ticks}</g>` +
      `<text x="12" y="${h - 4}" fill="#6b7280" font-size="10">${escapeXml(legend.note)}</text></svg>`
    );
  }
  const rowPx = 16;
  const w = 220;
  const h = 22 + legend.entries.length * rowPx;
  const rows = legend.entries
    .map(
      (e, i) =>
        `<g transform="translate(12,${22 + i * rowPx})"${e.isHidden ? ' opacity="0.4"' : ''}><circle cx="5" cy="6" r="5" fill="${e.color}"/>` +
        `<text x="16" y="10" fill="#1f2430">${escapeXml(e.name)}</text><text x="${w - 24}" y="10" text-anchor="end" fill="#6b7280">${e.count}</text></g>`,
    )
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${font}>${meta}` +
    `<text x="12" y="12" font-weight="600" fill="#1f2430">${escapeXml(legend.title)}</text>${rows}</svg>`
  );
}
