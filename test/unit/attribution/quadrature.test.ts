import { describe, expect, it } from 'vitest';
import { gaussLegendre, quadratureRule, trapezoid } from '../../../src/core/attribution/quadrature.ts';

/** Σ w_i α_i^k: the rule's estimate of ∫₀¹ α^k dα = 1/(k+1). */
function monomial(rule: { nodes: Float64Array; weights: Float64Array }, k: number): number {
  let s = 0;
  for (let i = 0; i < rule.nodes.length; i++) s += rule.weights[i] * rule.nodes[i] ** k;
  return s;
}

describe('gaussLegendre', () => {
  it('has the closed-form nodes and weights for n = 2', () => {
    const { nodes, weights } = gaussLegendre(2);
    const d = 0.5 / Math.sqrt(3);
    expect(Math.abs(nodes[0] - (0.5 - d))).toBeLessThan(1e-15);
    expect(Math.abs(nodes[1] - (0.5 + d))).toBeLessThan(1e-15);
    expect(Math.abs(weights[0] - 0.5)).toBeLessThan(1e-15);
    expect(Math.abs(weights[1] - 0.5)).toBeLessThan(1e-15);
  });

  it('matches the tabulated n = 5 rule (Abramowitz & Stegun 25.4.29) mapped to [0, 1]', () => {
    const x = [-0.906179845938664, -0.5384693101056831, 0, 0.5384693101056831, 0.906179845938664];
    const w = [0.2369268850561891, 0.4786286704993665, 0.5688888888888889, 0.4786286704993665, 0.2369268850561891];
    const { nodes, weights } = gaussLegendre(5);
    for (let i = 0; i < 5; i++) {
      expect(Math.abs(nodes[i] - (1 + x[i]) / 2)).toBeLessThan(1e-15);
      expect(Math.abs(weights[i] - w[i] / 2)).toBeLessThan(1e-15);
    }
  });

  it('matches 50-digit reference nodes and weights for n = 50 to 1e-15', () => {
    // Computed with mpmath at 50 digits (Newton on the same recurrence), rounded to 20 digits.
    /* eslint-disable no-loss-of-precision -- mpmath's digits as printed; parsing rounds them to the nearest double */
    const reference: [number, number, number][] = [
      [0, 0.00056679778996447490727, 0.0014543112765775704792],
      [1, 0.0029840152839546437074, 0.0033798995978727007514],
      [10, 0.10772208354980036805, 0.019284378306293837622],
      [24, 0.48445083083640556194, 0.031088308327673631161],
    ];
    /* eslint-enable no-loss-of-precision */
    const { nodes, weights } = gaussLegendre(50);
    for (const [i, node, weight] of reference) {
      expect(Math.abs(nodes[i] - node)).toBeLessThan(1e-15);
      expect(Math.abs(weights[i] - weight)).toBeLessThan(1e-15);
      expect(Math.abs(nodes[49 - i] - (1 - node))).toBeLessThan(1e-15);
    }
  });

  it.each([1, 2, 3, 4, 7, 16, 50, 100])('integrates every polynomial of degree ≤ 2n − 1 exactly (n = %i)', (n) => {
    const rule = gaussLegendre(n);
    for (let k = 0; k <= 2 * n - 1; k++) {
      const exact = 1 / (k + 1);
      // Evaluating α^k multiplies each node's last-bit rounding by k, so allow ~k ulps beyond k = 50.
      expect(Math.abs(monomial(rule, k) - exact) / exact).toBeLessThan(1e-14 * Math.max(1, k / 50));
    }
  });

  it('is not exact at degree 2n (the bound above is sharp)', () => {
    for (const n of [1, 2, 3, 5]) {
      const exact = 1 / (2 * n + 1);
      expect(Math.abs(monomial(gaussLegendre(n), 2 * n) - exact)).toBeGreaterThan(1e-9);
    }
  });

  it('gives ascending, symmetric nodes inside (0, 1) and weights summing to 1 for large n', () => {
    const n = 301;
    const { nodes, weights } = gaussLegendre(n);
    let sum = 0;
    for (let i = 0; i < n; i++) {
      expect(nodes[i]).toBeGreaterThan(0);
      expect(nodes[i]).toBeLessThan(1);
      if (i > 0) expect(nodes[i]).toBeGreaterThan(nodes[i - 1]);
      expect(Math.abs(nodes[i] + nodes[n - 1 - i] - 1)).toBeLessThan(1e-15);
      sum += weights[i];
    }
    expect(Math.abs(sum - 1)).toBeLessThan(1e-14);
    expect(nodes[150]).toBe(0.5);
  });

  it('rejects a step count that is not a whole number ≥ 1', () => {
    expect(() => gaussLegendre(0)).toThrow(/≥ 1/);
    expect(() => gaussLegendre(2.5)).toThrow(/whole number/);
  });
});

describe('trapezoid', () => {
  it('uses n evenly spaced points from 0 to 1 with ends halved, weights summing to 1', () => {
    const { nodes, weights } = trapezoid(5);
    expect([...nodes]).toEqual([0, 0.25, 0.5, 0.75, 1]);
    expect([...weights]).toEqual([0.125, 0.25, 0.25, 0.25, 0.125]);
    expect([...trapezoid(2).weights]).toEqual([0.5, 0.5]);
  });

  it('has the textbook error h²/6 on ∫ α² (h = 1/(n − 1)) and is exact on linear functions', () => {
    for (const n of [2, 3, 11, 50]) {
      const rule = trapezoid(n);
      const h = 1 / (n - 1);
      expect(Math.abs(monomial(rule, 1) - 0.5)).toBeLessThan(1e-15);
      expect(Math.abs(monomial(rule, 2) - 1 / 3 - (h * h) / 6)).toBeLessThan(1e-15);
    }
  });

  it('needs at least both ends', () => {
    expect(() => trapezoid(1)).toThrow(/≥ 2/);
  });
});

describe('quadratureRule', () => {
  it('dispatches by name and rejects unknown rules', () => {
    expect([...quadratureRule('gauss-legendre', 3).nodes]).toEqual([...gaussLegendre(3).nodes]);
    expect([...quadratureRule('riemann-trapezoid', 3).nodes]).toEqual([0, 0.5, 1]);
    expect(() => quadratureRule('simpson' as never, 3)).toThrow(/gauss-legendre/);
  });
});
