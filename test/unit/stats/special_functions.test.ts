/**
 * Special functions against values computed with mpmath at 50 digits (printed to 17 significant
 * digits): erfc, log-gamma, the regularised incomplete beta, and the Student-t / normal tails.
 */
/* eslint-disable no-loss-of-precision -- the references are printed to 17 digits; the test reads them as doubles. */
import { describe, expect, it } from 'vitest';
import { erfc, incompleteBeta, logGamma, normalSf, studentTTwoSidedP } from '../../../src/core/stats/special_functions.ts';

const rel = (got: number, want: number) => (want === 0 ? Math.abs(got) : Math.abs(got - want) / Math.abs(want));

describe('special functions (mpmath references)', () => {
  it('erfc to 1e-13 relative, down to 1e-296', () => {
    const cases: [number, number][] = [
      [0, 1.0],
      [1e-10, 0.99999999988716208],
      [0.1, 0.8875370839817151],
      [0.5, 0.47950012218695346],
      [1, 0.15729920705028513],
      [1.5, 0.033894853524689273],
      [1.999, 0.0046984433486294877],
      [2, 0.0046777349810472658],
      [2.5, 0.00040695201744495894],
      [3, 2.2090496998585441e-5],
      [4, 1.5417257900280019e-8],
      [5, 1.5374597944280349e-12],
      [7, 4.1838256077794144e-23],
      [10, 2.0884875837625448e-45],
      [15, 7.2129941724512067e-100],
      [20, 5.3958656116079009e-176],
      [26, 5.6631924088561428e-296],
      [-0.5, 1.5204998778130465],
      [-2, 1.9953222650189527],
      [-5, 1.9999999999984625],
    ];
    for (const [x, want] of cases) expect(rel(erfc(x), want), `erfc(${x})`).toBeLessThan(1e-13);
    expect(erfc(30)).toBe(0);
  });

  it('log-gamma to 1e-13 (absolute below 1)', () => {
    const cases: [number, number][] = [
      [0.5, 0.57236494292470009],
      [1, 0],
      [1.5, -0.12078223763524522],
      [2, 0],
      [3.7, 1.4280723266653881],
      [10, 12.80182748008147],
      [100.25, 360.28455963776423],
      [1000.5, 5908.6741758486775],
      [1e5, 1051287.7089736569],
      [0.01, 4.5994798780420217],
    ];
    for (const [x, want] of cases) expect(Math.abs(logGamma(x) - want) / Math.max(1, Math.abs(want)), `lgamma(${x})`).toBeLessThan(1e-13);
  });

  it('regularised incomplete beta to 1e-11 relative, including tails far below 1e-100', () => {
    const cases: [number, number, number, number][] = [
      [0.5, 0.5, 0.3, 0.36901011956554538],
      [2, 3, 0.4, 0.5248],
      [10, 0.5, 0.9, 0.15164090963470997],
      [10, 0.5, 0.01, 1.7700349655285743e-21],
      [150.5, 0.5, 0.2, 3.2764825565581203e-107],
      [1300, 0.5, 0.99, 3.1987237865428224e-7],
      [5, 5, 0.5, 0.5],
      [0.1, 10, 0.001, 0.65966666022082501],
      [30, 40, 0.6, 0.99807411120246102],
    ];
    for (const [a, b, x, want] of cases) expect(rel(incompleteBeta(a, b, x), want), `I_${x}(${a}, ${b})`).toBeLessThan(1e-11);
    // 1.01e-393 underflows: the answer must be 0, not garbage.
    expect(incompleteBeta(1300, 0.5, 0.5)).toBe(0);
    expect(incompleteBeta(2, 3, 0)).toBe(0);
    expect(incompleteBeta(2, 3, 1)).toBe(1);
  });

  it('Student-t two-sided p-values (fractional df, as Welch gives) to 1e-10 relative', () => {
    const cases: [number, number, number][] = [
      [0.5, 3, 0.65144796484815099],
      [2.0, 10, 0.073388034770740366],
      [5, 30.5, 2.2358470831133014e-5],
      [10, 100, 9.9016889845941392e-17],
      [36.447924, 400.2, 3.2194943267830574e-129],
      [52.3, 350.7, 1.1075385919540792e-167],
      [3, 1, 0.20483276469913345],
      [1.96, 1e6, 0.049996067585269791],
      [0.001, 50, 0.99920609477550166],
    ];
    for (const [t, df, want] of cases) {
      expect(rel(studentTTwoSidedP(t, df), want), `t=${t} df=${df}`).toBeLessThan(1e-10);
      expect(studentTTwoSidedP(-t, df)).toBe(studentTTwoSidedP(t, df));
    }
    expect(studentTTwoSidedP(0, 7)).toBe(1);
    expect(studentTTwoSidedP(Infinity, 7)).toBe(0);
    expect(studentTTwoSidedP(80, 2000)).toBe(0); // true value 1.15e-625
  });

  it('normal upper tail to 1e-12 relative down to 5.7e-300', () => {
    const cases: [number, number][] = [
      [0, 0.5],
      [1, 0.15865525393145705],
      [1.96, 0.024997895148220436],
      [5, 2.8665157187919391e-7],
      [10, 7.6198530241605261e-24],
      [20, 2.7536241186062337e-89],
      [30, 4.9067139271481871e-198],
      [37, 5.7255712225245768e-300],
    ];
    for (const [z, want] of cases) expect(rel(normalSf(z), want), `sf(${z})`).toBeLessThan(1e-12);
    expect(rel(normalSf(-1), 1 - 0.15865525393145705)).toBeLessThan(1e-15);
  });
});
