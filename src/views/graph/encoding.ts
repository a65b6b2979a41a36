/**
 * One visual encoding of the regulation graph, shared by the SVG view, the canvas view and the
 * exported SVG so the three always agree: node colour and radius, edge colour and width, legend rows.
 */
import { divergingColor, sequentialColor, SIGN_COLORS } from '../colors.ts';
import type { GrnGraph, ModelEdgesView } from '../../workers/grn_protocol.ts';
import type { NodeColorBy, NodeSizeBy } from '../../state/grn.svelte.ts';

/** Model-derived edges: Tol's purple, dashed, curved; never confused with the blue/orange/grey prior edges. */
export const MODEL_EDGE_COLOR = '#AA3377';
export const HOLLOW_FILL = '#ffffff';

/** Everything needed to colour and size a drawn graph. */
export interface Encoding {
  colorBy: NodeColorBy;
  sizeBy: NodeSizeBy;
  /** Score (attribution) per node, undefined when the gene has none. */
  score: (i: number) => number | undefined;
  maxAbsScore: number;
  /** Mean expression per node (NaN: not in the data), and its maximum. */
  expression: Float32Array | null;
  maxExpression: number;
  maxDegree: number;
  maxAbsWeight: number;
  /** What the scores are, e.g. "IG attribution to B (logit)". */
  scoreLabel: string;
  expressionLabel: string;
}

/** Builds the encoding of `graph` from per-gene scores and expression. */
export function makeEncoding(
  graph: GrnGraph,
  options: {
    colorBy: NodeColorBy;
    sizeBy: NodeSizeBy;
    scoreOf: (gene: string) => number | undefined;
    expression: Float32Array | null;
    scoreLabel: string;
    expressionLabel: string;
  },
): Encoding {
  const scores = graph.nodes.map((n) => options.scoreOf(n.id));
  let maxAbsScore = 0;
  for (const s of scores) if (s !== undefined && Number.isFinite(s)) maxAbsScore = Math.max(maxAbsScore, Math.abs(s));
  let maxExpression = 0;
  for (const v of options.expression ?? []) if (Number.isFinite(v)) maxExpression = Math.max(maxExpression, v);
  let maxDegree = 1;
  for (const n of graph.nodes) maxDegree = Math.max(maxDegree, n.degree);
  let maxAbsWeight = 0;
  for (const l of graph.links) maxAbsWeight = Math.max(maxAbsWeight, Math.abs(l.weight));
  return {
    colorBy: options.colorBy,
    sizeBy: options.sizeBy,
    score: (i) => scores[i],
    maxAbsScore: maxAbsScore || 1,
    expression: options.expression && options.expression.length === graph.nodes.length ? options.expression : null,
    maxExpression: maxExpression || 1,
    maxDegree,
    maxAbsWeight: maxAbsWeight || 1,
    scoreLabel: options.scoreLabel,
    expressionLabel: options.expressionLabel,
  };
}

/** Fill of node `i`: diverging by score, or sequential (viridis) by expression; hollow when it has none; `levels` quantises. */
export function nodeFill(enc: Encoding, i: number, levels = 0): string {
  // `levels` > 0 rounds the ramp position to that many steps (the canvas batches nodes by colour).
  const q = (t: number) => (levels > 0 ? Math.round(t * levels) / levels : t);
  if (enc.colorBy === 'expression') {
    const v = enc.expression?.[i];
    return v === undefined || !Number.isFinite(v) ? HOLLOW_FILL : sequentialColor(q(v / enc.maxExpression));
  }
  const s = enc.score(i);
  return s === undefined || !Number.isFinite(s) ? HOLLOW_FILL : divergingColor(q(s / enc.maxAbsScore), 1);
}

/** Radius in px of node `i`: by |score| (area ∝ |score|) or by log degree. */
export function nodeRadius(enc: Encoding, i: number, degree: number): number {
  if (enc.sizeBy === 'degree') return 3 + 9 * Math.sqrt(Math.log2(1 + degree) / Math.log2(1 + enc.maxDegree));
  const s = enc.score(i);
  if (s === undefined || !Number.isFinite(s)) return 4;
  return 4 + 9 * Math.sqrt(Math.abs(s) / enc.maxAbsScore);
}

/** Edge colour by merged sign (activation blue, repression orange, unsigned/contradictory grey). */
export const edgeColor = (sign: number): string => SIGN_COLORS[sign] ?? SIGN_COLORS[0];

/** Edge width in px from |summed weight| relative to the largest in the graph (0.6–2 px). */
export const edgeWidth = (enc: Encoding, weight: number): number => 0.6 + 1.4 * Math.min(1, Math.abs(weight) / enc.maxAbsWeight);

export { edgeOpacity, FOCUS_FADE } from './edge_opacity.ts';

/** Width of a model-derived edge from |similarity| above the threshold. */
export const modelEdgeWidth = (value: number, threshold: number): number =>
  1 + 2.5 * Math.max(0, (Math.abs(value) - threshold) / Math.max(1e-6, 1 - threshold));

/** Model edges with |value| >= threshold, as node-index pairs of `graph`. */
export function visibleModelEdges(
  graph: GrnGraph,
  layer: ModelEdgesView | null,
  threshold: number,
): { a: number; b: number; value: number }[] {
  if (!layer) return [];
  const at = new Map(graph.nodes.map((n, i) => [n.id.toUpperCase(), i]));
  const out: { a: number; b: number; value: number }[] = [];
  for (const e of layer.edges) {
    if (Math.abs(e.value) < threshold) continue;
    const a = at.get(layer.genes[e.a].toUpperCase());
    const b = at.get(layer.genes[e.b].toUpperCase());
    if (a !== undefined && b !== undefined) out.push({ a, b, value: e.value });
  }
  return out;
}

/** Sign in words for hover cards and legends. */
export const signWord = (sign: number): string => (sign > 0 ? 'activation' : sign < 0 ? 'repression' : 'unsigned / contradictory');

/** Counts of drawn links by sign. */
export function signCounts(graph: GrnGraph): { activation: number; repression: number; unsigned: number } {
  let activation = 0;
  let repression = 0;
  let unsigned = 0;
  for (const l of graph.links) {
    if (l.sign > 0) activation++;
    else if (l.sign < 0) repression++;
    else unsigned++;
  }
  return { activation, repression, unsigned };
}

/** The end point of an edge pulled back by the target's radius (so arrowheads touch the disc). */
export function edgeEnd(sx: number, sy: number, tx: number, ty: number, pullPx: number): [number, number] {
  const len = Math.hypot(tx - sx, ty - sy) || 1;
  return [tx - ((tx - sx) / len) * pullPx, ty - ((ty - sy) / len) * pullPx];
}

/** Control point of a model edge's curve: the chord's midpoint pushed sideways by 18 % of its length. */
export function curveControl(ax: number, ay: number, bx: number, by: number): [number, number] {
  return [(ax + bx) / 2 - (by - ay) * 0.18, (ay + by) / 2 + (bx - ax) * 0.18];
}
