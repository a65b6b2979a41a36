#version 300 es
// Coverage of an edge's line or end mark, anti-aliased by a signed distance in px.
precision highp float;

in vec2 v_local;
flat in float v_sign;
flat in float v_widthPx;
in vec4 v_color;

uniform float u_isHead;

out vec4 outColor;

void main() {
  float coverage;
  if (u_isHead < 0.5) {
    // A box filter of the stroke: a 0.6 px line gets about 0.6 of a pixel, as a rasteriser would give.
    coverage = clamp(0.5 * v_widthPx + 0.5 - abs(v_local.y), 0.0, 1.0);
  } else {
    float size = 3.0 + v_widthPx;
    float lw = max(1.2, v_widthPx);
    float u = v_local.x;
    float v = v_local.y;
    float dist;
    if (v_sign > 0.5) {
      // Filled triangle (tip at u = 0, base at u = size, half-width 0.55 u), stroked lw wide.
      float side = (abs(v) - 0.55 * u) / 1.1413;
      dist = max(side, u - size) - 0.5 * lw;
    } else if (v_sign < -0.5) {
      // Bar across the tip, 1.4 size long, lw wide.
      dist = max(abs(u) - 0.5 * lw, abs(v) - 0.7 * size);
    } else {
      // Dot of radius 2 px, stroked lw wide.
      dist = length(vec2(u, v)) - 2.0 - 0.5 * lw;
    }
    coverage = clamp(0.5 - dist, 0.0, 1.0);
  }
  if (coverage <= 0.0) discard;
  outColor = v_color * coverage;
}
