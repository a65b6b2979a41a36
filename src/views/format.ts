/** Number formats for statistics tables and tooltips. */

/** A p-value: 3 significant digits, scientific below 1e-3, "< 1e-300" where it underflowed to 0. */
export function formatP(p: number): string {
  if (!Number.isFinite(p)) return '—';
  if (p === 0) return '< 1e-300';
  if (p >= 1e-3) return p.toPrecision(3).replace(/\.?0+$/, '');
  return p.toExponential(2).replace('e-', 'e−');
}

/** A signed statistic with `digits` decimals and a true minus sign. */
export function formatSigned(v: number, digits = 2): string {
  if (!Number.isFinite(v)) return v > 0 ? '∞' : v < 0 ? '−∞' : '—';
  return v.toFixed(digits).replace('-', '−');
}
