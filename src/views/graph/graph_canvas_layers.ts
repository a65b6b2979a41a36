/**
 * Canvas 2D drawing of a large graph with cached layers, for machines that rasterise on the CPU:
 * edges and discs are drawn once into two offscreen layers (with a margin around the view), and
 * while the view pans or zooms each frame only copies the layers under the new transform and
 * redraws the overlay (labels, hover, model edges) exactly. Once the view has been still for
 * SETTLE_MS the layers are redrawn at the new transform, so lines and discs are crisp again.
 * Measured at 5k genes / 20k links on this machine: a full redraw takes hundreds of ms, a layer
 * copy a few ms (see scripts/bench_grn.ts).
 */
import type { GrnGraph } from '../../workers/grn_protocol.ts';
import { edgeOpacity, FOCUS_FADE, type Encoding } from './encoding.ts';
import { drawEdgesCanvas, drawGraphCanvas, drawNodesCanvas, type CanvasDrawOptions, type EdgeStyle } from './graph_canvas.ts';
import { drawOverlay, nodeCache, type ViewTransform } from './graph_overlay.ts';

/** How long the view must be still before the layers are redrawn at the new transform. */
export const SETTLE_MS = 150;
/** Layer margin on each side, as a fraction of the view: pans up to this far show no blank border. */
const MARGIN = 0.25;

/** Layer margins in CSS px, whole device pixels so a still view copies the layers pixel for pixel. */
function margins(o: { widthPx: number; heightPx: number; dpr: number }): { mx: number; my: number } {
  return { mx: Math.round(o.widthPx * MARGIN * o.dpr) / o.dpr, my: Math.round(o.heightPx * MARGIN * o.dpr) / o.dpr };
}

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
  /** What the layers hold: the data and the transform they were drawn at. */
  private held: { key: unknown[]; t: ViewTransform } | null = null;
  private settleTimer: ReturnType<typeof setTimeout> | null = null;
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
    const key = [graph, positions, enc, o.pinned, o.widthPx, o.heightPx, o.dpr];
    const isStale = !this.held || this.held.key.some((v, i) => v !== key[i]);
    if (isStale) this.drawLayers(key, t);
    else if (this.isRedrawNeeded(t, o)) this.settleLater();
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
    const t2 = performance.now();

    drawOverlay(ctx, { graph, positions, enc, t, radii: nodeCache(graph, enc).radii }, o);
    phases.layersMs = t1 - t0;
    phases.copyMs = t2 - t1;
    phases.overlayMs = performance.now() - t2;
    return phases;
  }

  /** Redraws both layers at transform `t` (margins included). */
  private drawLayers(key: unknown[], t: ViewTransform): void {
    const { graph, positions, enc, o } = this.last!;
    const { mx, my } = margins(o);
    const cull = { x0: -mx, y0: -my, x1: o.widthPx + mx, y1: o.heightPx + my };
    const scene = { graph, positions, enc, t, radii: nodeCache(graph, enc).radii };
    for (const layer of [this.edgeLayer, this.nodeLayer]) {
      const w = Math.round((o.widthPx + 2 * mx) * o.dpr);
      const h = Math.round((o.heightPx + 2 * my) * o.dpr);
      if (layer.width !== w) layer.width = w;
      if (layer.height !== h) layer.height = h;
      const ctx = this.context(layer);
      ctx.setTransform(1, 0, 0, 1, 0, 0);
      ctx.clearRect(0, 0, w, h);
      ctx.setTransform(o.dpr, 0, 0, o.dpr, mx * o.dpr, my * o.dpr);
    }
    drawEdgesCanvas(this.context(this.edgeLayer), scene, {
      alpha: edgeOpacity(graph.links.length),
      style: this.options.edgeStyle,
      cull,
    });
    drawNodesCanvas(this.context(this.nodeLayer), scene, { pinned: o.pinned, cull });
    this.held = { key, t: { ...t } };
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

  /** After the view has been still for SETTLE_MS, redraws the layers at the last transform and shows them. */
  private settleLater(): void {
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    this.settleTimer = setTimeout(() => {
      this.settleTimer = null;
      const f = this.last;
      if (!f) return;
      this.held = null;
      this.draw(f.graph, f.positions, f.enc, f.t, f.o);
    }, SETTLE_MS);
  }

  /** Stops a pending redraw and frees the layers' memory. */
  dispose(): void {
    if (this.settleTimer !== null) clearTimeout(this.settleTimer);
    this.edgeLayer.width = this.edgeLayer.height = 0;
    this.nodeLayer.width = this.nodeLayer.height = 0;
    this.last = null;
    this.held = null;
  }
}
