#version 300 es
// One round sprite per cell. Positions arrive in data units; the view affine maps them to clip space.
// During a layout switch the previous layout (a_from, first mapped into the new data units by
// u_fromScale/u_fromOffset) is blended into the new one (a_to) by u_t.
// Colour: either a per-cell RGBA attribute (u_mode 0), or a per-cell value mapped here through a
// lookup texture: a number over u_domain into a 256-entry colour map (u_mode 1), or a category
// code into a palette (u_mode 2). Cells whose a_mask is 0 are drawn grey and faint.

in vec2 a_from;
in vec2 a_to;
in vec4 a_color; // straight (non-premultiplied) RGBA, normalised from u8 (u_mode 0)
in float a_value; // the cell's value or category code (u_mode 1, 2)
in float a_mask;  // 1 selected (or no selection), 0 greyed context

uniform vec2 u_scale;      // data -> clip
uniform vec2 u_translate;  // data -> clip
uniform vec2 u_fromScale;  // previous data units -> current data units
uniform vec2 u_fromOffset;
uniform float u_t;         // 0 = previous layout, 1 = current layout
uniform float u_diameterPx; // disc diameter in device pixels
uniform float u_opacity;    // multiplies every alpha (the opacity control)
uniform int u_mode;         // 0 rgba attribute, 1 continuous value, 2 category code
uniform highp sampler2D u_lut; // [lutSize x 1] RGBA8
uniform int u_lutSize;
uniform vec2 u_domain;      // continuous: [lo, hi]
uniform float u_valueAlpha; // continuous: alpha 0..1
uniform vec4 u_noValue;     // grey for NaN / missing codes / greyed cells, straight RGBA 0..1

out vec4 v_color;
out float v_spritePx;

vec4 valueColor() {
  if (u_mode == 1) {
    if (isnan(a_value)) return u_noValue;
    float span = u_domain.y - u_domain.x;
    float k = span > 0.0 ? float(u_lutSize) / span : 0.0;
    int bin = clamp(int(floor((a_value - u_domain.x) * k)), 0, u_lutSize - 1);
    return vec4(texelFetch(u_lut, ivec2(bin, 0), 0).rgb, u_valueAlpha);
  }
  if (!(a_value >= 0.0)) return u_noValue;
  int code = int(a_value) % u_lutSize;
  return texelFetch(u_lut, ivec2(code, 0), 0);
}

void main() {
  vec2 from = a_from * u_fromScale + u_fromOffset;
  vec2 p = mix(from, a_to, u_t);
  gl_Position = vec4(p * u_scale + u_translate, 0.0, 1.0);
  // One extra pixel so the anti-aliased rim is not clipped by the sprite's square.
  v_spritePx = u_diameterPx + 1.0;
  gl_PointSize = v_spritePx;
  vec4 c = u_mode == 0 ? a_color : valueColor();
  // Context cells outside the selection: grey, at most 90/255 alpha (as greyOutside on the CPU).
  if (u_mode != 0 && a_mask < 0.5) c = vec4(u_noValue.rgb, min(c.a, 90.0 / 255.0));
  float alpha = c.a * u_opacity;
  v_color = vec4(c.rgb * alpha, alpha);
}
