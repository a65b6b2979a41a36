/**
 * The exported regulation graph: a standalone SVG (title, the graph, its legend) built from the
 * same encoding as the screen. Gene names are XML-escaped text, never markup. PNG export rasterises
 * this SVG (export_image.ts), so both carry the same picture; provenance is added by the caller.
 */
import type { GrnGraph } from '../../workers/grn_protocol.ts';
import { placeLabels, estimateLabelWidthPx } from '../../core/graph/label_placement.ts';
import { divergingColor, sequentialColor, SIGN_COLORS } from '../colors.ts';
import {
  curveControl,
  edgeColor,
  edgeEnd,
  edgeWidth,
  MODEL_EDGE_COLOR,
  modelEdgeWidth,
  nodeFill,
  nodeRadius,
  signCounts,
  type Encoding,
} from './encoding.ts';

/** What the exported picture says besides the graph. */
export interface GraphExportText {
  title: string;
  subtitle: string;
  modelLayer: { label: string; threshold: number; edges: { a: number; b: number; value: number }[] } | null;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const f = (v: number) => (Math.round(v * 100) / 100).toString();

/** The SVG document (string) of `graph` at `positions` (graph px), fitted to `widthPx` with title and legend. */
export function graphToSvg(
  graph: GrnGraph,
  positions: Float32Array,
  enc: Encoding,
  text: GraphExportText,
  widthPx: number,
): { svg: string; widthPx: number; heightPx: number } {
  const n = graph.nodes.length;
  const radii = graph.nodes.map((nd, i) => nodeRadius(enc, i, nd.degree));
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < n; i++) {
    x0 = Math.min(x0, positions[2 * i] - radii[i]);
    y0 = Math.min(y0, positions[2 * i + 1] - radii[i]);
    x1 = Math.max(x1, positions[2 * i] + radii[i]);
    y1 = Math.max(y1, positions[2 * i + 1] + radii[i]);
  }
  if (n === 0) [x0, y0, x1, y1] = [0, 0, 1, 1];
  const pad = 40;
  const top = 56;
  const legendH = 74;
  const scale = Math.min(1.6, (widthPx - 2 * pad) / Math.max(1, x1 - x0));
  const graphH = Math.max(120, (y1 - y0) * scale);
  const heightPx = Math.ceil(top + graphH + pad + legendH);
  const X = (i: number) => pad + (positions[2 * i] - x0) * scale;
  const Y = (i: number) => top + (positions[2 * i + 1] - y0) * scale;
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${widthPx}" height="${heightPx}" viewBox="0 0 ${widthPx} ${heightPx}" font-family="system-ui, -apple-system, Segoe UI, sans-serif">`,
    `<rect width="100%" height="100%" fill="#ffffff"/>`,
    `<text x="${pad}" y="26" font-size="16" font-weight="600" fill="#1f2329">${esc(text.title)}</text>`,
    `<text x="${pad}" y="44" font-size="11" fill="#5f6670">${esc(text.subtitle)}</text>`,
  );
  // Edges, then heads.
  out.push('<g fill="none">');
  for (const l of graph.links) {
    const ax = X(l.source);
    const ay = Y(l.source);
    const [bx, by] = edgeEnd(ax, ay, X(l.target), Y(l.target), radii[l.target] * scale + 1);
    const w = edgeWidth(enc, l.weight);
    out.push(
      `<line x1="${f(ax)}" y1="${f(ay)}" x2="${f(bx)}" y2="${f(by)}" stroke="${edgeColor(l.sign)}" stroke-width="${f(w)}" opacity="0.7"/>`,
    );
    out.push(headSvg(ax, ay, bx, by, l.sign, 3 + w));
  }
  for (const e of text.modelLayer?.edges ?? []) {
    const [cx, cy] = curveControl(X(e.a), Y(e.a), X(e.b), Y(e.b));
    out.push(
      `<path d="M${f(X(e.a))},${f(Y(e.a))} Q${f(cx)},${f(cy)} ${f(X(e.b))},${f(Y(e.b))}" stroke="${MODEL_EDGE_COLOR}" stroke-dasharray="5 4" stroke-width="${f(modelEdgeWidth(e.value, text.modelLayer!.threshold))}" opacity="0.85"/>`,
    );
  }
  out.push('</g><g>');
  for (let i = 0; i < n; i++) {
    const nd = graph.nodes[i];
    out.push(
      `<circle cx="${f(X(i))}" cy="${f(Y(i))}" r="${f(radii[i] * Math.min(scale, 1.3))}" fill="${nodeFill(enc, i)}" stroke="${nd.isSeed ? '#1f2329' : '#8a9099'}" stroke-width="${nd.isSeed ? 1.6 : 0.8}"><title>${esc(nd.id)}</title></circle>`,
    );
  }
  out.push('</g>');
  const font = 10;
  const placed = placeLabels(
    graph.nodes.map((nd, i) => ({
      x: X(i),
      y: Y(i),
      radiusPx: radii[i] * Math.min(scale, 1.3),
      widthPx: estimateLabelWidthPx(nd.id, font),
      heightPx: font + 2,
      priority: (nd.isSeed ? 100 : 0) + radii[i],
    })),
  );
  out.push(`<g font-size="${font}" font-style="italic" fill="#2b2f36" stroke="#ffffff" stroke-width="3" paint-order="stroke">`);
  placed.forEach((p, i) => {
    if (p) out.push(`<text x="${f(p.x)}" y="${f(p.y)}" text-anchor="${p.anchor}">${esc(graph.nodes[i].id)}</text>`);
  });
  out.push('</g>');
  out.push(legendSvg(graph, enc, text, pad, heightPx - legendH + 8, widthPx));
  out.push('</svg>');
  return { svg: out.join('\n'), widthPx, heightPx };
}

function headSvg(x0: number, y0: number, x1: number, y1: number, sign: number, size: number): string {
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  const ux = (x1 - x0) / len;
  const uy = (y1 - y0) / len;
  const c = edgeColor(sign);
  if (sign > 0) {
    const p = [
      [x1, y1],
      [x1 - ux * size - uy * size * 0.55, y1 - uy * size + ux * size * 0.55],
      [x1 - ux * size + uy * size * 0.55, y1 - uy * size - ux * size * 0.55],
    ];
    return `<polygon points="${p.map(([a, b]) => `${f(a)},${f(b)}`).join(' ')}" fill="${c}"/>`;
  }
  if (sign < 0) {
    const h = size * 0.7;
    return `<line x1="${f(x1 - uy * h)}" y1="${f(y1 + ux * h)}" x2="${f(x1 + uy * h)}" y2="${f(y1 - ux * h)}" stroke="${c}" stroke-width="2"/>`;
  }
  return `<circle cx="${f(x1)}" cy="${f(y1)}" r="2" fill="${c}"/>`;
}

function legendSvg(graph: GrnGraph, enc: Encoding, text: GraphExportText, x: number, y: number, widthPx: number): string {
  const out: string[] = [`<g font-size="11" fill="#3c4148">`];
  // Row 1: node colour ramp with its meaning and units.
  const rampW = 140;
  const stops = Array.from({ length: 11 }, (_, k) => k / 10);
  const isExpr = enc.colorBy === 'expression';
  out.push(`<defs><linearGradient id="gw-ramp">`);
  for (const s of stops)
    out.push(
      `<stop offset="${s}" stop-color="${isExpr ? sequentialColor(s) : divergingColor((s * 2 - 1) * enc.maxAbsScore, enc.maxAbsScore)}"/>`,
    );
  out.push(`</linearGradient></defs>`);
  out.push(`<rect x="${x}" y="${y}" width="${rampW}" height="10" fill="url(#gw-ramp)" stroke="#8a9099" stroke-width="0.5"/>`);
  const lo = isExpr ? '0' : (-enc.maxAbsScore).toPrecision(2);
  const hi = isExpr ? enc.maxExpression.toPrecision(2) : `+${enc.maxAbsScore.toPrecision(2)}`;
  out.push(`<text x="${x}" y="${y + 22}">${esc(lo)}</text><text x="${x + rampW}" y="${y + 22}" text-anchor="end">${esc(hi)}</text>`);
  out.push(
    `<text x="${x + rampW + 10}" y="${y + 9}">Node colour: ${esc(isExpr ? `mean expression, log1p CP10k (${enc.expressionLabel})` : `${enc.scoreLabel} (0 = white)`)}; white ring = no value</text>`,
  );
  out.push(
    `<text x="${x + rampW + 10}" y="${y + 23}">Node size: ${enc.sizeBy === 'degree' ? 'number of regulators and targets in the whole network' : '|attribution|'}; dark ring = top gene / seed</text>`,
  );
  // Row 2: edges.
  const c = signCounts(graph);
  const y2 = y + 44;
  const item = (dx: number, color: string, head: string, label: string, dash = '') =>
    `<line x1="${x + dx}" y1="${y2}" x2="${x + dx + 22}" y2="${y2}" stroke="${color}" stroke-width="2" ${dash}/>${head}<text x="${x + dx + 30}" y="${y2 + 4}">${esc(label)}</text>`;
  out.push(item(0, SIGN_COLORS[1], headSvg(x, y2, x + 24, y2, 1, 6), `activation (${c.activation})`));
  out.push(item(140, SIGN_COLORS[-1], headSvg(x + 140, y2, x + 164, y2, -1, 6), `repression (${c.repression})`));
  out.push(item(280, SIGN_COLORS[0], headSvg(x + 280, y2, x + 304, y2, 0, 6), `unsigned or contradictory (${c.unsigned})`));
  if (text.modelLayer) {
    out.push(
      item(
        500,
        MODEL_EDGE_COLOR,
        '',
        `model-derived, not prior knowledge: ${text.modelLayer.label} ≥ ${text.modelLayer.threshold} (${text.modelLayer.edges.length})`,
        'stroke-dasharray="5 4"',
      ),
    );
  }
  out.push(`<text x="${widthPx - 12}" y="${y2 + 18}" text-anchor="end" fill="#8a9099">Edge width = |weight|. Glasswing</text>`);
  out.push('</g>');
  return out.join('');
}
