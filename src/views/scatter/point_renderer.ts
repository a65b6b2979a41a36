import vertexSource from './points.vert.glsl?raw';
import fragmentSource from './points.frag.glsl?raw';
import { createProgram } from './gl_program.ts';
import { createDensityPass, type DensityPass } from './density_pass.ts';
import { NO_VALUE_RGBA } from '../../core/color/colormap.ts';
import { valueColoringToRgba, type ValueColoring } from '../../core/color/value_coloring.ts';

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
  /** `rgba`: `[n * 4]` u8 straight alpha. If it does not cover every point, all points are drawn grey instead. */
  setColors(rgba: Uint8Array): void;
  /**
   * Colours cells by value on the GPU (replaces setColors until setColors is called again). Only
   * what changed is uploaded: a new `values` array (one bufferSubData when the length is the same),
   * a new `lut` (256 texels at most), a new `mask`; domain and alpha are uniforms.
   */
  setColorValues(coloring: ValueColoring): void;
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
  /** Blocks until the GPU has executed every command sent so far (a 1-pixel read-back); for timing only. */
  finish(): void;
  /** The drawing buffer as it was last drawn (preserveDrawingBuffer keeps it). */
  readPixels(): PixelReadout | null;
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
  valueBuffer: WebGLBuffer;
  maskBuffer: WebGLBuffer;
  lutTexture: WebGLTexture;
  attrib: { from: number; to: number; color: number; value: number; mask: number };
  uniform: Record<
    | 'scale'
    | 'translate'
    | 'fromScale'
    | 'fromOffset'
    | 't'
    | 'diameterPx'
    | 'opacity'
    | 'mode'
    | 'lut'
    | 'lutSize'
    | 'domain'
    | 'valueAlpha'
    | 'noValue',
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
  // GPU colouring (null: the RGBA path). What was last uploaded, so a recolour re-sends only what changed.
  let valueColoring: ValueColoring | null = null;
  let uploaded: { values: Float32Array | null; valuesBytes: number; lut: Uint8Array | null; mask: Uint8Array | null } = {
    values: null,
    valuesBytes: 0,
    lut: null,
    mask: null,
  };
  // The density pass reads RGBA; for a value colouring it is mapped on the CPU once, when first needed.
  let densityRgbaFor: ValueColoring | null = null;
  const view: ViewAffine = { ...IDENTITY };
  let diameterCssPx = 4;
  let opacity = 1;
  let isDensity = false;
  let isContextLost = gl.isContextLost();
  let resources: GlResources | null = isContextLost ? null : initResources(gl);

  const finishPixel = new Uint8Array(4);
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
  }

  /** Uploads the parts of the value colouring that changed since the last upload. */
  function uploadValueColoring(force = false): void {
    const c = valueColoring;
    if (!resources || !c) return;
    const r = resources;
    if (force || uploaded.values !== c.values) {
      gl!.bindBuffer(gl!.ARRAY_BUFFER, r.valueBuffer);
      // Same size as before: overwrite in place (no reallocation); otherwise allocate.
      if (!force && uploaded.valuesBytes === c.values.byteLength) gl!.bufferSubData(gl!.ARRAY_BUFFER, 0, c.values);
      else gl!.bufferData(gl!.ARRAY_BUFFER, c.values, gl!.DYNAMIC_DRAW);
      uploaded.values = c.values;
      uploaded.valuesBytes = c.values.byteLength;
    }
    if (force || uploaded.lut !== c.lut) {
      gl!.bindTexture(gl!.TEXTURE_2D, r.lutTexture);
      gl!.pixelStorei(gl!.UNPACK_ALIGNMENT, 1);
      gl!.texImage2D(gl!.TEXTURE_2D, 0, gl!.RGBA8, Math.max(1, c.lut.length / 4), 1, 0, gl!.RGBA, gl!.UNSIGNED_BYTE, c.lut);
      uploaded.lut = c.lut;
    }
    if ((force || uploaded.mask !== c.mask) && c.mask) {
      gl!.bindBuffer(gl!.ARRAY_BUFFER, r.maskBuffer);
      gl!.bufferData(gl!.ARRAY_BUFFER, c.mask, gl!.DYNAMIC_DRAW);
    }
    uploaded.mask = c.mask;
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
    if (n === 0) return 0;

    if (isDensity && r.density) {
      r.density.draw(
        (attrib) => {
          bindFloat2(attrib.to, r.toBuffer);
          bindFloat2(attrib.from, fromXY ? r.fromBuffer : r.toBuffer);
          if (valueColoring && densityRgbaFor !== valueColoring) {
            // The density pass sums RGBA colours: map the value colouring on the CPU, once per colouring.
            colors = valueColoringToRgba(valueColoring);
            uploadColors();
            densityRgbaFor = valueColoring;
          }
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
    gl!.uniform1f(r.uniform.diameterPx, diameterPx);
    gl!.uniform1f(r.uniform.opacity, opacity);

    bindFloat2(r.attrib.to, r.toBuffer);
    bindFloat2(r.attrib.from, fromXY ? r.fromBuffer : r.toBuffer);
    const c = valueColoring && valueColoring.values.length >= n ? valueColoring : null;
    gl!.uniform1i(r.uniform.mode, c ? (c.kind === 'continuous' ? 1 : 2) : 0);
    if (c) {
      gl!.disableVertexAttribArray(r.attrib.color);
      gl!.uniform1i(r.uniform.lutSize, Math.max(1, c.lut.length / 4));
      gl!.uniform2f(r.uniform.domain, c.domain[0], c.domain[1]);
      gl!.uniform1f(r.uniform.valueAlpha, c.alpha / 255);
      gl!.activeTexture(gl!.TEXTURE0);
      gl!.bindTexture(gl!.TEXTURE_2D, r.lutTexture);
      gl!.uniform1i(r.uniform.lut, 0);
      bindFloat1(r.attrib.value, r.valueBuffer, gl!.FLOAT, false);
      if (c.mask && c.mask.length >= n) bindFloat1(r.attrib.mask, r.maskBuffer, gl!.UNSIGNED_BYTE, false);
      else if (r.attrib.mask >= 0) {
        gl!.disableVertexAttribArray(r.attrib.mask);
        gl!.vertexAttrib1f(r.attrib.mask, 1);
      }
    } else {
      bindColors(r.attrib.color, n);
      // The value attributes are unused in this mode; constant values keep the attribute state valid.
      for (const loc of [r.attrib.value, r.attrib.mask]) {
        if (loc < 0) continue;
        gl!.disableVertexAttribArray(loc);
        gl!.vertexAttrib1f(loc, 1);
      }
    }

    gl!.enable(gl!.BLEND);
    // Colours leave the vertex shader premultiplied, matching the canvas's premultiplied compositing.
    gl!.blendFunc(gl!.ONE, gl!.ONE_MINUS_SRC_ALPHA);
    gl!.drawArrays(gl!.POINTS, 0, n);
    return n;
  }

  function bindColors(location: number, n: number): void {
    if (location < 0 || !resources) return;
    if (colors && colors.length >= n * 4) {
      gl!.bindBuffer(gl!.ARRAY_BUFFER, resources.colorBuffer);
      gl!.enableVertexAttribArray(location);
      gl!.vertexAttribPointer(location, 4, gl!.UNSIGNED_BYTE, true, 0, 0);
    } else {
      gl!.disableVertexAttribArray(location);
      gl!.vertexAttrib4f(location, ...FALLBACK_RGBA);
    }
  }

  function bindFloat1(location: number, buffer: WebGLBuffer, type: GLenum, isNormalized: boolean): void {
    if (location < 0) return;
    gl!.bindBuffer(gl!.ARRAY_BUFFER, buffer);
    gl!.enableVertexAttribArray(location);
    gl!.vertexAttribPointer(location, 1, type, isNormalized, 0, 0);
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
    uploadValueColoring(true);
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
    setColors(rgba) {
      valueColoring = null;
      densityRgbaFor = null;
      colors = rgba;
      uploadColors();
    },
    setColorValues(coloring) {
      valueColoring = coloring;
      uploadValueColoring();
    },
    setView(next) {
      // Copied into the renderer's own object: called on every pan frame, so nothing is allocated.
      view.scaleX = next.scaleX;
      view.scaleY = next.scaleY;
      view.translateX = next.translateX;
      view.translateY = next.translateY;
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
    finish() {
      if (isContextLost) return;
      // gl.finish() may return before the work is done; a read-back cannot.
      gl.readPixels(0, 0, 1, 1, gl.RGBA, gl.UNSIGNED_BYTE, finishPixel);
    },
    readPixels() {
      if (isContextLost) return null;
      const widthPx = gl.drawingBufferWidth;
      const heightPx = gl.drawingBufferHeight;
      const rgba = new Uint8Array(widthPx * heightPx * 4);
      gl.readPixels(0, 0, widthPx, heightPx, gl.RGBA, gl.UNSIGNED_BYTE, rgba);
      return { widthPx, heightPx, rgba };
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
        gl.deleteBuffer(resources.valueBuffer);
        gl.deleteBuffer(resources.maskBuffer);
        gl.deleteTexture(resources.lutTexture);
        gl.deleteProgram(resources.program);
        resources.density?.destroy();
      }
      resources = null;
      toXY = fromXY = null;
      colors = null;
      valueColoring = null;
      uploaded = { values: null, valuesBytes: 0, lut: null, mask: null };
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
  const lutTexture = gl.createTexture();
  if (!lutTexture) throw new Error('WebGL2 could not allocate the colour-map texture for the scatter.');
  gl.bindTexture(gl.TEXTURE_2D, lutTexture);
  // texelFetch ignores filtering, but an incomplete (mipmapped) texture would read black.
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
  gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
  gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA8, 1, 1, 0, gl.RGBA, gl.UNSIGNED_BYTE, new Uint8Array(4));
  const uniform = (name: string) => gl.getUniformLocation(program, name);
  gl.useProgram(program);
  gl.uniform4f(uniform('u_noValue'), ...(NO_VALUE_RGBA.map((v) => v / 255) as [number, number, number, number]));
  return {
    program,
    toBuffer: buffer(),
    fromBuffer: buffer(),
    colorBuffer: buffer(),
    valueBuffer: buffer(),
    maskBuffer: buffer(),
    lutTexture,
    attrib: {
      from: gl.getAttribLocation(program, 'a_from'),
      to: gl.getAttribLocation(program, 'a_to'),
      color: gl.getAttribLocation(program, 'a_color'),
      value: gl.getAttribLocation(program, 'a_value'),
      mask: gl.getAttribLocation(program, 'a_mask'),
    },
    uniform: {
      scale: gl.getUniformLocation(program, 'u_scale'),
      translate: gl.getUniformLocation(program, 'u_translate'),
      fromScale: gl.getUniformLocation(program, 'u_fromScale'),
      fromOffset: gl.getUniformLocation(program, 'u_fromOffset'),
      t: gl.getUniformLocation(program, 'u_t'),
      diameterPx: gl.getUniformLocation(program, 'u_diameterPx'),
      opacity: gl.getUniformLocation(program, 'u_opacity'),
      mode: uniform('u_mode'),
      lut: uniform('u_lut'),
      lutSize: uniform('u_lutSize'),
      domain: uniform('u_domain'),
      valueAlpha: uniform('u_valueAlpha'),
      noValue: uniform('u_noValue'),
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
