#version 300 es
// Density accumulation: one device pixel per cell, carrying its alpha-weighted colour and weight.
in vec2 a_from;
in vec2 a_to;
in vec4 a_color; // straight RGBA, normalised from u8

uniform vec2 u_scale;
uniform vec2 u_translate;
uniform vec2 u_fromScale;
uniform vec2 u_fromOffset;
uniform float u_t;
uniform float u_sizePx; // sprite side in device px: bigger for fewer cells so a sparse layout stays visible

out vec4 v_weighted;

void main() {
  vec2 from = a_from * u_fromScale + u_fromOffset;
  vec2 p = mix(from, a_to, u_t);
  gl_Position = vec4(p * u_scale + u_translate, 0.0, 1.0);
  gl_PointSize = u_sizePx;
  // Greyed (context) cells weigh less than selected ones, as they look lighter as discs.
  v_weighted = vec4(a_color.rgb * a_color.a, a_color.a);
}
