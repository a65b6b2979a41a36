/**
 * Quadrature rules on [0, 1] for the integrated-gradients path integral ∫₀¹ ∂f(b + α(x − b))/∂x dα.
 * Both rules return `steps` nodes, so `steps` is always the number of gradient evaluations per cell
 * (Captum's `n_steps`).
 */

/** Nodes α (ascending, in [0, 1]) and weights (summing to 1), both `[n]` float64. */
export interface QuadratureRule {
  nodes: Float64Array;
  weights: Float64Array;
}

/** The integration rules integrated gradients offers; Gauss–Legendre is the default, as in Captum. */
export type QuadratureRuleName = 'gauss-legendre' | 'riemann-trapezoid';

/**
 * Gauss–Legendre rule with `n` nodes mapped to [0, 1]; exact for polynomials of degree ≤ 2n − 1.
 * Nodes come from Newton iteration on the Legendre polynomial P_n in float64 (error ≲ 1e-15).
 */
export function gaussLegendre(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 1) {
    throw new Error(`Gauss–Legendre needs a whole number of steps ≥ 1, but got ${n}; use for example 50.`);
  }
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n);
  // Roots are symmetric about 0, so solve only the non-negative half and mirror it: this makes
  // α and 1 − α pair exactly and halves the work.
  const half = Math.ceil(n / 2);
  for (let i = 0; i < half; i++) {
    // Tricomi's asymptotic guess lands inside the basin of the i-th largest root for every n.
    let x = Math.cos((Math.PI * (i + 0.75)) / (n + 0.5));
    for (let iter = 0; iter < 100; iter++) {
      const [p, d] = legendreWithDerivative(n, x);
      const dx = p / d;
      x -= dx;
      // Convergence is quadratic, so once a step is below 1e-15 the updated x is at rounding level.
      if (Math.abs(dx) < 1e-15) break;
    }
    // Re-evaluate P'_n at the converged root: the weight depends on it quadratically.
    const dp = legendreWithDerivative(n, x)[1];
    // Weight on [-1, 1] is 2 / ((1 − x²) P'_n(x)²); mapping to [0, 1] halves it.
    const w = 1 / ((1 - x * x) * dp * dp);
    // x is the i-th largest root; on [0, 1] it maps to α = (1 + x)/2 and its mirror to (1 − x)/2.
    // (1 − x)/2 is computed directly rather than as 1 − (1 + x)/2 to keep relative precision near 0.
    nodes[i] = (1 - x) / 2;
    nodes[n - 1 - i] = (1 + x) / 2;
    weights[i] = w;
    weights[n - 1 - i] = w;
  }
  if (n % 2 === 1) nodes[(n - 1) / 2] = 0.5; // the middle root of an odd P_n is exactly 0
  return { nodes, weights };
}

/** P_n(x) and P'_n(x) by the three-term recurrence, float64. */
function legendreWithDerivative(n: number, x: number): [number, number] {
  let p0 = 1;
  let p1 = x;
  for (let k = 2; k <= n; k++) {
    const p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
    p0 = p1;
    p1 = p2;
  }
  const p = n === 0 ? p0 : p1;
  const pPrev = n === 0 ? 0 : p0;
  // Derivative identity (1 − x²) P'_n = n (P_{n−1} − x P_n); roots are strictly inside (−1, 1).
  const d = (n * (pPrev - x * p)) / (1 - x * x);
  return [p, d];
}

/**
 * Trapezoid rule with `n` evaluation points α = 0, 1/(n−1), …, 1 (Captum's `riemann_trapezoid`
 * alphas) and weights 1/(n−1), halved at both ends, so they sum to exactly 1.
 *
 * Captum weights the same points by 1/n (halved at the ends), which sums to (n − 1)/n and shrinks
 * every attribution by that factor (2 % at 50 steps); we use the true trapezoid weights so that
 * completeness holds exactly for a linear model.
 */
export function trapezoid(n: number): QuadratureRule {
  if (!Number.isInteger(n) || n < 2) {
    throw new Error(`The Riemann trapezoid rule needs a whole number of steps ≥ 2 (both path ends), but got ${n}; use for example 50.`);
  }
  const nodes = new Float64Array(n);
  const weights = new Float64Array(n).fill(1 / (n - 1));
  for (let i = 0; i < n; i++) nodes[i] = i / (n - 1);
  weights[0] /= 2;
  weights[n - 1] /= 2;
  return { nodes, weights };
}

/** The rule named `rule` with `steps` nodes on [0, 1]. */
export function quadratureRule(rule: QuadratureRuleName, steps: number): QuadratureRule {
  if (rule === 'gauss-legendre') return gaussLegendre(steps);
  if (rule === 'riemann-trapezoid') return trapezoid(steps);
  throw new Error(`Unknown integration rule "${String(rule)}"; use "gauss-legendre" or "riemann-trapezoid".`);
}
