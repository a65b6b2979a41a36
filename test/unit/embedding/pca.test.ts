import { describe, expect, it } from 'vitest';
import { jacobiEigen, pca } from '../../../src/core/embedding/pca.ts';
import { expectClose } from '../attribution/helpers.ts';

// An orthonormal basis with no tied |entries| (so the sign rule is unambiguous):
//   u1 = (1, 4, 8)/9, u2 = (4, 7, -4)/9, u3 = (8, -4, 1)/9.
const U1 = [1, 4, 8].map((v) => v / 9);
const U2 = [4, 7, -4].map((v) => v / 9);
const U3 = [8, -4, 1].map((v) => v / 9);

/** y = Q^T x for the basis above. */
function project(x: number[]): number[] {
  return [U1, U2, U3].map((u) => u[0] * x[0] + u[1] * x[1] + u[2] * x[2]);
}

describe('jacobiEigen', () => {
  // The 1-D Laplacian [[2,-1,0],[-1,2,-1],[0,-1,2]]: eigenvalues 2 - sqrt2, 2, 2 + sqrt2 with
  // eigenvectors (1, sqrt2, 1)/2, (1, 0, -1)/sqrt2, (1, -sqrt2, 1)/2.
  const A = Float64Array.of(2, -1, 0, -1, 2, -1, 0, -1, 2);

  function checkLaplacian(scale: number) {
    const { values, vectors } = jacobiEigen(
      A.map((v) => v * scale),
      3,
    );
    const order = [0, 1, 2].sort((a, b) => values[a] - values[b]);
    expectClose(
      order.map((i) => values[i]),
      [2 - Math.SQRT2, 2, 2 + Math.SQRT2].map((v) => v * scale),
      1e-12,
    );
    const expectedVectors = [
      [0.5, Math.SQRT1_2, 0.5],
      [Math.SQRT1_2, 0, -Math.SQRT1_2],
      [0.5, -Math.SQRT1_2, 0.5],
    ];
    order.forEach((col, e) => {
      const v = [0, 1, 2].map((row) => vectors[row * 3 + col]);
      // Eigenvectors are defined up to sign.
      const sign = Math.sign(v[0]);
      expectClose(
        v.map((x) => x * sign),
        expectedVectors[e],
        0,
        1e-12,
      );
    });
  }

  it('finds the eigenpairs of a 3 x 3 symmetric matrix', () => {
    checkLaplacian(1);
  });

  it('converges whatever the scale of the matrix (no absolute threshold)', () => {
    checkLaplacian(1e-12);
    checkLaplacian(1e9);
  });

  it('returns a diagonal matrix and the zero matrix unchanged', () => {
    expect(jacobiEigen(Float64Array.of(3, 0, 0, -1), 2).values).toEqual([3, -1]);
    expect(jacobiEigen(new Float64Array(4), 2).values).toEqual([0, 0]);
  });
});

describe('pca', () => {
  it('recovers a 2-D covariance exactly: variances 6 and 2/3, explained 0.9 and 0.1', () => {
    // u = (cos 30°, sin 30°), v = (-sin 30°, cos 30°); points 3u, -3u, v, -v.
    // Covariance (n - 1 = 3): (2*9 uu' + 2*1 vv')/3 = 6 uu' + (2/3) vv'.
    const u = [Math.sqrt(3) / 2, 0.5];
    const v = [-0.5, Math.sqrt(3) / 2];
    const pts = [u.map((t) => 3 * t), u.map((t) => -3 * t), v, v.map((t) => -t)];
    const res = pca(Float32Array.from(pts.flat()), 4, 2, 2);
    expectClose(res.variances, [6, 2 / 3], 1e-6);
    expectClose(res.explained, [0.9, 0.1], 1e-6);
    // Sign rule: the largest |loading| is positive, so u and v come back as written.
    expectClose(res.components[0], u, 0, 1e-6);
    expectClose(res.components[1], v, 0, 1e-6);
    expectClose(res.coords, [3, 0, -3, 0, 0, 1, 0, -1], 0, 1e-6);
  });

  it('recovers a rotated 3-D covariance with an offset mean', () => {
    // Points m ± 5 u1, m ± 2 u2, m ± 1 u3 (n = 6) with m = (10, -3, 7):
    // covariance (2*25 u1u1' + 2*4 u2u2' + 2*1 u3u3')/5 = 10 u1u1' + 1.6 u2u2' + 0.4 u3u3'.
    const mean = [10, -3, 7];
    const rows: number[][] = [];
    for (const [u, a] of [
      [U1, 5],
      [U2, 2],
      [U3, 1],
    ] as const) {
      for (const s of [1, -1]) rows.push(mean.map((m, j) => m + s * a * u[j]));
    }
    const res = pca(Float32Array.from(rows.flat()), 6, 3, 3);
    expectClose(res.variances, [10, 1.6, 0.4], 1e-5);
    expectClose(res.explained, [10 / 12, 1.6 / 12, 0.4 / 12], 1e-5);
    expectClose(res.components[0], U1, 0, 1e-5);
    expectClose(res.components[1], U2, 0, 1e-5);
    expectClose(res.components[2], U3, 0, 1e-5);
    // Scores are the centred points in the (u1, u2, u3) basis.
    expectClose(res.coords, [5, 0, 0, -5, 0, 0, 0, 2, 0, 0, -2, 0, 0, 0, 1, 0, 0, -1], 0, 1e-5);
    // Keeping 2 components keeps the first two columns, and explained still divides by the total.
    const two = pca(Float32Array.from(rows.flat()), 6, 3, 2);
    expect(two.components.length).toBe(2);
    expectClose(two.explained, [10 / 12, 1.6 / 12], 1e-5);
    expectClose(two.coords, [5, 0, -5, 0, 0, 2, 0, -2, 0, 0, 0, 0], 0, 1e-5);
  });

  it('matches the sample covariance of noisy points along a known direction', () => {
    // Deterministic "noise": x_i = t_i u1 + e_i u2 with t, e of known sums, so the covariance in
    // the (u1, u2) basis is diag(var t, var e) exactly, since sum t e = 0.
    const t = [-4, -2, 0, 2, 4]; // mean 0, sum t^2 = 40 -> var 10
    const e = [0.1, -0.2, 0, 0.2, -0.1]; // mean 0, sum e^2 = 0.1 -> var 0.025; sum t e = -0.4+0.4+0+0.4-0.4 = 0
    const rows = t.map((ti, i) => [0, 1, 2].map((j) => ti * U1[j] + e[i] * U2[j]));
    const res = pca(Float32Array.from(rows.flat()), 5, 3, 2);
    expectClose(res.variances, [10, 0.025], 1e-5);
    expectClose(res.explained, [10 / 10.025, 0.025 / 10.025], 1e-5);
    expectClose(res.components[0], U1, 0, 1e-6);
    // Scores reproduce (t, e).
    const scores = rows.map((r) => project(r).slice(0, 2)).flat();
    expectClose(res.coords, scores, 0, 1e-5);
  });
});
