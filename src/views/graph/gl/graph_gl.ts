/**
 * WebGL2 drawing of large regulation graphs: every prior-knowledge edge, its end mark and every
 * gene disc are instanced quads whose positions live in GPU buffers, so a pan or zoom frame sets
 * three uniforms and issues three draw calls, whatever the graph's size. Labels, the hovered
 * gene's edges and the model-derived layer go on a Canvas 2D overlay (graph_overlay.ts); the SVG
 * view stays the export path. The encoding is the one of encoding.ts (edge colour = sign, width =
 * weight; node fill and radius as the Canvas and SVG views).
 */
import { color } from 'd3';
import type { GrnGraph } from '../../../workers/grn_protocol.ts';
import { createProgram } from '../../scatter/gl_program.ts';
import { edgeColor, edgeOpacity, edgeWidth, FOCUS_FADE, nodeFill, nodeRadius, type Encoding } from '../encoding.ts';
import type { ViewTransform } from '../graph_canvas.ts';
import edgesVert from './edges.vert.glsl?raw';
import edgesFrag from './edges.frag.glsl?raw';
import nodesVert from './nodes.vert.glsl?raw';
import nodesFrag from './nodes.frag.glsl?raw';

let glSupport: 'hardware' | 'software' | 'none' | null = null;

/** Floats per edge instance: src x, y, dst x, y, pull (graph px), width (px), sign. */
const EDGE_FLOATS = 7;
/** Floats per node instance: x, y, radius (graph px), ring width (px). */
const NODE_FLOATS = 4;
/** Canvas 2D's ring styles (graph_canvas.ts ringStyle): seeds and pinned genes get the dark ring. */
const RING_STRONG = { rgba: [0x1f, 0x23, 0x29, 255], widthPx: 1.6 };
const RING_WEAK = { rgba: [0x8a, 0x90, 0x99, 255], widthPx: 0.8 };
/** Canvas 2D's edge order: unsigned first, then repression, activation on top. */
const SIGN_ORDER = [0, -1, 1];

/** What one frame needs besides the data: size, device pixel ratio and whether a gene is hovered (edges fade). */
export interface GlFrame {
  widthPx: number;
  heightPx: number;
  dpr: number;
  isFocus: boolean;
}

/** Instance data derived from (graph, positions, encoding, pins); rebuilt only when one of them changes. */
interface Inputs {
  graph: GrnGraph;
  positions: Float32Array;
  enc: Encoding;
  pinned: ReadonlySet<number>;
}

/** A WebGL2 renderer of one graph on one canvas. `isAvailable()` says whether this browser can run it. */
export class GraphGl {
  private gl: WebGL2RenderingContext;
  private edgeProgram: WebGLProgram;
  private nodeProgram: WebGLProgram;
  private edgeVao: WebGLVertexArrayObject;
  private nodeVao: WebGLVertexArrayObject;
  private edgeBuffer: WebGLBuffer;
  private nodeBuffer: WebGLBuffer;
  private nodeColorBuffer: WebGLBuffer;
  private cornerBuffer: WebGLBuffer;
  private edgeU: Record<'view' | 'sizePx' | 'isHead' | 'alpha' | 'colors', WebGLUniformLocation | null>;
  private nodeU: Record<'view' | 'sizePx', WebGLUniformLocation | null>;
  private nEdges = 0;
  private nNodes = 0;
  private last: Inputs | null = null;
  /** Per-graph work kept across position changes (drags): the sign order of edges. */
  private edgeOrder: { graph: GrnGraph; order: Uint32Array } | null = null;

  /**
   * What WebGL2 runs on in this browser, checked once on a throwaway canvas: a real GPU, a software
   * rasteriser (SwiftShader, llvmpipe: measured slower than Canvas 2D for this graph), or nothing.
   */
  static support(): 'hardware' | 'software' | 'none' {
    if (glSupport) return glSupport;
    try {
      const gl = document.createElement('canvas').getContext('webgl2');
      if (!gl) return (glSupport = 'none');
      const info = gl.getExtension('WEBGL_debug_renderer_info');
      const name = info ? String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)) : '';
      gl.getExtension('WEBGL_lose_context')?.loseContext();
      glSupport = name === '' || /swiftshader|llvmpipe|software/i.test(name) ? 'software' : 'hardware';
    } catch {
      glSupport = 'none';
    }
    return glSupport;
  }

  /** Starts WebGL2 on `canvas`; throws a sentence when the browser refuses. */
  constructor(canvas: HTMLCanvasElement) {
    const gl = canvas.getContext('webgl2', { premultipliedAlpha: true, alpha: true, antialias: false, depth: false, stencil: false });
    if (!gl) throw new Error('This browser could not start WebGL2 for the regulation graph; it is drawn with Canvas 2D instead.');
    this.gl = gl;
    this.edgeProgram = createProgram(gl, edgesVert, edgesFrag);
    this.nodeProgram = createProgram(gl, nodesVert, nodesFrag);
    this.cornerBuffer = gl.createBuffer()!;
    this.edgeBuffer = gl.createBuffer()!;
    this.nodeBuffer = gl.createBuffer()!;
    this.nodeColorBuffer = gl.createBuffer()!;
    const u = (p: WebGLProgram, name: string) => gl.getUniformLocation(p, name);
    this.edgeU = {
      view: u(this.edgeProgram, 'u_view'),
      sizePx: u(this.edgeProgram, 'u_sizePx'),
      isHead: u(this.edgeProgram, 'u_isHead'),
      alpha: u(this.edgeProgram, 'u_alpha'),
      colors: u(this.edgeProgram, 'u_colors'),
    };
    this.nodeU = { view: u(this.nodeProgram, 'u_view'), sizePx: u(this.nodeProgram, 'u_sizePx') };
    // Corners: edges use x in {0,1}, y in {-1,1}; nodes map the same strip to [-1,1]^2 (x*2-1 in the VAO below).
    gl.bindBuffer(gl.ARRAY_BUFFER, this.cornerBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, new Float32Array([0, -1, 1, -1, 0, 1, 1, 1, -1, -1, 1, -1, -1, 1, 1, 1]), gl.STATIC_DRAW);

    this.edgeVao = gl.createVertexArray()!;
    gl.bindVertexArray(this.edgeVao);
    this.attrib(this.edgeProgram, 'a_corner', this.cornerBuffer, 2, 0, 0, 0);
    const stride = EDGE_FLOATS * 4;
    this.attrib(this.edgeProgram, 'a_src', this.edgeBuffer, 2, stride, 0, 1);
    this.attrib(this.edgeProgram, 'a_dst', this.edgeBuffer, 2, stride, 8, 1);
    this.attrib(this.edgeProgram, 'a_pullPx', this.edgeBuffer, 1, stride, 16, 1);
    this.attrib(this.edgeProgram, 'a_widthPx', this.edgeBuffer, 1, stride, 20, 1);
    this.attrib(this.edgeProgram, 'a_sign', this.edgeBuffer, 1, stride, 24, 1);

    this.nodeVao = gl.createVertexArray()!;
    gl.bindVertexArray(this.nodeVao);
    this.attrib(this.nodeProgram, 'a_corner', this.cornerBuffer, 2, 0, 32, 0);
    const nStride = NODE_FLOATS * 4;
    this.attrib(this.nodeProgram, 'a_center', this.nodeBuffer, 2, nStride, 0, 1);
    this.attrib(this.nodeProgram, 'a_radiusPx', this.nodeBuffer, 1, nStride, 8, 1);
    this.attrib(this.nodeProgram, 'a_ringPx', this.nodeBuffer, 1, nStride, 12, 1);
    this.attribU8(this.nodeProgram, 'a_fill', this.nodeColorBuffer, 8, 0);
    this.attribU8(this.nodeProgram, 'a_ring', this.nodeColorBuffer, 8, 4);
    gl.bindVertexArray(null);
  }

  private attrib(p: WebGLProgram, name: string, buf: WebGLBuffer, size: number, stride: number, offset: number, divisor: number) {
    const gl = this.gl;
    const loc = gl.getAttribLocation(p, name);
    if (loc < 0) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, size, gl.FLOAT, false, stride, offset);
    gl.vertexAttribDivisor(loc, divisor);
  }

  private attribU8(p: WebGLProgram, name: string, buf: WebGLBuffer, stride: number, offset: number) {
    const gl = this.gl;
    const loc = gl.getAttribLocation(p, name);
    if (loc < 0) return;
    gl.bindBuffer(gl.ARRAY_BUFFER, buf);
    gl.enableVertexAttribArray(loc);
    gl.vertexAttribPointer(loc, 4, gl.UNSIGNED_BYTE, true, stride, offset);
    gl.vertexAttribDivisor(loc, 1);
  }

  /**
   * Uploads the instance data when the graph, positions (`[n*2]` graph px), encoding or pins
   * changed since the last call (compared by identity); otherwise does nothing. Returns whether it uploaded.
   */
  setData(graph: GrnGraph, positions: Float32Array, enc: Encoding, pinned: ReadonlySet<number>): boolean {
    const l = this.last;
    if (l && l.graph === graph && l.positions === positions && l.enc === enc && l.pinned === pinned) return false;
    const gl = this.gl;
    const n = graph.nodes.length;
    const radii = new Float32Array(n);
    for (let i = 0; i < n; i++) radii[i] = nodeRadius(enc, i, graph.nodes[i].degree);

    if (this.edgeOrder?.graph !== graph) this.edgeOrder = { graph, order: signOrder(graph) };
    const order = this.edgeOrder.order;
    const edges = new Float32Array(order.length * EDGE_FLOATS);
    for (let k = 0; k < order.length; k++) {
      const e = graph.links[order[k]];
      const o = k * EDGE_FLOATS;
      edges[o] = positions[2 * e.source];
      edges[o + 1] = positions[2 * e.source + 1];
      edges[o + 2] = positions[2 * e.target];
      edges[o + 3] = positions[2 * e.target + 1];
      edges[o + 4] = radii[e.target];
      edges[o + 5] = edgeWidth(enc, e.weight);
      edges[o + 6] = e.sign > 0 ? 1 : e.sign < 0 ? -1 : 0;
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, this.edgeBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, edges, gl.DYNAMIC_DRAW);

    const nodes = new Float32Array(n * NODE_FLOATS);
    const colors = new Uint8Array(n * 8);
    // Fills repeat (quantised ramps, hollow white): parse each distinct CSS colour once.
    const parsed = new Map<string, [number, number, number]>();
    for (let i = 0; i < n; i++) {
      const isStrong = graph.nodes[i].isSeed || pinned.has(i);
      const ring = isStrong ? RING_STRONG : RING_WEAK;
      nodes.set([positions[2 * i], positions[2 * i + 1], radii[i], ring.widthPx], i * NODE_FLOATS);
      const fill = nodeFill(enc, i);
      let rgb = parsed.get(fill);
      if (!rgb) {
        const c = color(fill)?.rgb();
        rgb = c ? [Math.round(c.r), Math.round(c.g), Math.round(c.b)] : [255, 255, 255];
        parsed.set(fill, rgb);
      }
      colors.set([rgb[0], rgb[1], rgb[2], 255, ...ring.rgba], i * 8);
    }
    gl.bindBuffer(gl.ARRAY_BUFFER, this.nodeBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, nodes, gl.DYNAMIC_DRAW);
    gl.bindBuffer(gl.ARRAY_BUFFER, this.nodeColorBuffer);
    gl.bufferData(gl.ARRAY_BUFFER, colors, gl.DYNAMIC_DRAW);
    this.nEdges = order.length;
    this.nNodes = n;
    this.last = { graph, positions, enc, pinned };
    return true;
  }

  /** Draws edges, end marks and discs under view `t` (d3-zoom: screen = graph * k + (x, y)). */
  draw(t: ViewTransform, frame: GlFrame): void {
    const gl = this.gl;
    const canvas = gl.canvas as HTMLCanvasElement;
    const w = Math.max(1, Math.round(frame.widthPx * frame.dpr));
    const h = Math.max(1, Math.round(frame.heightPx * frame.dpr));
    if (canvas.width !== w) canvas.width = w;
    if (canvas.height !== h) canvas.height = h;
    gl.viewport(0, 0, w, h);
    gl.clearColor(0, 0, 0, 0);
    gl.clear(gl.COLOR_BUFFER_BIT);
    gl.enable(gl.BLEND);
    gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);

    gl.useProgram(this.edgeProgram);
    gl.uniform3f(this.edgeU.view, t.k, t.x, t.y);
    gl.uniform2f(this.edgeU.sizePx, frame.widthPx, frame.heightPx);
    gl.uniform1f(this.edgeU.alpha, edgeOpacity(this.nEdges) * (frame.isFocus ? FOCUS_FADE : 1));
    gl.uniform3fv(this.edgeU.colors, SIGN_RGB);
    gl.bindVertexArray(this.edgeVao);
    gl.uniform1f(this.edgeU.isHead, 0);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.nEdges);
    gl.uniform1f(this.edgeU.isHead, 1);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.nEdges);

    gl.useProgram(this.nodeProgram);
    gl.uniform3f(this.nodeU.view, t.k, t.x, t.y);
    gl.uniform2f(this.nodeU.sizePx, frame.widthPx, frame.heightPx);
    gl.bindVertexArray(this.nodeVao);
    gl.drawArraysInstanced(gl.TRIANGLE_STRIP, 0, 4, this.nNodes);
    gl.bindVertexArray(null);
  }

  /** Frees the GPU objects (the canvas keeps its context until it is removed). */
  dispose(): void {
    const gl = this.gl;
    gl.deleteBuffer(this.edgeBuffer);
    gl.deleteBuffer(this.nodeBuffer);
    gl.deleteBuffer(this.nodeColorBuffer);
    gl.deleteBuffer(this.cornerBuffer);
    gl.deleteVertexArray(this.edgeVao);
    gl.deleteVertexArray(this.nodeVao);
    gl.deleteProgram(this.edgeProgram);
    gl.deleteProgram(this.nodeProgram);
    this.last = null;
  }
}

/** Link indices in Canvas 2D's drawing order: by sign (unsigned, repression, activation), stable within a sign. */
function signOrder(graph: GrnGraph): Uint32Array {
  const out = new Uint32Array(graph.links.length);
  let k = 0;
  for (const sign of SIGN_ORDER) graph.links.forEach((l, i) => (Math.sign(l.sign) === sign ? (out[k++] = i) : 0));
  return out;
}

/** The three sign colours as linear 0–1 RGB for u_colors: repression, unsigned, activation. */
const SIGN_RGB = new Float32Array(
  [-1, 0, 1].flatMap((s) => {
    const c = color(edgeColor(s))!.rgb();
    return [c.r / 255, c.g / 255, c.b / 255];
  }),
);
