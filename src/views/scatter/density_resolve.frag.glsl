#version 300 es
precision highp float;

in vec2 v_uv;
uniform sampler2D u_density;    // rgb = sum of alpha-weighted colours, a = sum of weights
uniform float u_logSaturation;  // log2(1 + count at which a pixel is fully opaque)
uniform float u_opacity;
out vec4 outColor;

void main() {
  vec4 acc = texture(u_density, v_uv);
  if (acc.a <= 0.0) discard;
  vec3 meanColor = acc.rgb / acc.a;
  // Opacity grows with log(count): one cell is faint but visible, dense cores saturate.
  float coverage = clamp(0.25 + 0.75 * log2(1.0 + acc.a) / u_logSaturation, 0.0, 1.0) * u_opacity;
  outColor = vec4(meanColor * coverage, coverage);
}
