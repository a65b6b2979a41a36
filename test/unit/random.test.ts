import { describe, expect, it } from 'vitest';
import { mulberry32, shuffleInPlace } from '../../src/core/random.ts';

describe('mulberry32', () => {
  it('reproduces the reference mulberry32 stream', () => {
    // Values of Tommy Ettinger's mulberry32 (the common JS form); the first for seed 1 is widely
    // quoted, the rest were computed with an independent 32-bit Python implementation.
    const one = mulberry32(1);
    expect([one(), one(), one()]).toEqual([0.6270739405881613, 0.002735721180215478, 0.5274470399599522]);
    const r42 = mulberry32(42);
    expect([r42(), r42(), r42()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099]);
  });

  it('stays in [0, 1) with a mean near 1/2', () => {
    const r = mulberry32(7);
    let sum = 0;
    let lo = 1;
    let hi = 0;
    for (let i = 0; i < 100000; i++) {
      const v = r();
      sum += v;
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    expect(lo).toBeGreaterThanOrEqual(0);
    expect(hi).toBeLessThan(1);
    // Standard error of the mean is sqrt(1/12 / 1e5) = 0.0009; allow 5 of them.
    expect(Math.abs(sum / 100000 - 0.5)).toBeLessThan(0.0046);
  });
});

describe('shuffleInPlace', () => {
  it('permutes in place, deterministically per seed', () => {
    const a = Array.from({ length: 20 }, (_, i) => i);
    const out = shuffleInPlace(a, mulberry32(3));
    expect(out).toBe(a);
    expect([...a].sort((x, y) => x - y)).toEqual(Array.from({ length: 20 }, (_, i) => i));
    expect(
      shuffleInPlace(
        Int32Array.from({ length: 20 }, (_, i) => i),
        mulberry32(3),
      ),
    ).toEqual(Int32Array.from(a));
    expect(a).not.toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('draws every permutation of 3 about equally often', () => {
    const r = mulberry32(11);
    const counts = new Map<string, number>();
    for (let i = 0; i < 60000; i++) {
      const key = shuffleInPlace([0, 1, 2], r).join('');
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    expect(counts.size).toBe(6);
    // Each expected 10,000 with sd ~91; allow 5 sd.
    for (const n of counts.values()) expect(Math.abs(n - 10000)).toBeLessThan(460);
  });
});
