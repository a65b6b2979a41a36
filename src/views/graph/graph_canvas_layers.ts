/**
 * Canvas 2D drawing of a large graph with cached layers, for machines that rasterise on the CPU:
 * edges and discs are drawn once into two offscreen layers (with a margin around the view), and
 * while the view pans or zooms each frame only copies the layers under the new transform and
 * redraws the overlay (labels, hover, model edges) exactly. Once the view has been still for
 * SETTLE_MS the layers are redrawn at the new transform, so lines and discs are crisp again.
 * Measured at 5k genes / 20k links on this machine: a full redraw takes hundreds of ms, a layer
 * copy a few ms (see scripts/bench_grn.ts).
 *
 * During a transition between graphs every gene moves, so the layers are drawn whole each frame,
 * with what enters fading in and what leaves fading out (as on the SVG renderer).
 *
 * Dragging a gene moves only that gene: the layers are drawn once without it and its links, and
 * each frame draws it and its links over the copied layers; when the drag ends (or anything else
 * moves) the layers are drawn whole again.
 */
import type { GrnGraph } from '../../workers/grn_protocol.ts';
import { edgeOpacity, FOCUS_FADE, type Encoding } from './encoding.ts';
import {
  drawEdgesCanvas,
  drawGraphCanvas,
  drawLeavingCanvas,
  drawNodesCanvas,
  type CanvasDrawOptions,
  type EdgeStyle,
} from './graph_canvas.ts';
import { drawOverlay, nodeCache, type ViewTransform } from './graph_overlay.ts';

/** How long the view must be still before the layers are redrawn at the new transform. */
export const SETTLE_MS = 150;
/** Links drawn per frame by a settle redraw. */
const EDGES_PER_STEP = 2000;
/** Layer margin on each side, as a fraction of the view: pans up to this far show no blank border. */
const MARGIN = 0.25;

/** Layer margins in CSS px, whole device pixels so a still view copies the layers pixel for pixel. */
function margins(o: { widthPx: number; heightPx: number; dpr: number }): { mx: number; my: number } {
  return { mx: Math.round(o.widthPx * MARGIN * o.dpr) / o.dpr, my: Math.round(o.heightPx * MARGIN * o.dpr) / o.dpr };
}

/** Whether two position arrays agree everywhere but at gene `i`. */
function sameExcept(a: Float32Array, b: Float32Array, i: number): boolean {
  if (a === b) return true;
  if (a.length !== b.length) return false;
  for (let k = 0; k < a.length; k++) if (a[k] !== b[k] && k >> 1 !== i) return false;
  return true;
}

const sameView = (a: ViewTransform | null, b: ViewTransform): boolean => a !== null && a.k === b.k && a.x === b.x && a.y === b.y;

/** One frame's inputs. */
interface Frame {
  graph: GrnGraph;
  positions: Float32Array;
  enc: Encoding;
  t: ViewTransform;
  o: CanvasDrawOptions;
}

/** Draws one graph on one canvas, with layers cached across pan/zoom frames (or none: `isCached` false). */
export class CanvasGraphView {
  private edgeLayer: HTMLCanvasElement;
  private nodeLayer: HTMLCanvasElement;
  /** What the layers hold: the data, the transform they were drawn at, and the gene left out of them (-1: none). */
  private held: { key: unknown[]; t: ViewTransform; positions: Float32Array; skip: number } | null = null;
  /** Times the layers were drawn whole at once (drawLayers), for tests: a drag must not redraw them per move. */
  layerDraws = 0;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
  private redrawFrame: number | null = null;
  /** The view a pending or running settle redraw is for. */
  private pendingT: ViewTransform | null = null;
  /** The layer pair a settle redraw paints into before it is swapped in (edges, discs). */
  private spare: [HTMLCanvasElement, HTMLCanvasElement];
  private last: Frame | null = null;

  /**
   * `canvas` is the visible canvas; `isSoftware` asks Chromium for its CPU canvas (its emulated
   * GPU canvas is slower there); `isCached` false redraws everything every frame (the baseline).
   */
  constructor(
    private canvas: HTMLCanvasElement,
    private options: { isSoftware: boolean; isCached: boolean; edgeStyle: EdgeStyle },
  ) {
    this.edgeLayer = document.createElement('canvas');
    this.nodeLayer = document.createElement('canvas');
    this.spare = [document.createElement('canvas'), document.createElement('canvas')];
  }

  private context(c: HTMLCanvasElement): CanvasRenderingContext2D {
    return c.getContext('2d', { willReadFrequently: this.options.isSoftware })!;
  }

  /** Draws a frame; returns the ms of its parts (layers: 0 when the layers were only copied). */
  draw(graph: GrnGraph, positions: Float32Array, enc: Encoding, t: ViewTransform, o: CanvasDrawOptions): Record<string, number> {
    this.last = { graph, positions, enc, t, o };
    const phases: Record<string, number> = {};
    const ctx = this.context(this.canvas);
    if (!this.options.isCached) {
      drawGraphCanvas(ctx, graph, positions, enc, t, { ...o, phases, edgeStyle: this.options.edgeStyle });
      return phases;
    }
    const t0 = performance.now();
    const skip = o.moving ?? -1;
    // While a gene is dragged the layers leave it out, so only the other genes' places must match.
    const key = [graph, enc, skip, skip < 0 ? o.pinned : null, o.widthPx, o.heightPx, o.dpr, o.fade?.progress ?? 1];
    const isStale =
      !this.held ||
      this.held.key.some((v, i) => v !== key[i]) ||
      (skip < 0 ? this.held.positions !== positions : !sameExcept(this.held.positions, positions, skip));
    if (isStale) this.drawLayers(key, t);
    // A hover while a settle redraw for this very view is under way must not start it over.
    else if (this.isRedrawNeeded(t, o) && !sameView(this.pendingT, t)) this.settleLater(t);
    const t1 = performance.now();

    ctx.setTransform(o.dpr, 0, 0, o.dpr, 0, 0);
    ctx.clearRect(0, 0, o.widthPx, o.heightPx);
    // The layers' top-left corner sits at (-mx, -my) screen px of the held transform; map it to this one.
    const held = this.held!.t;
    const s = t.k / held.k;
    const { mx, my } = margins(o);
    const left = (-mx - held.x) * s + t.x;
    const top = (-my - held.y) * s + t.y;
    const w = (o.widthPx + 2 * mx) * s;
    const h = (o.heightPx + 2 * my) * s;
    // The edge layer holds the resting opacity; a hovered gene fades it.
    ctx.globalAlpha = o.hovered !== null ? FOCUS_FADE : 1;
    ctx.drawImage(this.edgeLayer, left, top, w, h);
    ctx.globalAlpha = 1;
    ctx.drawImage(this.nodeLayer, left, top, w, h);
    if (skip >= 0) {
      // The dragged gene and its links, where they are now.
      const scene = { graph, positions, enc, t, radii: nodeCache(graph, enc).radii };
      const cull = { x0: 0, y0: 0, x1: o.widthPx, y1: o.heightPx };
      const alpha = edgeOpacity(graph.links.length) * (o.hovered !== null ? FOCUS_FADE : 1);
      drawEdgesCanvas(ctx, scene, { alpha, style: this.options.edgeStyle, cull, genes: { only: skip } });
      drawNodesCanvas(ctx, scene, { pinned: o.pinned, cull, genes: { only: skip } });
    }
    const t2 = performance.now();

    drawOverlay(ctx, { graph, positions, enc, t, radii: nodeCache(graph, enc).radii }, o);
    phases.layersMs = t1 - t0;
    phases.copyMs = t2 - t1;
    phases.overlayMs = performance.now() - t2;
    return phases;
  }

  /** Redraws both layers at transform `t` (margins included), at once: the data changed. */
  private drawLayers(key: unknown[], t: ViewTransform): void {
    this.cancelRedraw();
    const { graph, positions, o } = this.last!;
    const skip = o.moving ?? -1;
    const { scene, cull } = this.prepare(this.edgeLayer, this.nodeLayer, t);
    const edgeCtx = this.context(this.edgeLayer);
    const nodeCtx = this.context(this.nodeLayer);
    const alpha = edgeOpacity(graph.links.length);
    const style = this.options.edgeStyle;
    const fade = o.fade && o.fade.progress < 1 ? o.fade : null;
    if (!fade) {
      const genes = skip >= 0 ? { skip } : undefined;
      drawEdgesCanvas(edgeCtx, scene, { alpha, style, cull, genes });
      drawNodesCanvas(nodeCtx, scene, { pinned: o.pinned, cull, genes });
    } else {
      // A transition: what leaves fades out where it was, what stays is drawn whole, what enters fades in.
      const { tween, progress } = fade;
      drawLeavingCanvas(edgeCtx, nodeCtx, tween, t, { progress, edgeAlpha: alpha, cull });
      const staying = { entering: { nodes: tween.isEntering, links: tween.isLinkEntering, want: 0 as const } };
      const entering = { entering: { nodes: tween.isEntering, links: tween.isLinkEntering, want: 1 as const } };
      drawEdgesCanvas(edgeCtx, scene, { alpha, style, cull, genes: staying });
      drawEdgesCanvas(edgeCtx, scene, { alpha: alpha * progress, style, cull, genes: entering });
      drawNodesCanvas(nodeCtx, scene, { pinned: o.pinned, cull, genes: staying });
      nodeCtx.globalAlpha = progress;
      drawNodesCanvas(nodeCtx, scene, { pinned: o.pinned, cull, genes: entering });
      nodeCtx.globalAlpha = 1;
    }
    this.held = { key, t: { ...t }, positions, skip };
    this.layerDraws++;
  }

  /** Sizes and clears two layer canvases for transform `t`; returns the scene and the cull box (screen px). */
  private prepare(edgeLayer: HTMLCanvasElement, nodeLayer: HTMLCanvasElement, t: ViewTransform) {
    const { graph, positions, enc, o } = this.last!;
    const { mx, my } = margins(o);
    const cull = { x0: -mx, y0: -my, x1: o.widthPx + mx, y1: o.heightPx + my };
    const scene = { graph, positions, enc, t: { ...t }, radii: nodeCache(graph, enc).radii };
    for (const layer of [edgeLayer, nodeLayer]) {
      const w = Math.round((o.widthPx + 2 * mx) * o.dpr);
      const h = Math.round((o.heightPx + 2 * my) * o.dpr);
      if (layer.width !== w) layer.width = w;
      if (layer.height !== h) layer.height = h;
      const ctx = this.context(layer);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, w, h);
      ctx.setTransform(o.dpr, 0, 0, o.dpr, mx * o.dpr, my * o.dpr);
    }
    return { scene, cull };
  }

  /**
   * Whether the held layers no longer show view `t` exactly: after a zoom, a pan by a fraction of a
   * device pixel (the copy would be resampled), or a pan past the margin (a blank border would show).
   * A whole-pixel pan within the margin is a pixel-exact copy, so it costs no redraw at all.
   */
  private isRedrawNeeded(t: ViewTransform, o: CanvasDrawOptions): boolean {
    const held = this.held!.t;
    if (held.k !== t.k) return true;
    const dx = (t.x - held.x) * o.dpr;
    const dy = (t.y - held.y) * o.dpr;
    const { mx, my } = margins(o);
    const isFractional = (v: number) => Math.abs(v - Math.round(v)) > 1e-6;
    return isFractional(dx) || isFractional(dy) || Math.abs(dx) > mx * o.dpr || Math.abs(dy) > my * o.dpr;
  }

  /**
   * After the view has been still for SETTLE_MS, redraws the layers at the last transform into a
   * spare pair, EDGES_PER_STEP links a frame (a full redraw of 20k links takes hundreds of ms on a
   * CPU rasteriser; split, the page keeps answering), then swaps them in. Any move starts it over.
   */
  private settleLater(t: ViewTransform): void {
    this.cancelRedraw();
    this.pendingT = { ...t };
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      const f = this.last;
      if (!f || !this.held) return;
      const { key, skip } = this.held;
      const genes = skip >= 0 ? { skip } : undefined;
      const { scene, cull } = this.prepare(this.spare[0], this.spare[1], f.t);
      const alpha = edgeOpacity(f.graph.links.length);
      let next = 0;
      const step = () => {
        this.redrawFrame = null;
        const n = f.graph.links.length;
        const edgeCtx = this.context(this.spare[0]);
        drawEdgesCanvas(edgeCtx, scene, {
          alpha,
          style: this.options.edgeStyle,
          cull,
          genes,
          range: [next, Math.min(n, next + EDGES_PER_STEP)],
        });
        // Make the CPU canvas rasterise this slice now rather than all slices at once on the swap.
        if (this.options.isSoftware) edgeCtx.getImageData(0, 0, 1, 1);
        next += EDGES_PER_STEP;
        if (next < n) {
          this.redrawFrame = requestAnimationFrame(step);
          return;
        }
        drawNodesCanvas(this.context(this.spare[1]), scene, { pinned: f.o.pinned, cull, genes });
        [this.edgeLayer, this.spare[0]] = [this.spare[0], this.edgeLayer];
        [this.nodeLayer, this.spare[1]] = [this.spare[1], this.nodeLayer];
        this.held = { key, t: scene.t, positions: f.positions, skip };
        this.pendingT = null;
        const last = this.last!;
        this.draw(last.graph, last.positions, last.enc, last.t, last.o);
      };
      step();
    }, SETTLE_MS);
  }

  /** Stops a pending or running settle redraw (the view moved again, or the data changed). */
  private cancelRedraw(): void {
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    if (this.redrawFrame !== null) cancelAnimationFrame(this.redrawFrame);
    this.settleTimer = null;
    this.redrawFrame = null;
    this.pendingT = null;
  }

  /** Stops a pending redraw and frees the layers' memory. */
  dispose(): void {
    this.cancelRedraw();
    for (const c of [this.edgeLayer, this.nodeLayer, ...this.spare]) c.width = c.height = 0;
    this.last = null;
    this.held = null;
  }
}
