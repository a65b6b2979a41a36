/**
 * Canvas 2D drawing of large regulation graphs (above CANVAS_MIN_NODES nodes), with hit tests for
 * hover and drag. Edges are batched into one path per sign and width bucket, so 20k edges cost a
 * few strokes rather than 20k DOM elements. The fallback when WebGL2 is unavailable (gl/graph_gl.ts),
 * and the baseline the benchmark measures it against.
 */
import type { GrnGraph } from '../../workers/grn_protocol.ts';
import { edgeColor, edgeEnd, edgeOpacity, edgeWidth, FOCUS_FADE, nodeFill, nodeRadius, type Encoding } from './encoding.ts';
import { addHead, drawOverlay, nodeCache, type OverlayOptions, type Scene, type ViewTransform } from './graph_overlay.ts';
import type { GraphTween } from './graph_tween.ts';

export type { ViewTransform } from './graph_overlay.ts';

/** What to draw besides the graph itself: the overlay's options, the device pixel ratio and the pinned genes. */
export interface CanvasDrawOptions extends OverlayOptions {
  dpr: number;
  pinned: ReadonlySet<number>;
  /** When given, receives the ms spent building and stroking edges, filling nodes and placing labels (benchmark). */
  phases?: Record<string, number>;
  /** How edges are rasterised (default 'fast'). */
  edgeStyle?: EdgeStyle;
  /** The gene being dragged, if any: only it moves between frames (see CanvasGraphView). */
  moving?: number | null;
  /** A transition under way: entering genes and links fade in, leaving ones fade out, at eased `progress`. */
  fade?: { tween: GraphTween; progress: number } | null;
}

const WIDTH_BUCKETS = 4;
/** Segments or discs per path before it is drawn (see the flush comment). */
const BATCH = 128;

/**
 * How edges are rasterised. 'baseline' is last session's path, kept for the benchmark: every
 * width bucket stroked in batches, end marks filled and stroked. 'fast' gives the same picture
 * with cheaper operations for a CPU rasteriser: lines up to 1 px are hairline strokes, wider lines
 * and all end marks are filled polygons (measured here: stroking 20k 1.5 px segments in batches
 * took 829 ms, filling them as quads is a fill of the same cost as 20k arrowheads, about 70 ms).
 */
export type EdgeStyle = 'baseline' | 'fast';

/**
 * Draw only one gene and its links (`only`), or everything but them (`skip`): while a gene is
 * dragged, the cached layers hold the rest of the graph and the gene is drawn on top each frame.
 */
export interface GeneFilter {
  only?: number;
  skip?: number;
  /** During a transition: draw only the genes and links whose entering flag equals `want`. */
  entering?: { nodes: Uint8Array; links: Uint8Array; want: 0 | 1 };
}

/** Screen-px box outside which nothing is drawn (a layer with margins draws a little beyond the view). */
export interface CullBox {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
}

/** Quantised fills and edge width buckets of (graph, enc): computed once, not per frame. */
interface StyleCache {
  graph: GrnGraph;
  fills: string[];
  ringStrong: Uint8Array;
  /** Link indices in drawing order: by sign (unsigned, repression, activation), then width bucket, then index. */
  order: Uint32Array;
  /** Each link's width bucket, 0..WIDTH_BUCKETS-1. */
  bucket: Uint8Array;
}
const styleCaches = new WeakMap<Encoding, StyleCache>();
const SIGN_RANK: Record<number, number> = { 0: 0, [-1]: 1, 1: 2 };
function styleCache(graph: GrnGraph, enc: Encoding): StyleCache {
  const hit = styleCaches.get(enc);
  if (hit && hit.graph === graph) return hit;
  // Quantised to 1/32 of the ramp (invisible at this size) so discs batch into a few dozen paths.
  const fills = graph.nodes.map((_, i) => nodeFill(enc, i, 32));
  const ringStrong = Uint8Array.from(graph.nodes, (nd) => (nd.isSeed ? 1 : 0));
  const bucket = Uint8Array.from(graph.links, (l) =>
    Math.min(WIDTH_BUCKETS - 1, Math.floor(((edgeWidth(enc, l.weight) - 0.6) / 1.4) * WIDTH_BUCKETS)),
  );
  const key = (li: number) => SIGN_RANK[Math.sign(graph.links[li].sign)] * WIDTH_BUCKETS + bucket[li];
  const order = Uint32Array.from(graph.links.keys()).sort((a, b) => key(a) - key(b) || a - b);
  const cache = { graph, fills, ringStrong, order, bucket };
  styleCaches.set(enc, cache);
  return cache;
}

/**
 * Prior-knowledge edges at opacity `alpha`, in drawing order (unsigned, repression, activation on
 * top; thin before thick), batched into one path per (sign, width bucket) and BATCH links; end marks
 * in the same colour. `range` draws only links [from, to) of that order, so a redraw can be split
 * over several frames and still paint in the same order.
 */
export function drawEdgesCanvas(
  ctx: CanvasRenderingContext2D,
  scene: Scene,
  o: { alpha: number; style: EdgeStyle; cull: CullBox; range?: [number, number]; genes?: GeneFilter },
): void {
  const { graph, positions, enc, t, radii } = scene;
  const { order, bucket } = styleCache(graph, enc);
  const { cull } = o;
  const [from, to] = o.range ?? [0, order.length];
  let lines = new Path2D();
  let heads = new Path2D();
  let inBatch = 0;
  let sign = 0;
  let b = -1;
  // CPU rasterisers slow down sharply on one path with thousands of crossing segments: flush often.
  const flush = () => {
    if (inBatch === 0) return;
    const width = 0.6 + (1.4 * (b + 0.5)) / WIDTH_BUCKETS;
    ctx.globalAlpha = o.alpha;
    ctx.strokeStyle = edgeColor(sign);
    ctx.fillStyle = edgeColor(sign);
    ctx.lineWidth = width;
    if (o.style === 'baseline' || width <= 1) ctx.stroke(lines);
    else ctx.fill(lines);
    ctx.fill(heads);
    if (o.style === 'baseline') {
      ctx.lineWidth = Math.max(1.2, width);
      ctx.stroke(heads);
    }
    lines = new Path2D();
    heads = new Path2D();
    inBatch = 0;
  };
  const only = o.genes?.only ?? -1;
  const skip = o.genes?.skip ?? -1;
  const entering = o.genes?.entering;
  for (let k = from; k < to; k++) {
    const li = order[k];
    const l = graph.links[li];
    if (only >= 0 && l.source !== only && l.target !== only) continue;
    if (skip >= 0 && (l.source === skip || l.target === skip)) continue;
    if (entering && entering.links[li] !== entering.want) continue;
    if (Math.sign(l.sign) !== sign || bucket[li] !== b) {
      flush();
      sign = Math.sign(l.sign);
      b = bucket[li];
    }
    const x0 = positions[2 * l.source] * t.k + t.x;
    const y0 = positions[2 * l.source + 1] * t.k + t.y;
    const tx = positions[2 * l.target] * t.k + t.x;
    const ty = positions[2 * l.target + 1] * t.k + t.y;
    if ((x0 < cull.x0 && tx < cull.x0) || (x0 > cull.x1 && tx > cull.x1)) continue;
    if ((y0 < cull.y0 && ty < cull.y0) || (y0 > cull.y1 && ty > cull.y1)) continue;
    const [x1, y1] = edgeEnd(x0, y0, tx, ty, radii[l.target] * t.k + 1);
    const width = 0.6 + (1.4 * (b + 0.5)) / WIDTH_BUCKETS;
    const w = edgeWidth(enc, l.weight);
    if (o.style === 'baseline' || width <= 1) {
      // Lines up to 1 px take the rasteriser's fast hairline path; the baseline strokes every width.
      lines.moveTo(x0, y0);
      lines.lineTo(x1, y1);
    } else addQuad(lines, x0, y0, x1, y1, width / 2);
    if (o.style === 'baseline') addHead(heads, x0, y0, x1, y1, sign, 3 + w);
    else addFilledHead(heads, x0, y0, x1, y1, sign, 3 + w, Math.max(1.2, width));
    if (++inBatch === BATCH) flush();
  }
  flush();
  ctx.globalAlpha = 1;
}

/** Gene discs with their rings, batched by fill colour and ring style. */
export function drawNodesCanvas(
  ctx: CanvasRenderingContext2D,
  scene: Scene,
  o: { pinned: ReadonlySet<number>; cull: CullBox; genes?: GeneFilter },
): void {
  const { graph, positions, enc, t, radii } = scene;
  const { fills: fillOf, ringStrong } = styleCache(graph, enc);
  const n = graph.nodes.length;
  const fills = new Map<string, { path: Path2D; n: number }>();
  const rings = new Map<string, { path: Path2D; n: number }>();
  const ringStyle = (i: number) => (ringStrong[i] === 1 || o.pinned.has(i) ? '#1f2329|1.6' : '#8a9099|0.8');
  const only = o.genes?.only ?? -1;
  const skip = o.genes?.skip ?? -1;
  const entering = o.genes?.entering;
  for (let i = only >= 0 ? only : 0; i < (only >= 0 ? only + 1 : n); i++) {
    if (i === skip || (entering && entering.nodes[i] !== entering.want)) continue;
    const r = radii[i] * t.k;
    const x = positions[2 * i] * t.k + t.x;
    const y = positions[2 * i + 1] * t.k + t.y;
    if (x < o.cull.x0 - r || y < o.cull.y0 - r || x > o.cull.x1 + r || y > o.cull.y1 + r) continue;
    const fill = fillOf[i];
    let path = fills.get(fill);
    if (!path) fills.set(fill, (path = { path: new Path2D(), n: 0 }));
    path.path.moveTo(x + r, y);
    path.path.arc(x, y, r, 0, 2 * Math.PI);
    const style = ringStyle(i);
    let ring = rings.get(style);
    if (!ring) rings.set(style, (ring = { path: new Path2D(), n: 0 }));
    ring.path.moveTo(x + r, y);
    ring.path.arc(x, y, r, 0, 2 * Math.PI);
    // Fill now and then, rings after all fills of a batch, so discs keep their outlines.
    path.n++;
    ring.n++;
    if (path.n >= BATCH || ring.n >= BATCH) drawNodes();
  }
  drawNodes();
  function drawNodes() {
    for (const [fill, p] of fills) {
      if (p.n === 0) continue;
      ctx.fillStyle = fill;
      ctx.fill(p.path);
      fills.set(fill, { path: new Path2D(), n: 0 });
    }
    for (const [style, p] of rings) {
      if (p.n === 0) continue;
      const [color, width] = style.split('|');
      ctx.strokeStyle = color;
      ctx.lineWidth = Number(width);
      ctx.stroke(p.path);
      rings.set(style, { path: new Path2D(), n: 0 });
    }
  }
}

/**
 * What a transition takes away, fading out where it was drawn (alpha `1 - progress`): links as
 * thin lines in their sign's colour on `edgeCtx`, genes as grey discs on `nodeCtx` (the SVG
 * renderer's ghosts).
 */
export function drawLeavingCanvas(
  edgeCtx: CanvasRenderingContext2D,
  nodeCtx: CanvasRenderingContext2D,
  tween: GraphTween,
  t: ViewTransform,
  o: { progress: number; edgeAlpha: number; cull: CullBox },
): void {
  const fade = 1 - o.progress;
  if (fade <= 0) return;
  const { cull } = o;
  const inside = (x: number, y: number, m: number) => x >= cull.x0 - m && y >= cull.y0 - m && x <= cull.x1 + m && y <= cull.y1 + m;
  for (const sign of [0, -1, 1]) {
    const path = new Path2D();
    for (const l of tween.leavingLinks) {
      if (Math.sign(l.sign) !== sign) continue;
      const x1 = l.x1 * t.k + t.x;
      const y1 = l.y1 * t.k + t.y;
      const x2 = l.x2 * t.k + t.x;
      const y2 = l.y2 * t.k + t.y;
      if (!inside(x1, y1, 0) && !inside(x2, y2, 0)) continue;
      path.moveTo(x1, y1);
      path.lineTo(x2, y2);
    }
    edgeCtx.globalAlpha = fade * o.edgeAlpha * 0.6;
    edgeCtx.strokeStyle = edgeColor(sign);
    edgeCtx.lineWidth = 1;
    edgeCtx.stroke(path);
  }
  edgeCtx.globalAlpha = 1;
  const discs = new Path2D();
  const r = 5 * t.k;
  for (const nd of tween.leavingNodes) {
    const x = nd.x * t.k + t.x;
    const y = nd.y * t.k + t.y;
    if (!inside(x, y, r)) continue;
    discs.moveTo(x + r, y);
    discs.arc(x, y, r, 0, 2 * Math.PI);
  }
  nodeCtx.globalAlpha = fade;
  nodeCtx.fillStyle = '#c9ccd1';
  nodeCtx.fill(discs);
  nodeCtx.strokeStyle = '#8a9099';
  nodeCtx.lineWidth = 0.8;
  nodeCtx.stroke(discs);
  nodeCtx.globalAlpha = 1;
}

/**
 * Draws `graph` at `positions` (`[n*2]` graph px) under transform `t`, everything at once (no
 * cached layer): edges, the hovered gene's edges and the model layer, discs, highlights, labels.
 * Returns labels drawn; `o.phases` receives the ms of each part.
 */
export function drawGraphCanvas(
  ctx: CanvasRenderingContext2D,
  graph: GrnGraph,
  positions: Float32Array,
  enc: Encoding,
  t: ViewTransform,
  o: CanvasDrawOptions,
): number {
  const tStart = performance.now();
  ctx.setTransform(o.dpr, 0, 0, o.dpr, 0, 0);
  ctx.clearRect(0, 0, o.widthPx, o.heightPx);
  const scene = { graph, positions, enc, t, radii: nodeCache(graph, enc).radii };
  const cull = { x0: 0, y0: 0, x1: o.widthPx, y1: o.heightPx };
  const alpha = edgeOpacity(graph.links.length) * (o.hovered !== null ? FOCUS_FADE : 1);
  drawEdgesCanvas(ctx, scene, { alpha, style: o.edgeStyle ?? 'fast', cull });
  const tEdges = performance.now();
  drawNodesCanvas(ctx, scene, { pinned: o.pinned, cull });
  const tNodes = performance.now();
  // The hovered gene's edges and the model layer now go above the discs, as on the other paths.
  const drawn = drawOverlay(ctx, scene, o);
  if (o.phases) {
    o.phases.edgesMs = tEdges - tStart;
    o.phases.nodesMs = tNodes - tEdges;
    o.phases.overlayMs = performance.now() - tNodes;
  }
  return drawn;
}

/** A segment from (x0, y0) to (x1, y1) as a filled rectangle `halfWidthPx` each side (same winding for every segment). */
function addQuad(path: Path2D, x0: number, y0: number, x1: number, y1: number, halfWidthPx: number): void {
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  const nx = (-(y1 - y0) / len) * halfWidthPx;
  const ny = ((x1 - x0) / len) * halfWidthPx;
  path.moveTo(x0 + nx, y0 + ny);
  path.lineTo(x1 + nx, y1 + ny);
  path.lineTo(x1 - nx, y1 - ny);
  path.lineTo(x0 - nx, y0 - ny);
  path.closePath();
}

/**
 * addHead's marks as fills only, grown by half the stroke width `markWidthPx` the baseline strokes
 * them with: an arrowhead for activation, a bar for repression, a dot for unsigned.
 */
function addFilledHead(
  path: Path2D,
  x0: number,
  y0: number,
  x1: number,
  y1: number,
  sign: number,
  sizePx: number,
  markWidthPx: number,
): void {
  const len = Math.hypot(x1 - x0, y1 - y0) || 1;
  const ux = (x1 - x0) / len;
  const uy = (y1 - y0) / len;
  const grow = markWidthPx / 2;
  if (sign > 0) {
    const tipX = x1 + ux * grow;
    const tipY = y1 + uy * grow;
    const back = sizePx + markWidthPx;
    const half = sizePx * 0.55 + grow;
    path.moveTo(tipX, tipY);
    path.lineTo(tipX - ux * back - uy * half, tipY - uy * back + ux * half);
    path.lineTo(tipX - ux * back + uy * half, tipY - uy * back - ux * half);
    path.closePath();
  } else if (sign < 0) {
    const h = sizePx * 0.7;
    addQuad(path, x1 - uy * h, y1 + ux * h, x1 + uy * h, y1 - ux * h, grow);
  } else {
    path.moveTo(x1 + 2 + grow, y1);
    path.arc(x1, y1, 2 + grow, 0, 2 * Math.PI);
  }
}

/** Index of the topmost node under screen point (px, py), or null. */
export function nodeAt(graph: GrnGraph, positions: Float32Array, enc: Encoding, t: ViewTransform, px: number, py: number): number | null {
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const r = Math.max(4, nodeRadius(enc, i, graph.nodes[i].degree) * t.k);
    const dx = positions[2 * i] * t.k + t.x - px;
    const dy = positions[2 * i + 1] * t.k + t.y - py;
    if (dx * dx + dy * dy <= r * r) return i;
  }
  return null;
}

/** Index of the link nearest to screen point (px, py) within `tolPx`, or null. */
export function linkAt(graph: GrnGraph, positions: Float32Array, t: ViewTransform, px: number, py: number, tolPx = 4): number | null {
  let best: number | null = null;
  let bestD = tolPx * tolPx;
  graph.links.forEach((l, li) => {
    const ax = positions[2 * l.source] * t.k + t.x;
    const ay = positions[2 * l.source + 1] * t.k + t.y;
    const bx = positions[2 * l.target] * t.k + t.x;
    const by = positions[2 * l.target + 1] * t.k + t.y;
    const vx = bx - ax;
    const vy = by - ay;
    const len2 = vx * vx + vy * vy || 1;
    const u = Math.max(0, Math.min(1, ((px - ax) * vx + (py - ay) * vy) / len2));
    const d = (ax + u * vx - px) ** 2 + (ay + u * vy - py) ** 2;
    if (d < bestD) {
      bestD = d;
      best = li;
    }
  });
  return best;
}
