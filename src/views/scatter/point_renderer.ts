import vertexSource from './points.vert.glsl?raw';
import fragmentSource from './points.frag.glsl?raw';
import { createProgram } from './gl_program.ts';
import { createDensityPass, type DensityPass } from './density_pass.ts';

/** Affine map `clip = data * scale + translate`, per axis. Also used to map one layout's data units into another's. */
export interface ViewAffine {
  scaleX: number;
  scaleY: number;
  translateX: number;
  translateY: number;
}

/** How setPositions treats the positions already on the GPU. */
export interface SetPositionsOptions {
  /** Keep what is drawn now as the start of a transition (t = 0); ignored when the point count changes. */
  fromPrevious?: boolean;
  /** Maps the previous positions' data units into the new ones, so both layouts can be fitted to the same box. */
  fromAffine?: ViewAffine;
}

/** Callbacks for the browser taking the GPU context away and giving it back. */
export interface PointRendererOptions {
  onLost?: () => void;
  /** Called after buffers were uploaded again and the last frame redrawn. */
  onRestored?: () => void;
}

/** Pixels read back from the drawing buffer: `[heightPx, widthPx, 4]` u8 RGBA premultiplied, bottom row first. */
export interface PixelReadout {
  widthPx: number;
  heightPx: number;
  rgba: Uint8Array;
}

/** Draws every cell of a 2-D layout as a round, anti-aliased WebGL2 point sprite. */
export interface PointRenderer {
  /** `xy`: `[n * 2]` float32 data units. The array is kept (not copied): replace it, don't mutate it. */
  setPositions(xy: Float32Array, options?: SetPositionsOptions): void;
  /**
   * `rgba`: `[n * 4]` u8 straight alpha. If it does not cover every point, all points are drawn grey instead.
   * With `fromPrevious`, the colours drawn now become the start of a colour transition (see setColorTransition).
   */
  setColors(rgba: Uint8Array, options?: { fromPrevious?: boolean }): void;
  /** Colour transition progress, 0 (previous colours) .. 1 (current colours); already eased by the caller. */
  setColorTransition(t: number): void;
  /** The colour transition progress of the last drawn frame (1 when none is in flight). */
  colorTransitionOfLastDraw(): number;
  /** Data -> clip-space affine. */
  setView(view: ViewAffine): void;
  /** Disc diameter in CSS pixels (scaled by devicePixelRatio here). */
  setPointSize(diameterPx: number): void;
  /** Multiplies every disc's alpha, 0..1. */
  setOpacity(opacity: number): void;
  /** Density mode on or off; returns false when this GPU cannot draw it (discs are drawn then). */
  setDensity(isOn: boolean): boolean;
  /** Transition progress, 0 (previous layout) .. 1 (current layout); already eased by the caller. */
  setTransition(t: number): void;
  /** Sizes the drawing buffer for a `cssWidth x cssHeight` CSS-pixel box at the current devicePixelRatio. */
  setSize(cssWidthPx: number, cssHeightPx: number): void;
  /** Where point `i` is drawn now (mid-transition too), in current data units; null when out of range. */
  positionAt(i: number): [number, number] | null;
  /** Draws all points; returns how many were drawn (0 while the context is lost). */
  draw(): number;
  /** The drawing buffer as it was last drawn (preserveDrawingBuffer keeps it). */
  readPixels(): PixelReadout | null;
  /** One pixel of the drawing buffer at CSS px (x, y) from the top-left: u8 RGBA premultiplied (tests, tours). */
  readPixelAt(cssX: number, cssY: number): [number, number, number, number] | null;
  toDataURL(type?: string): string;
  isLost(): boolean;
  destroy(): void;
}

const IDENTITY: ViewAffine = { scaleX: 1, scaleY: 1, translateX: 0, translateY: 0 };
// Cells whose colours do not match the layout are drawn, not dropped: a neutral grey shows they exist.
const FALLBACK_RGBA = [0.55, 0.57, 0.6, 0.8] as const;

interface GlResources {
  program: WebGLProgram;
  toBuffer: WebGLBuffer;
  fromBuffer: WebGLBuffer;
  colorBuffer: WebGLBuffer;
  fromColorBuffer: WebGLBuffer;
  attrib: { from: number; to: number; color: number; fromColor: number };
  uniform: Record<
    'scale' | 'translate' | 'fromScale' | 'fromOffset' | 't' | 'colorT' | 'diameterPx' | 'opacity',
    WebGLUniformLocation | null
  >;
  maxPointSizePx: number;
  density: DensityPass | null;
}

/**
 * Creates a WebGL2 point renderer on `canvas`.
 * Throws an Error with a user-facing sentence when WebGL2 is not available.
 */
export function createPointRenderer(canvas: HTMLCanvasElement, options: PointRendererOptions = {}): PointRenderer {
  const gl = canvas.getContext('webgl2', {
    // Exports and screenshots read the canvas after the frame was composited.
    preserveDrawingBuffer: true,
    premultipliedAlpha: true,
    alpha: true,
    // The fragment shader anti-aliases each disc; MSAA would only cost memory.
    antialias: false,
    depth: false,
    stencil: false,
  });
  if (!gl) {
    throw new Error(
      'This browser could not start WebGL2, which Glasswing needs to draw the cell scatter. ' +
        'Turn on hardware acceleration in the browser settings (or use a current Chrome, Edge, Firefox or Safari) and reload.',
    );
  }

  let toXY: Float32Array | null = null;
  // Null when there is no transition in flight: a_from then reads the current positions.
  let fromXY: Float32Array | null = null;
  let fromAffine: ViewAffine = IDENTITY;
  let t = 1;
  let colors: Uint8Array | null = null;
  // Null when no colour transition is in flight: a_fromColor then reads the current colours.
  let fromColors: Uint8Array | null = null;
  let colorT = 1;
  let lastDrawColorT = 1;
  let view: ViewAffine = IDENTITY;
  let diameterCssPx = 4;
  let opacity = 1;
  let isDensity = false;
  let isContextLost = gl.isContextLost();
  let resources: GlResources | null = isContextLost ? null : initResources(gl);

  const pointCount = () => (toXY ? Math.floor(toXY.length / 2) : 0);

  function uploadPositions(): void {
    if (!resources) return;
    gl!.bindBuffer(gl!.ARRAY_BUFFER, resources.toBuffer);
    gl!.bufferData(gl!.ARRAY_BUFFER, toXY ?? new Float32Array(0), gl!.STATIC_DRAW);
    gl!.bindBuffer(gl!.ARRAY_BUFFER, resources.fromBuffer);
    gl!.bufferData(gl!.ARRAY_BUFFER, fromXY ?? new Float32Array(0), gl!.STATIC_DRAW);
  }

  function uploadColors(): void {
    if (!resources) return;
    gl!.bindBuffer(gl!.ARRAY_BUFFER, resources.colorBuffer);
    gl!.bufferData(gl!.ARRAY_BUFFER, colors ?? new Uint8Array(0), gl!.STATIC_DRAW);
    gl!.bindBuffer(gl!.ARRAY_BUFFER, resources.fromColorBuffer);
    gl!.bufferData(gl!.ARRAY_BUFFER, fromColors ?? new Uint8Array(0), gl!.STATIC_DRAW);
  }

  /** The straight-alpha colours drawn at the current colour t (rounded as the GPU's u8 inputs would be mixed). */
  function currentColors(): Uint8Array | null {
    if (!colors || !fromColors || fromColors.length !== colors.length) return colors;
    const out = new Uint8Array(colors.length);
    for (let k = 0; k < out.length; k++) out[k] = Math.round(fromColors[k] + (colors[k] - fromColors[k]) * colorT);
    return out;
  }

  /** The positions drawn at the current t, in current data units. */
  function currentPositions(): Float32Array | null {
    if (!toXY || !fromXY) return toXY;
    const out = new Float32Array(toXY.length);
    const { scaleX, scaleY, translateX, translateY } = fromAffine;
    for (let k = 0; k < out.length; k += 2) {
      const fx = fromXY[k] * scaleX + translateX;
      const fy = fromXY[k + 1] * scaleY + translateY;
      out[k] = fx + (toXY[k] - fx) * t;
      out[k + 1] = fy + (toXY[k + 1] - fy) * t;
    }
    return out;
  }

  function draw(): number {
    if (isContextLost || !resources) return 0;
    const r = resources;
    gl!.viewport(0, 0, canvas.width, canvas.height);
    gl!.clearColor(0, 0, 0, 0);
    gl!.clear(gl!.COLOR_BUFFER_BIT);
    const n = pointCount();
    lastDrawColorT = fromColors ? colorT : 1;
    if (n === 0) return 0;

    if (isDensity && r.density) {
      r.density.draw(
        (attrib) => {
          bindFloat2(attrib.to, r.toBuffer);
          bindFloat2(attrib.from, fromXY ? r.fromBuffer : r.toBuffer);
          bindColors(attrib.color, n);
        },
        {
          scale: [view.scaleX, view.scaleY],
          translate: [view.translateX, view.translateY],
          fromScale: [fromAffine.scaleX, fromAffine.scaleY],
          fromOffset: [fromAffine.translateX, fromAffine.translateY],
          t: fromXY ? t : 1,
          opacity,
          sizePx: n < 100_000 ? 3 : n < 500_000 ? 2 : 1,
          // Fully opaque at 30x the mean count per pixel over the canvas (at least 8 cells).
          saturationCount: Math.max(8, (30 * n) / Math.max(1, canvas.width * canvas.height)),
        },
        n,
      );
      return n;
    }

    gl!.useProgram(r.program);
    const dpr = devicePixelRatio();
    const diameterPx = Math.min(Math.max(diameterCssPx * dpr, 1), r.maxPointSizePx - 1);
    gl!.uniform2f(r.uniform.scale, view.scaleX, view.scaleY);
    gl!.uniform2f(r.uniform.translate, view.translateX, view.translateY);
    gl!.uniform2f(r.uniform.fromScale, fromAffine.scaleX, fromAffine.scaleY);
    gl!.uniform2f(r.uniform.fromOffset, fromAffine.translateX, fromAffine.translateY);
    gl!.uniform1f(r.uniform.t, fromXY ? t : 1);
    gl!.uniform1f(r.uniform.colorT, fromColors ? colorT : 1);
    gl!.uniform1f(r.uniform.diameterPx, diameterPx);
    gl!.uniform1f(r.uniform.opacity, opacity);

    bindFloat2(r.attrib.to, r.toBuffer);
    bindFloat2(r.attrib.from, fromXY ? r.fromBuffer : r.toBuffer);
    bindColors(r.attrib.color, n);
    bindColors(r.attrib.fromColor, n, fromColors ? r.fromColorBuffer : r.colorBuffer);

    gl!.enable(gl!.BLEND);
    // Colours leave the vertex shader premultiplied, matching the canvas's premultiplied compositing.
    gl!.blendFunc(gl!.ONE, gl!.ONE_MINUS_SRC_ALPHA);
    gl!.drawArrays(gl!.POINTS, 0, n);
    return n;
  }

  function bindColors(location: number, n: number, buffer?: WebGLBuffer): void {
    if (location < 0 || !resources) return;
    if (colors && colors.length >= n * 4) {
      gl!.bindBuffer(gl!.ARRAY_BUFFER, buffer ?? resources.colorBuffer);
      gl!.enableVertexAttribArray(location);
      gl!.vertexAttribPointer(location, 4, gl!.UNSIGNED_BYTE, true, 0, 0);
    } else {
      gl!.disableVertexAttribArray(location);
      gl!.vertexAttrib4f(location, ...FALLBACK_RGBA);
    }
  }

  function bindFloat2(location: number, buffer: WebGLBuffer): void {
    if (location < 0) return;
    gl!.bindBuffer(gl!.ARRAY_BUFFER, buffer);
    gl!.enableVertexAttribArray(location);
    gl!.vertexAttribPointer(location, 2, gl!.FLOAT, false, 0, 0);
  }

  function onContextLost(event: Event): void {
    // Without preventDefault the browser never offers the context back.
    event.preventDefault();
    isContextLost = true;
    resources = null;
    options.onLost?.();
  }

  function onContextRestored(): void {
    isContextLost = false;
    resources = initResources(gl!);
    uploadPositions();
    uploadColors();
    draw();
    options.onRestored?.();
  }

  canvas.addEventListener('webglcontextlost', onContextLost);
  canvas.addEventListener('webglcontextrestored', onContextRestored);

  return {
    setPositions(xy, opts = {}) {
      if (opts.fromPrevious && toXY && toXY.length === xy.length) {
        fromXY = currentPositions();
        fromAffine = opts.fromAffine ?? IDENTITY;
        t = 0;
      } else {
        fromXY = null;
        fromAffine = IDENTITY;
        t = 1;
      }
      toXY = xy;
      uploadPositions();
    },
    setColors(rgba, opts = {}) {
      const drawn = currentColors();
      if (opts.fromPrevious && drawn && drawn.length === rgba.length && drawn !== rgba) {
        fromColors = drawn === colors ? drawn.slice() : drawn;
        colorT = 0;
      } else {
        fromColors = null;
        colorT = 1;
      }
      colors = rgba;
      uploadColors();
    },
    setColorTransition(next) {
      colorT = Math.min(Math.max(next, 0), 1);
      if (colorT >= 1 && fromColors) {
        // Done: drop the old colours so a_fromColor reads the current buffer and the end state is exact.
        fromColors = null;
        uploadColors();
      }
    },
    colorTransitionOfLastDraw() {
      return lastDrawColorT;
    },
    setView(next) {
      view = { ...next };
    },
    setPointSize(diameterPx) {
      diameterCssPx = diameterPx;
    },
    setOpacity(next) {
      opacity = Math.min(Math.max(next, 0), 1);
    },
    setDensity(isOn) {
      isDensity = isOn;
      return !isOn || Boolean(resources?.density);
    },
    setTransition(next) {
      t = Math.min(Math.max(next, 0), 1);
      if (t >= 1) {
        // Transition done: drop the old layout so a_from reads the current buffer again.
        fromXY = null;
        fromAffine = IDENTITY;
      }
    },
    setSize(cssWidthPx, cssHeightPx) {
      const dpr = devicePixelRatio();
      const width = Math.max(1, Math.round(cssWidthPx * dpr));
      const height = Math.max(1, Math.round(cssHeightPx * dpr));
      // Assigning the size clears the buffer even when unchanged, so only assign on change.
      if (canvas.width !== width) canvas.width = width;
      if (canvas.height !== height) canvas.height = height;
    },
    positionAt(i) {
      if (!toXY || !Number.isInteger(i) || i < 0 || i >= pointCount()) return null;
      const x = toXY[2 * i];
      const y = toXY[2 * i + 1];
      if (!fromXY) return [x, y];
      const fx = fromXY[2 * i] * fromAffine.scaleX + fromAffine.translateX;
      const fy = fromXY[2 * i + 1] * fromAffine.scaleY + fromAffine.translateY;
      return [fx + (x - fx) * t, fy + (y - fy) * t];
    },
    draw,
    readPixels() {
      if (isContextLost) return null;
      const widthPx = gl.drawingBufferWidth;
      const heightPx = gl.drawingBufferHeight;
      const rgba = new Uint8Array(widthPx * heightPx * 4);
      gl.readPixels(0, 0, widthPx, heightPx, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
      return { widthPx, heightPx, rgba };
    },
    readPixelAt(cssX, cssY) {
      if (isContextLost) return null;
      const dpr = devicePixelRatio();
      const x = Math.floor(cssX * dpr);
      const y = gl.drawingBufferHeight - 1 - Math.floor(cssY * dpr);
      if (x < 0 || y < 0 || x >= gl.drawingBufferWidth || y >= gl.drawingBufferHeight) return null;
      const px = new Uint8Array(4);
      gl.readPixels(x, y, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, px);
      return [px[0], px[1], px[2], px[3]];
    },
    toDataURL(type = 'image/png') {
      return canvas.toDataURL(type);
    },
    isLost() {
      return isContextLost || gl.isContextLost();
    },
    destroy() {
      canvas.removeEventListener('webglcontextlost', onContextLost);
      canvas.removeEventListener('webglcontextrestored', onContextRestored);
      if (resources && !gl.isContextLost()) {
        gl.deleteBuffer(resources.toBuffer);
        gl.deleteBuffer(resources.fromBuffer);
        gl.deleteBuffer(resources.colorBuffer);
        gl.deleteBuffer(resources.fromColorBuffer);
        gl.deleteProgram(resources.program);
        resources.density?.destroy();
      }
      resources = null;
      toXY = fromXY = null;
      colors = fromColors = null;
      // Browsers cap live contexts (about 16); give this one back now rather than at garbage collection.
      gl.getExtension('WEBGL_lose_context')?.loseContext();
    },
  };
}

function initResources(gl: WebGL2RenderingContext): GlResources {
  const program = createProgram(gl, vertexSource, fragmentSource);
  const buffer = () => {
    const b = gl.createBuffer();
    if (!b) throw new Error('WebGL2 could not allocate a buffer for the scatter points.');
    return b;
  };
  const range = gl.getParameter(gl.ALIASED_POINT_SIZE_RANGE) as Float32Array | null;
  return {
    program,
    toBuffer: buffer(),
    fromBuffer: buffer(),
    colorBuffer: buffer(),
    fromColorBuffer: buffer(),
    attrib: {
      from: gl.getAttribLocation(program, 'a_from'),
      to: gl.getAttribLocation(program, 'a_to'),
      color: gl.getAttribLocation(program, 'a_color'),
      fromColor: gl.getAttribLocation(program, 'a_fromColor'),
    },
    uniform: {
      scale: gl.getUniformLocation(program, 'u_scale'),
      translate: gl.getUniformLocation(program, 'u_translate'),
      fromScale: gl.getUniformLocation(program, 'u_fromScale'),
      fromOffset: gl.getUniformLocation(program, 'u_fromOffset'),
      t: gl.getUniformLocation(program, 'u_t'),
      colorT: gl.getUniformLocation(program, 'u_colorT'),
      diameterPx: gl.getUniformLocation(program, 'u_diameterPx'),
      opacity: gl.getUniformLocation(program, 'u_opacity'),
    },
    maxPointSizePx: range && range[1] > 1 ? range[1] : 64,
    density: (() => {
      try {
        return createDensityPass(gl);
      } catch {
        // A driver that cannot compile the density shaders still draws discs.
        return null;
      }
    })(),
  };
}

function devicePixelRatio(): number {
  return typeof window !== 'undefined' && window.devicePixelRatio > 0 ? window.devicePixelRatio : 1;
}
