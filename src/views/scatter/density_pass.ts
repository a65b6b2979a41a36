import accumulateVertex from './density.vert.glsl?raw';
import accumulateFragment from './density.frag.glsl?raw';
import resolveVertex from './density_resolve.vert.glsl?raw';
import resolveFragment from './density_resolve.frag.glsl?raw';
import { createProgram } from './gl_program.ts';

/**
 * Density mode for very large layouts: every cell adds its colour (weighted by its alpha) and a
 * count of 1 to its pixel in a half-float texture (additive blending); a full-screen pass then
 * shows each pixel's mean colour with an opacity that grows with log(count). Nothing is sampled:
 * all cells are counted, overlapping ones included, which discs drawn on top of each other hide.
 */
export interface DensityPass {
  /** Accumulates `n` points from the bound position/colour buffers and resolves onto the canvas. */
  draw(bind: (attrib: { from: number; to: number; color: number }) => void, uniforms: DensityUniforms, n: number): void;
  destroy(): void;
}

/** The view and transition, as the disc pass gets them, and the count at which a pixel is fully opaque. */
export interface DensityUniforms {
  scale: [number, number];
  translate: [number, number];
  fromScale: [number, number];
  fromOffset: [number, number];
  t: number;
  opacity: number;
  /** Square sprite side per cell, device px (1 for millions of cells). */
  sizePx: number;
  /** Count per device pixel at which opacity reaches 1 (log scale below it). */
  saturationCount: number;
}

/** Creates the pass, or returns null when the GPU cannot render to half-float textures. */
export function createDensityPass(gl: WebGL2RenderingContext): DensityPass | null {
  if (!gl.getExtension('EXT_color_buffer_float') && !gl.getExtension('EXT_color_buffer_half_float')) return null;
  const accumulate = createProgram(gl, accumulateVertex, accumulateFragment);
  const resolve = createProgram(gl, resolveVertex, resolveFragment);
  const texture = gl.createTexture();
  const framebuffer = gl.createFramebuffer();
  if (!texture || !framebuffer) return null;
  let sizePx: [number, number] = [0, 0];
  const attrib = {
    from: gl.getAttribLocation(accumulate, 'a_from'),
    to: gl.getAttribLocation(accumulate, 'a_to'),
    color: gl.getAttribLocation(accumulate, 'a_color'),
  };
  const u = (p: WebGLProgram, name: string) => gl.getUniformLocation(p, name);

  function ensureTarget(w: number, h: number): boolean {
    if (sizePx[0] === w && sizePx[1] === h) return true;
    gl.bindTexture(gl.TEXTURE_2D, texture);
    gl.texImage2D(gl.TEXTURE_2D, 0, gl.RGBA16F, w, h, 0, gl.RGBA, gl.HALF_FLOAT, null);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MIN_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_MAG_FILTER, gl.NEAREST);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_S, gl.CLAMP_TO_EDGE);
    gl.texParameteri(gl.TEXTURE_2D, gl.TEXTURE_WRAP_T, gl.CLAMP_TO_EDGE);
    gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
    gl.framebufferTexture2D(gl.FRAMEBUFFER, gl.COLOR_ATTACHMENT0, gl.TEXTURE_2D, texture, 0);
    const isComplete = gl.checkFramebufferStatus(gl.FRAMEBUFFER) === gl.FRAMEBUFFER_COMPLETE;
    gl.bindFramebuffer(gl.FRAMEBUFFER, null);
    sizePx = isComplete ? [w, h] : [0, 0];
    return isComplete;
  }

  return {
    draw(bind, uniforms, n) {
      const w = gl.drawingBufferWidth;
      const h = gl.drawingBufferHeight;
      if (!ensureTarget(w, h)) return;
      gl.bindFramebuffer(gl.FRAMEBUFFER, framebuffer);
      gl.viewport(0, 0, w, h);
      gl.clearColor(0, 0, 0, 0);
      gl.clear(gl.COLOR_BUFFER_BIT);
      gl.useProgram(accumulate);
      gl.uniform2f(u(accumulate, 'u_scale'), ...uniforms.scale);
      gl.uniform2f(u(accumulate, 'u_translate'), ...uniforms.translate);
      gl.uniform2f(u(accumulate, 'u_fromScale'), ...uniforms.fromScale);
      gl.uniform2f(u(accumulate, 'u_fromOffset'), ...uniforms.fromOffset);
      gl.uniform1f(u(accumulate, 'u_t'), uniforms.t);
      gl.uniform1f(u(accumulate, 'u_sizePx'), uniforms.sizePx);
      bind(attrib);
      gl.enable(gl.BLEND);
      gl.blendFunc(gl.ONE, gl.ONE);
      gl.drawArrays(gl.POINTS, 0, n);
      gl.bindFramebuffer(gl.FRAMEBUFFER, null);

      gl.viewport(0, 0, w, h);
      gl.useProgram(resolve);
      gl.activeTexture(gl.TEXTURE0);
      gl.bindTexture(gl.TEXTURE_2D, texture);
      gl.uniform1i(u(resolve, 'u_density'), 0);
      gl.uniform1f(u(resolve, 'u_logSaturation'), Math.log2(1 + Math.max(1, uniforms.saturationCount)));
      gl.uniform1f(u(resolve, 'u_opacity'), uniforms.opacity);
      gl.blendFunc(gl.ONE, gl.ONE_MINUS_SRC_ALPHA);
      // A single triangle that covers the viewport; the vertex shader makes it from gl_VertexID.
      gl.drawArrays(gl.TRIANGLES, 0, 3);
    },
    destroy() {
      if (gl.isContextLost()) return;
      gl.deleteTexture(texture);
      gl.deleteFramebuffer(framebuffer);
      gl.deleteProgram(accumulate);
      gl.deleteProgram(resolve);
    },
  };
}
