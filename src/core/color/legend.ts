/**
 * Legends as data and as SVG text. The scatter's legend component draws the same model the SVG
 * export writes, and the unit tests snapshot that SVG (numbers rounded), so a change to a colour
 * map, a tick or a label shows up in review like code.
 */
import { scaleLinear } from 'd3-scale';
import { interpolator, type ContinuousMapName, type Domain } from './colormap.ts';
import { escapeXml, svgMetadata } from '../export/svg_metadata.ts';
import { clipNote, type ClippedDomain } from './percentile.ts';

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
  /** Which ends of the bar were clipped at a percentile (cells beyond get the end colour); drawn as triangles. */
  clippedEnds: { isLow: boolean; isHigh: boolean };
  /** "Clipped at p99 = 3.2" (or '' when the full range is shown). */
  clipText: string;
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
  /** The percentile clip the domain came from, if any (src/core/color/percentile.ts). */
  clip?: Pick<ClippedDomain, 'low' | 'high'> | null;
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
    clippedEnds: { isLow: Boolean(options.clip?.low), isHigh: Boolean(options.clip?.high) },
    clipText: options.clip ? clipNote(options.clip, options.isSigned) : '',
  };
}

const r2 = (v: number) => String(Math.round(v * 100) / 100);

/** A standalone SVG document of a legend (export, snapshots); `provenance` entries go in its <metadata>. */
export function legendSvg(legend: ContinuousLegend | CategoricalLegend, provenance: [string, string][] = []): string {
  const meta = provenance.length ? svgMetadata(provenance) : '';
  const font = 'font-family="system-ui, sans-serif" font-size="11"';
  if (legend.kind === 'continuous') {
    const w = legend.widthPx + 24;
    const h = legend.clipText ? 76 : 64;
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
    // Clipped ends get a triangle past the bar (matplotlib's colour-bar "extend"), in the end colour.
    const b = BAR_HEIGHT_PX;
    const ends =
      (legend.clippedEnds.isLow
        ? `<path d="M0,0 L-6,${b / 2} L0,${b} Z" fill="${legend.stops[0].color}" stroke="#9aa0a6" stroke-width="0.5"/>`
        : '') +
      (legend.clippedEnds.isHigh
        ? `<path d="M${r2(legend.widthPx)},0 L${r2(legend.widthPx + 6)},${b / 2} L${r2(legend.widthPx)},${b} Z" fill="${legend.stops[legend.stops.length - 1].color}" stroke="#9aa0a6" stroke-width="0.5"/>`
        : '');
    const clip = legend.clipText ? `<text x="12" y="${h - 16}" fill="#6b7280" font-size="10">${escapeXml(legend.clipText)}</text>` : '';
    return (
      `<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" ${font}>${meta}` +
      `<defs><linearGradient id="${gradId}">${stops}</linearGradient></defs>` +
      `<text x="12" y="12" font-weight="600" fill="#1f2430">${escapeXml(title)}</text>` +
      `<g transform="translate(12,20)" fill="#4b5260"><rect width="${r2(legend.widthPx)}" height="${BAR_HEIGHT_PX}" fill="url(#${gradId})" stroke="#9aa0a6" stroke-width="0.5"/>${ends}${ticks}</g>` +
      clip +
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
