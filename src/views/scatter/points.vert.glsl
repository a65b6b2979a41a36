#version 300 es
// One round sprite per cell. Positions arrive in data units; the view affine maps them to clip space.
// During a layout switch the previous layout (a_from, first mapped into the new data units by
// u_fromScale/u_fromOffset) is blended into the new one (a_to) by u_t. A colour change between story
// steps blends each cell's previous colour (a_fromColor) into its new one (a_color) by u_colorT, so a
// categorical colouring cross-fades into a continuous one cell by cell.

in vec2 a_from;
in vec2 a_to;
in vec4 a_color; // straight (non-premultiplied) RGBA, normalised from u8
in vec4 a_fromColor; // the previous colour, same format; equals a_color when no colour transition runs

uniform vec2 u_scale;      // data -> clip
uniform vec2 u_translate;  // data -> clip
uniform vec2 u_fromScale;  // previous data units -> current data units
uniform vec2 u_fromOffset;
uniform float u_t;         // 0 = previous layout, 1 = current layout
uniform float u_colorT;    // 0 = previous colours, 1 = current colours
uniform float u_diameterPx; // disc diameter in device pixels
uniform float u_opacity;    // multiplies every alpha (the opacity control)

out vec4 v_color;
out float v_spritePx;

void main() {
  vec2 from = a_from * u_fromScale + u_fromOffset;
  vec2 p = mix(from, a_to, u_t);
  gl_Position = vec4(p * u_scale + u_translate, 0.0, 1.0);
  // One extra pixel so the anti-aliased rim is not clipped by the sprite's square.
  v_spritePx = u_diameterPx + 1.0;
  gl_PointSize = v_spritePx;
  vec4 color = mix(a_fromColor, a_color, u_colorT);
  float alpha = color.a * u_opacity;
  v_color = vec4(color.rgb * alpha, alpha);
}
