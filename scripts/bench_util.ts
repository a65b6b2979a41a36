/** Small helpers shared by the bench's sections (scripts/bench.ts, scripts/bench_cache.ts). */

/** Rounds to `digits + 2` significant digits; non-finite values pass through. */
export const round = (v: number, digits = 3) => (Number.isFinite(v) ? Number(v.toPrecision(digits + 2)) : v);
export const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];
/** The first line of an error's message, at most 400 characters. */
export const message = (err: unknown) => (err instanceof Error ? err.message : String(err)).split('\n')[0].slice(0, 400);

/** Rejects with a sentence when `promise` has not settled after `ms`. */
export function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what} took longer than ${ms / 1000} s and was abandoned`)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
