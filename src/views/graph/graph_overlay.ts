/**
 * The Canvas 2D parts of a large graph that change with the pointer or the zoom rather than with
 * the data: the hovered gene's or link's edges drawn opaque, the model-derived layer, search
 * highlights and gene labels. The Canvas 2D renderer (graph_canvas.ts) calls these between its own
 * passes; the WebGL2 renderer (gl/graph_gl.ts) draws them on a transparent canvas above its own.
 */
import type { GrnGraph } from '../../workers/grn_protocol.ts';
import { estimateLabelWidthPx, placeLabels, type LabelRequest } from '../../core/graph/label_placement.ts';
import { curveControl, edgeColor, edgeEnd, edgeWidth, MODEL_EDGE_COLOR, modelEdgeWidth, nodeRadius, type Encoding } from './encoding.ts';

/** d3-zoom's transform: screen = graph * k + (x, y). */
export interface ViewTransform {
  k: number;
  x: number;
  y: number;
}

/** One frame's graph, its positions (`[n*2]` graph px), encoding, view, and node radii (graph px, from nodeCache). */
export interface Scene {
  graph: GrnGraph;
  positions: Float32Array;
  enc: Encoding;
  t: ViewTransform;
  radii: Float32Array;
}

/** What to draw besides the graph itself. */
export interface OverlayOptions {
  widthPx: number;
  heightPx: number;
  hovered: number | null;
  hoveredLink: number | null;
  highlighted: ReadonlySet<number>;
  modelEdges: { a: number; b: number; value: number }[];
  modelThreshold: number;
  /** Most on-screen genes to try to label per frame (seeds and large genes first). */
  maxLabels: number;
}

const LABEL_FONT_PX = 10;

/** Radii (graph px) of every node and the nodes in label order (seeds, then by radius), kept per encoding. */
interface NodeCache {
  graph: GrnGraph;
  radii: Float32Array;
  order: Uint32Array;
  labelWidthPx: Float32Array;
}
const caches = new WeakMap<Encoding, NodeCache>();

/** Node radii (graph px, `[n]`) and label order for (graph, enc): computed once, not per frame. */
export function nodeCache(graph: GrnGraph, enc: Encoding): NodeCache {
  const hit = caches.get(enc);
  if (hit && hit.graph === graph) return hit;
  const n = graph.nodes.length;
  const radii = new Float32Array(n);
  const priority = new Float32Array(n);
  const labelWidthPx = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    radii[i] = nodeRadius(enc, i, graph.nodes[i].degree);
    priority[i] = (graph.nodes[i].isSeed ? 100 : 0) + radii[i];
    labelWidthPx[i] = estimateLabelWidthPx(graph.nodes[i].id, LABEL_FONT_PX);
  }
  const order = Uint32Array.from(graph.nodes.keys()).sort((a, b) => priority[b] - priority[a] || a - b);
  const cache = { graph, radii, order, labelWidthPx };
  caches.set(enc, cache);
  return cache;
}

/** The hovered gene's edges (or the hovered link) on top, opaque and a little wider. */
export function drawFocusEdges(ctx: CanvasRenderingContext2D, scene: Scene, o: Pick<OverlayOptions, 'hovered' | 'hoveredLink'>): void {
  const { graph, positions, enc, t, radii } = scene;
  if (o.hovered === null && o.hoveredLink === null) return;
  const sx = (i: number) => positions[2 * i] * t.k + t.x;
  const sy = (i: number) => positions[2 * i + 1] * t.k + t.y;
  ctx.globalAlpha = 1;
  graph.links.forEach((l, li) => {
    const isOn = li === o.hoveredLink || (o.hovered !== null && (l.source === o.hovered || l.target === o.hovered));
    if (!isOn) return;
    const x0 = sx(l.source);
    const y0 = sy(l.source);
    const [x1, y1] = edgeEnd(x0, y0, sx(l.target), sy(l.target), radii[l.target] * t.k + 1);
    ctx.beginPath();
    ctx.moveTo(x0, y0);
    ctx.lineTo(x1, y1);
    ctx.strokeStyle = edgeColor(l.sign);
    ctx.lineWidth = edgeWidth(enc, l.weight) + (li === o.hoveredLink ? 1.5 : 0.5);
    ctx.stroke();
    const head = new Path2D();
    addHead(head, x0, y0, x1, y1, l.sign, 4 + edgeWidth(enc, l.weight));
    ctx.fillStyle = edgeColor(l.sign);
    ctx.fill(head);
    ctx.stroke(head);
  });
}

/** The model-derived layer: dashed purple curves, width by |similarity| above the threshold. */
export function drawModelEdges(
  ctx: CanvasRenderingContext2D,
  scene: Scene,
  o: Pick<OverlayOptions, 'modelEdges' | 'modelThreshold'>,
): void {
  const { positions, t } = scene;
  if (o.modelEdges.length === 0) return;
  const sx = (i: number) => positions[2 * i] * t.k + t.x;
  const sy = (i: number) => positions[2 * i + 1] * t.k + t.y;
  ctx.setLineDash([5, 4]);
  ctx.strokeStyle = MODEL_EDGE_COLOR;
  ctx.globalAlpha = 0.8;
  for (const e of o.modelEdges) {
    const [cx, cy] = curveControl(sx(e.a), sy(e.a), sx(e.b), sy(e.b));
    ctx.beginPath();
    ctx.moveTo(sx(e.a), sy(e.a));
    ctx.quadraticCurveTo(cx, cy, sx(e.b), sy(e.b));
    ctx.lineWidth = modelEdgeWidth(e.value, o.modelThreshold);
    ctx.stroke();
  }
  ctx.setLineDash([]);
  ctx.globalAlpha = 1;
}

/** A black ring around each searched-for gene. */
export function drawHighlights(ctx: CanvasRenderingContext2D, scene: Scene, highlighted: ReadonlySet<number>): void {
  const { positions, radii, t } = scene;
  for (const i of highlighted) {
    ctx.beginPath();
    ctx.arc(positions[2 * i] * t.k + t.x, positions[2 * i + 1] * t.k + t.y, radii[i] * t.k + 4, 0, 2 * Math.PI);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 2;
    ctx.stroke();
  }
}

/**
 * Gene labels that fit: the hovered and searched genes first, then on-screen genes in label order
 * (seeds, then larger discs), up to `maxLabels` tries; greedy placement drops any that would
 * overlap a placed label or another disc. Zooming in brings more genes on screen apart, so more
 * labels fit. Returns how many were drawn.
 */
export function drawLabels(
  ctx: CanvasRenderingContext2D,
  scene: Scene,
  o: Pick<OverlayOptions, 'widthPx' | 'heightPx' | 'hovered' | 'highlighted' | 'maxLabels'>,
): number {
  const { graph, positions, enc, t, radii } = scene;
  const cache = nodeCache(graph, enc);
  const must: number[] = [...(o.hovered !== null ? [o.hovered] : []), ...o.highlighted];
  const chosen: number[] = [...must];
  const margin = 40;
  for (let k = 0; k < cache.order.length && chosen.length < o.maxLabels + must.length; k++) {
    const i = cache.order[k];
    if (must.includes(i)) continue;
    const x = positions[2 * i] * t.k + t.x;
    const y = positions[2 * i + 1] * t.k + t.y;
    if (x < -margin || y < -margin || x > o.widthPx + margin || y > o.heightPx + margin) continue;
    chosen.push(i);
  }
  const requests: LabelRequest[] = chosen.map((i, k) => ({
    x: positions[2 * i] * t.k + t.x,
    y: positions[2 * i + 1] * t.k + t.y,
    radiusPx: radii[i] * t.k,
    widthPx: cache.labelWidthPx[i],
    heightPx: LABEL_FONT_PX + 2,
    priority: (k < must.length ? 1000 : 0) + (graph.nodes[i].isSeed ? 100 : 0) + radii[i],
  }));
  const placed = placeLabels(requests, new Set(must.map((_, k) => k)));
  ctx.font = `italic ${LABEL_FONT_PX}px system-ui, sans-serif`;
  ctx.lineWidth = 3;
  ctx.lineJoin = 'round';
  ctx.strokeStyle = 'rgba(255,255,255,0.9)';
  ctx.fillStyle = '#2b2f36';
  let drawn = 0;
  placed.forEach((p, k) => {
    if (!p) return;
    const id = graph.nodes[chosen[k]].id;
    ctx.textAlign = p.anchor === 'middle' ? 'center' : p.anchor === 'start' ? 'left' : 'right';
    ctx.strokeText(id, p.x, p.y);
    ctx.fillText(id, p.x, p.y);
    drawn++;
  });
  return drawn;
}

/** Everything above the edges and discs: the hovered gene's edges, the model layer, highlights, labels. Returns labels drawn. */
export function drawOverlay(ctx: CanvasRenderingContext2D, scene: Scene, o: OverlayOptions): number {
  drawFocusEdges(ctx, scene, o);
  drawModelEdges(ctx, scene, o);
  drawHighlights(ctx, scene, o.highlighted);
  return drawLabels(ctx, scene, o);
}

/** Arrowhead (activation), bar (repression) or dot (unsigned) at (x1, y1), pointing from (x0, y0). */
export function addHead(path: Path2D, x0: number, y0: number, x1: number, y1: number, sign: number, sizePx: number): void {
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  const ux = (x1 - x0) / len;
  const uy = (y1 - y0) / len;
  if (sign > 0) {
    path.moveTo(x1, y1);
    path.lineTo(x1 - ux * sizePx - uy * sizePx * 0.55, y1 - uy * sizePx + ux * sizePx * 0.55);
    path.lineTo(x1 - ux * sizePx + uy * sizePx * 0.55, y1 - uy * sizePx - ux * sizePx * 0.55);
    path.closePath();
  } else if (sign < 0) {
    const h = sizePx * 0.7;
    path.moveTo(x1 - uy * h, y1 + ux * h);
    path.lineTo(x1 + uy * h, y1 - ux * h);
  } else {
    path.moveTo(x1 + 2, y1);
    path.arc(x1, y1, 2, 0, 2 * Math.PI);
  }
}
