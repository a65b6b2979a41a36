#version 300 es
precision mediump float;

in vec4 v_color;     // premultiplied
in float v_spritePx; // sprite side in device pixels (disc diameter + 1)

out vec4 outColor;

void main() {
  // Distance from the sprite centre in device pixels; the disc's edge is half a pixel inside the sprite.
  float rPx = length(gl_PointCoord - 0.5) * v_spritePx;
  float radiusPx = 0.5 * (v_spritePx - 1.0);
  // Coverage ramps over one pixel centred on the edge.
  float coverage = clamp(radiusPx - rPx + 0.5, 0.0, 1.0);
  if (coverage <= 0.0) discard;
  outColor = v_color * coverage;
}
