/**
 * Seeded pseudo-random numbers (mulberry32): the same seed gives the same stream in Node and in
 * every browser, which makes training splits, SmoothGrad noise and layouts reproducible.
 */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Fisher–Yates shuffle of `a` in place with a seeded source; returns `a`. */
export function shuffleInPlace<T>(a: T[] | Int32Array | Uint32Array, rand: () => number): typeof a {
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    const t = a[i];
    a[i] = a[j];
    a[j] = t;
  }
  return a;
}
