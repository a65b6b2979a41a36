/**
 * Special functions for test p-values, accurate in relative terms far into the tails (down to the
 * ~1e-300 where doubles run out): log-gamma, the regularised incomplete beta, erfc, and the Student-t
 * and normal tail probabilities built on them. SciPy's tests (stdtr, ndtr) are the reference.
 */

// Lanczos approximation, g = 7, n = 9 (Godfrey's coefficients): ~1e-15 relative for x >= 0.5.
const LANCZOS_G = 7;
const LANCZOS = [
  0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
];
const HALF_LOG_2PI = 0.5 * Math.log(2 * Math.PI);

/** ln Γ(x) for x > 0 (reflection below 0.5). */
export function logGamma(x: number): number {
  if (!(x > 0)) return x === 0 ? Infinity : NaN;
  // Reflection keeps the series in its accurate range: Γ(x)Γ(1-x) = π / sin(πx).
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x);
  const z = x - 1;
  let sum = LANCZOS[0];
  for (let i = 1; i < LANCZOS.length; i++) sum += LANCZOS[i] / (z + i);
  const t = z + LANCZOS_G + 0.5;
  return HALF_LOG_2PI + (z + 0.5) * Math.log(t) - t + Math.log(sum);
}

/** Stirling's remainder δ(x) = ln Γ(x) − [(x − ½) ln x − x + ½ ln 2π], for x ≥ 10 (error < 1e-16). */
function stirlingRemainder(x: number): number {
  const x2 = 1 / (x * x);
  return (1 / 12 - x2 * (1 / 360 - x2 * (1 / 1260 - x2 * (1 / 1680 - x2 / 1188)))) / x;
}

/**
 * ln B(a, b) = ln Γ(a) + ln Γ(b) − ln Γ(a + b). When one argument is large (Welch's df/2 runs to
 * thousands) the difference ln Γ(big) − ln Γ(big + small) is taken in closed form, not as the
 * difference of two huge numbers, which would lose ~log10(big) digits.
 */
export function logBeta(a: number, b: number): number {
  const big = Math.max(a, b);
  const small = Math.min(a, b);
  if (big < 10) return logGamma(a) + logGamma(b) - logGamma(a + b);
  const sum = big + small;
  return (
    logGamma(small) -
    (big - 0.5) * Math.log1p(small / big) -
    small * Math.log(sum) +
    small +
    stirlingRemainder(big) -
    stirlingRemainder(sum)
  );
}

const CF_MAX_ITER = 20000;
const CF_EPS = 1e-16;
const CF_TINY = 1e-300;

/** Continued fraction of I_x(a, b) (Numerical Recipes betacf) by the modified Lentz method. */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const qab = a + b;
  const qap = a + 1;
  const qam = a - 1;
  let c = 1;
  let d = 1 - (qab * x) / qap;
  if (Math.abs(d) < CF_TINY) d = CF_TINY;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= CF_MAX_ITER; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((qam + m2) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (qab + m) * x) / ((a + m2) * (qap + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < CF_TINY) d = CF_TINY;
    c = 1 + aa / c;
    if (Math.abs(c) < CF_TINY) c = CF_TINY;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < CF_EPS) return h;
  }
  return h;
}

/**
 * Regularised incomplete beta I_x(a, b) for a, b > 0 and x in [0, 1]. `oneMinusX` may be passed
 * when 1 − x is known more precisely than x (Student-t tails: x = df/(df+t²), 1−x = t²/(df+t²)).
 */
export function incompleteBeta(a: number, b: number, x: number, oneMinusX = 1 - x): number {
  if (!(a > 0 && b > 0) || Number.isNaN(x)) return NaN;
  if (x <= 0) return 0;
  if (oneMinusX <= 0) return 1;
  // The prefactor x^a (1-x)^b / (a B(a,b)) in logs: the tails reach 1e-300 without underflowing early.
  const logFront = a * Math.log(x) + b * Math.log(oneMinusX) - logBeta(a, b);
  // The fraction converges fast for x < (a+1)/(a+b+2); otherwise use I_x(a,b) = 1 − I_{1−x}(b,a).
  if (x < (a + 1) / (a + b + 2)) return (Math.exp(logFront) * betaContinuedFraction(a, b, x)) / a;
  return 1 - (Math.exp(logFront) * betaContinuedFraction(b, a, oneMinusX)) / b;
}

/**
 * Two-sided Student-t p-value P(|T| ≥ |t|) with `df` degrees of freedom (df may be fractional, as
 * Welch's is): I_{df/(df+t²)}(df/2, 1/2). t = ±∞ gives 0, t = 0 gives 1.
 */
export function studentTTwoSidedP(t: number, df: number): number {
  if (Number.isNaN(t) || !(df > 0)) return NaN;
  if (!Number.isFinite(t)) return 0;
  const t2 = t * t;
  if (t2 === 0) return 1;
  const x = df / (df + t2);
  return Math.min(1, incompleteBeta(df / 2, 0.5, x, t2 / (df + t2)));
}

const INV_SQRT_PI = 1 / Math.sqrt(Math.PI);

/**
 * Complementary error function erfc(x), relative error ~1e-15 over the whole range (until the
 * result underflows near x = 27). Series for |x| < 2, continued fraction beyond.
 */
export function erfc(x: number): number {
  if (Number.isNaN(x)) return NaN;
  if (x < 0) return 2 - erfc(-x);
  if (x < 2) {
    // erf(x) = 2x/√π e^{-x²} Σ (2x²)^n / (1·3·…·(2n+1)): every term positive, so no cancellation.
    const x2 = x * x;
    let term = 1;
    let sum = 1;
    for (let n = 1; n < 200; n++) {
      term *= (2 * x2) / (2 * n + 1);
      sum += term;
      if (term < sum * 1e-17) break;
    }
    return 1 - 2 * x * INV_SQRT_PI * Math.exp(-x2) * sum;
  }
  if (x > 27.3) return 0;
  // erfc(x) = e^{-x²}/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + …))))), modified Lentz.
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 5000; n++) {
    const an = n / 2;
    d = x + an * d;
    d = d === 0 ? CF_TINY : 1 / d;
    c = x + an / c;
    if (c === 0) c = CF_TINY;
    const del = c * d;
    f *= del;
    if (Math.abs(del - 1) < 1e-16) break;
  }
  // e^{-x²} with x² split into a part exact in binary and a small rest, so the rounding of x² does
  // not cost ~x² ulps of relative accuracy deep in the tail (as in Cody's erfc).
  const xHi = Math.round(x * 16) / 16;
  const rest = (x - xHi) * (x + xHi);
  return (Math.exp(-xHi * xHi) * Math.exp(-rest) * INV_SQRT_PI) / f;
}

/** Upper tail of the standard normal, P(Z ≥ z) = erfc(z/√2)/2 (SciPy's norm.sf). */
export function normalSf(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2);
}
