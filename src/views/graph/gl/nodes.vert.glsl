#version 300 es
// One instanced quad per gene: a filled disc with a ring, radius in graph px (it grows with zoom,
// like the Canvas and SVG views), ring width in screen px.

in vec2 a_corner;    // per vertex: [-1, 1]^2
in vec2 a_center;    // per instance: graph px
in float a_radiusPx; // graph px
in float a_ringPx;   // screen px
in vec4 a_fill;      // straight RGBA, normalised from u8
in vec4 a_ring;

uniform vec3 u_view;   // (k, tx, ty)
uniform vec2 u_sizePx; // drawing size, CSS px

out vec2 v_local; // px from the centre
flat out float v_radiusPx;
flat out float v_ringPx;
flat out vec4 v_fill;
flat out vec4 v_ring;

void main() {
  vec2 c = a_center * u_view.x + u_view.yz;
  float r = a_radiusPx * u_view.x;
  float extent = r + 0.5 * a_ringPx + 1.0;
  v_local = a_corner * extent;
  vec2 p = c + v_local;
  gl_Position = vec4(p.x / u_sizePx.x * 2.0 - 1.0, 1.0 - p.y / u_sizePx.y * 2.0, 0.0, 1.0);
  v_radiusPx = r;
  v_ringPx = a_ringPx;
  v_fill = a_fill;
  v_ring = a_ring;
}
