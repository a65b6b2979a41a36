/**
 * Canvas 2D drawing of large regulation graphs (above CANVAS_MIN_NODES nodes), with hit tests for
 * hover and drag. Edges are batched into one path per sign and width bucket, so 20k edges cost a
 * few strokes rather than 20k DOM elements.
 */
import type { GrnGraph } from '../../workers/grn_protocol.ts';
import { placeLabels, estimateLabelWidthPx } from '../../core/graph/label_placement.ts';
import {
  curveControl,
  edgeColor,
  edgeEnd,
  edgeWidth,
  MODEL_EDGE_COLOR,
  modelEdgeWidth,
  nodeFill,
  nodeRadius,
  type Encoding,
} from './encoding.ts';
import type { GraphTween } from './graph_tween.ts';

/** d3-zoom's transform: screen = graph * k + (x, y). */
export interface ViewTransform {
  k: number;
  x: number;
  y: number;
}

/** What to draw besides the graph itself. */
export interface CanvasDrawOptions {
  widthPx: number;
  heightPx: number;
  dpr: number;
  hovered: number | null;
  hoveredLink: number | null;
  highlighted: ReadonlySet<number>;
  pinned: ReadonlySet<number>;
  modelEdges: { a: number; b: number; value: number }[];
  modelThreshold: number;
  /** Most labels to try to place (seeds and large nodes first). */
  maxLabels: number;
  /** A transition from the previous graph in flight: entering genes and links fade in by eased `t`, leaving ones out. */
  transition?: { tween: GraphTween; t: number } | null;
}

const WIDTH_BUCKETS = 4;
/** Segments or discs per path before it is drawn (see the flush comment). */
const BATCH = 128;

/** Draws `graph` at `positions` (`[n*2]` graph px) under transform `t`. Returns labels drawn. */
export function drawGraphCanvas(
  ctx: CanvasRenderingContext2D,
  graph: GrnGraph,
  positions: Float32Array,
  enc: Encoding,
  t: ViewTransform,
  o: CanvasDrawOptions,
): number {
  ctx.setTransform(o.dpr, 0, 0, o.dpr, 0, 0);
  ctx.clearRect(0, 0, o.widthPx, o.heightPx);
  const n = graph.nodes.length;
  const radii = new Float32Array(n);
  for (let i = 0; i < n; i++) radii[i] = nodeRadius(enc, i, graph.nodes[i].degree);
  const sx = (i: number) => positions[2 * i] * t.k + t.x;
  const sy = (i: number) => positions[2 * i + 1] * t.k + t.y;
  const isFocus = o.hovered !== null;
  const fade = o.transition && o.transition.t < 1 ? o.transition : null;
  const linkAlpha = isFocus ? 0.15 : 0.55;

  // What the previous graph had and this one lacks, fading out where it was.
  if (fade) {
    const { leavingLinks, leavingNodes } = fade.tween;
    for (const sign of [0, -1, 1]) {
      const path = new Path2D();
      for (const l of leavingLinks) {
        if (l.sign !== sign) continue;
        path.moveTo(l.x1 * t.k + t.x, l.y1 * t.k + t.y);
        path.lineTo(l.x2 * t.k + t.x, l.y2 * t.k + t.y);
      }
      ctx.globalAlpha = linkAlpha * (1 - fade.t);
      ctx.strokeStyle = edgeColor(sign);
      ctx.lineWidth = 1;
      ctx.stroke(path);
    }
    const discs = new Path2D();
    for (const nd of leavingNodes) {
      const x = nd.x * t.k + t.x;
      const y = nd.y * t.k + t.y;
      discs.moveTo(x + 5, y);
      discs.arc(x, y, 5, 0, 2 * Math.PI);
    }
    ctx.globalAlpha = 1 - fade.t;
    ctx.fillStyle = '#c9ccd1';
    ctx.fill(discs);
    ctx.globalAlpha = 1;
  }

  // Prior-knowledge edges: one path per (sign, width bucket); arrowheads/bars in the same colour.
  // Links entering in a transition are drawn in a second round at the transition's opacity.
  for (const isEnteringRound of fade ? [false, true] : [false])
    for (const sign of [0, -1, 1]) {
      for (let b = 0; b < WIDTH_BUCKETS; b++) {
        const width = 0.6 + (1.4 * (b + 0.5)) / WIDTH_BUCKETS;
        let lines = new Path2D();
        let heads = new Path2D();
        let inBatch = 0;
        // CPU rasterisers slow down sharply on one path with thousands of crossing segments: flush often.
        const flush = () => {
          if (inBatch === 0) return;
          ctx.globalAlpha = linkAlpha * (isEnteringRound ? fade!.t : 1);
          ctx.strokeStyle = edgeColor(sign);
          ctx.fillStyle = edgeColor(sign);
          ctx.lineWidth = width;
          ctx.stroke(lines);
          ctx.fill(heads);
          ctx.lineWidth = Math.max(1.2, width);
          ctx.stroke(heads);
          lines = new Path2D();
          heads = new Path2D();
          inBatch = 0;
        };
        for (let li = 0; li < graph.links.length; li++) {
          const l = graph.links[li];
          if (l.sign !== sign) continue;
          if (fade && (fade.tween.isLinkEntering[li] === 1) !== isEnteringRound) continue;
          const w = edgeWidth(enc, l.weight);
          if (Math.min(WIDTH_BUCKETS - 1, Math.floor(((w - 0.6) / 1.4) * WIDTH_BUCKETS)) !== b) continue;
          const x0 = sx(l.source);
          const y0 = sy(l.source);
          const [x1, y1] = edgeEnd(x0, y0, sx(l.target), sy(l.target), radii[l.target] * t.k + 1);
          lines.moveTo(x0, y0);
          lines.lineTo(x1, y1);
          addHead(heads, x0, y0, x1, y1, sign, 3 + w);
          if (++inBatch === BATCH) flush();
        }
        flush();
      }
    }
  ctx.globalAlpha = 1;
  // The hovered node's or link's edges on top, opaque.
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

  // Model-derived layer: dashed purple curves.
  if (o.modelEdges.length > 0) {
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

  // Nodes: batched into one path per fill colour (quantised to 1/32 of the ramp, invisible at this
  // size) and one per ring style, so 5k genes cost tens of fill calls rather than 5k.
  const fills = new Map<string, { path: Path2D; n: number }>();
  const rings = new Map<string, { path: Path2D; n: number }>();
  const ringStyle = (i: number) => (graph.nodes[i].isSeed || o.pinned.has(i) ? '#1f2329|1.6' : '#8a9099|0.8');
  // Genes entering in a transition are drawn in a second round at the transition's opacity.
  for (const isEnteringRound of fade ? [false, true] : [false]) {
    ctx.globalAlpha = isEnteringRound ? fade!.t : 1;
    for (let i = 0; i < n; i++) {
      if (fade && (fade.tween.isEntering[i] === 1) !== isEnteringRound) continue;
      const r = radii[i] * t.k;
      const x = sx(i);
      const y = sy(i);
      if (x < -r || y < -r || x > o.widthPx + r || y > o.heightPx + r) continue;
      const fill = nodeFill(enc, i, 32);
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
  }
  ctx.globalAlpha = 1;
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
  for (const i of o.highlighted) {
    ctx.beginPath();
    ctx.arc(sx(i), sy(i), radii[i] * t.k + 4, 0, 2 * Math.PI);
    ctx.strokeStyle = '#000';
    ctx.lineWidth = 2;
    ctx.stroke();
  }

  // Labels: seeds, highlighted and hovered first, then by size; greedy, no overlaps.
  const candidates = [...graph.nodes.keys()]
    .map((i) => ({ i, p: (graph.nodes[i].isSeed ? 100 : 0) + (o.highlighted.has(i) || o.hovered === i ? 1000 : 0) + radii[i] }))
    .sort((a, b) => b.p - a.p)
    .slice(0, o.maxLabels);
  const font = 10;
  const placed = placeLabels(
    candidates.map(({ i, p }) => ({
      x: sx(i),
      y: sy(i),
      radiusPx: radii[i] * t.k,
      widthPx: estimateLabelWidthPx(graph.nodes[i].id, font),
      heightPx: font + 2,
      priority: p,
    })),
    new Set(candidates.flatMap(({ i }, k) => (o.hovered === i || o.highlighted.has(i) ? [k] : []))),
  );
  ctx.font = `italic ${font}px system-ui, sans-serif`;
  ctx.lineWidth = 3;
  ctx.strokeStyle = 'rgba(255,255,255,0.9)';
  ctx.fillStyle = '#2b2f36';
  let drawn = 0;
  placed.forEach((p, k) => {
    if (!p) return;
    const { i } = candidates[k];
    ctx.textAlign = p.anchor === 'middle' ? 'center' : p.anchor === 'start' ? 'left' : 'right';
    ctx.strokeText(graph.nodes[i].id, p.x, p.y);
    ctx.fillText(graph.nodes[i].id, p.x, p.y);
    drawn++;
  });
  return drawn;
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
