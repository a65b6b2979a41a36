#version 300 es
// One instanced quad per prior-knowledge edge (u_isHead = 0), or per edge end mark (u_isHead = 1):
// an arrowhead for activation, a bar for repression, a dot for unsigned. The geometry matches the
// Canvas 2D path (graph_canvas.ts): the line stops at the target's rim plus 1 px, the mark sits there.
// Positions are graph px; the view (screen = graph * k + t) is applied here, so a pan or zoom
// changes three uniforms and nothing else.

in vec2 a_corner;   // per vertex: x in {0, 1} along the quad, y in {-1, 1} across
in vec2 a_src;      // per instance: regulator position, graph px
in vec2 a_dst;      // target position, graph px
in float a_pullPx;  // target radius, graph px (scaled by k like the disc)
in float a_widthPx; // stroke width, screen px
in float a_sign;    // -1, 0, +1

uniform vec3 u_view;     // (k, tx, ty)
uniform vec2 u_sizePx;   // drawing size, CSS px
uniform float u_isHead;
uniform float u_alpha;
uniform vec3 u_colors[3]; // repression, unsigned, activation

out vec2 v_local;          // px: along (heads: back from the tip), across
flat out float v_sign;
flat out float v_widthPx;
out vec4 v_color;          // premultiplied

void main() {
  vec2 s0 = a_src * u_view.x + u_view.yz;
  vec2 s1 = a_dst * u_view.x + u_view.yz;
  vec2 d = s1 - s0;
  float len = length(d);
  vec2 dir = len > 1e-6 ? d / len : vec2(1.0, 0.0);
  vec2 nrm = vec2(-dir.y, dir.x);
  vec2 tip = s1 - dir * (a_pullPx * u_view.x + 1.0);
  vec2 p;
  if (u_isHead < 0.5) {
    // Half a pixel of margin each side for the anti-aliased rim.
    float halfPx = 0.5 * a_widthPx + 1.0;
    p = mix(s0, tip, a_corner.x) + nrm * (a_corner.y * halfPx);
    v_local = vec2(0.0, a_corner.y * halfPx);
  } else {
    float size = 3.0 + a_widthPx;
    float lw = max(1.2, a_widthPx);
    float along = mix(-(lw + 4.0), size + lw + 1.0, a_corner.x);
    float across = a_corner.y * (0.7 * size + lw + 1.0);
    p = tip - dir * along + nrm * across;
    v_local = vec2(along, across);
  }
  gl_Position = vec4(p.x / u_sizePx.x * 2.0 - 1.0, 1.0 - p.y / u_sizePx.y * 2.0, 0.0, 1.0);
  v_sign = a_sign;
  v_widthPx = a_widthPx;
  // A self-regulation link has no direction to draw (the Canvas path draws nothing for it either).
  float alpha = len > 1e-6 ? u_alpha : 0.0;
  v_color = vec4(u_colors[int(a_sign + 1.0)] * alpha, alpha);
}
