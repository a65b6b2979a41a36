#version 300 es
// Disc and ring coverage from the distance to the centre, anti-aliased over one pixel.
precision highp float;

in vec2 v_local;
flat in float v_radiusPx;
flat in float v_ringPx;
flat in vec4 v_fill;
flat in vec4 v_ring;

out vec4 outColor;

void main() {
  float d = length(v_local);
  float outer = clamp(v_radiusPx + 0.5 * v_ringPx + 0.5 - d, 0.0, 1.0);
  if (outer <= 0.0) discard;
  float ring = clamp(0.5 * v_ringPx + 0.5 - abs(d - v_radiusPx), 0.0, 1.0);
  vec4 c = mix(v_fill, v_ring, ring);
  float alpha = c.a * outer;
  outColor = vec4(c.rgb * alpha, alpha);
}
