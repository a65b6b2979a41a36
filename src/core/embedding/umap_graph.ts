/**
 * umap-js's fuzzy simplicial set and layout optimisation, ported line by line onto typed arrays.
 * umap-js keeps its graph in a Map keyed by "row:col" strings and its layout in number[][],
 * which dominates its run time once the neighbours are known; the algorithm, constants and
 * parameters here are the same (smooth kNN distances, fuzzy union, epochs per sample, SGD with
 * negative sampling, clip 4, linear learning-rate decay), so the layouts are of the same kind.
 *
 * The optimiser's time is in its inner loop, one attractive and five repulsive samples per edge
 * sample. There, Math.pow (a call into fdlibm, ~90 ns in V8 here) is replaced by powFunction
 * (~20 ns, 5e-13 relative error), the negative sampler's generator is inlined instead of called
 * through a closure, and the head's place stays in locals until its edge is done: 14.2 s -> 3.9 s
 * at 10k points in Node (scripts/umap_seeds.ts; the bench measures it in the browser).
 */
import { abortError } from './knn_matmul.ts';
import { powFunction } from './fast_pow.ts';

const SMOOTH_K_TOLERANCE = 1e-5;
const MIN_K_DIST_SCALE = 1e-3;

/** A symmetric fuzzy graph in COO form: `rows`, `cols`, `weights` `[nEdges]`. */
export interface FuzzyGraph {
  n: number;
  rows: Int32Array;
  cols: Int32Array;
  weights: Float64Array;
}

/**
 * The fuzzy simplicial set of a kNN graph: `indices`/`distances` `[n * k]` with each point's own
 * index first at distance 0 (as umap-learn's search returns it). Union of the directed memberships:
 * w = p + pT - p * pT.
 */
export function fuzzySimplicialSet(indices: Int32Array, distances: Float32Array, n: number, k: number, localConnectivity = 1): FuzzyGraph {
  const target = Math.log2(k);
  const rho = new Float64Array(n);
  const sigma = new Float64Array(n);
  let meanAll = 0;
  for (let t = 0; t < n * k; t++) meanAll += distances[t];
  meanAll /= n * k;
  for (let i = 0; i < n; i++) {
    const o = i * k;
    const nonZero: number[] = [];
    let mean = 0;
    for (let j = 0; j < k; j++) {
      const d = distances[o + j];
      mean += d;
      if (d > 0) nonZero.push(d);
    }
    mean /= k;
    if (nonZero.length >= localConnectivity) {
      const index = Math.floor(localConnectivity);
      const interpolation = localConnectivity - index;
      if (index > 0) {
        rho[i] = nonZero[index - 1];
        if (interpolation > SMOOTH_K_TOLERANCE) rho[i] += interpolation * (nonZero[index] - nonZero[index - 1]);
      } else rho[i] = interpolation * nonZero[0];
    } else if (nonZero.length > 0) rho[i] = Math.max(...nonZero);
    let lo = 0;
    let hi = Infinity;
    let mid = 1;
    for (let it = 0; it < 64; it++) {
      let psum = 0;
      for (let j = 1; j < k; j++) {
        const d = distances[o + j] - rho[i];
        psum += d > 0 ? Math.exp(-(d / mid)) : 1;
      }
      if (Math.abs(psum - target) < SMOOTH_K_TOLERANCE) break;
      if (psum > target) {
        hi = mid;
        mid = (lo + hi) / 2;
      } else {
        lo = mid;
        mid = hi === Infinity ? mid * 2 : (lo + hi) / 2;
      }
    }
    sigma[i] = mid;
    const floor = MIN_K_DIST_SCALE * (rho[i] > 0 ? mean : meanAll);
    if (sigma[i] < floor) sigma[i] = floor;
  }
  // Directed memberships, keyed row * n + col (exact in float64 up to n = 9.4e7).
  const m = n * k;
  const keys = new Float64Array(m);
  const vals = new Float64Array(m);
  let e = 0;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < k; j++) {
      const c = indices[i * k + j];
      if (c < 0 || c === i) continue;
      const d = distances[i * k + j] - rho[i];
      keys[e] = i * n + c;
      vals[e] = d <= 0 ? 1 : Math.exp(-(d / sigma[i]));
      e++;
    }
  }
  // p and its transpose as sorted (key, value) lists, merged: w = p + pT - p * pT.
  const order = (ks: Float64Array, count: number) => {
    const idx = new Uint32Array(count);
    for (let t = 0; t < count; t++) idx[t] = t;
    return idx.sort((a, b) => ks[a] - ks[b]);
  };
  const tKeys = new Float64Array(e);
  for (let t = 0; t < e; t++) {
    const r = Math.floor(keys[t] / n);
    const c = keys[t] - r * n;
    tKeys[t] = c * n + r;
  }
  const po = order(keys, e);
  const to = order(tKeys, e);
  const rows = new Int32Array(2 * e);
  const cols = new Int32Array(2 * e);
  const weights = new Float64Array(2 * e);
  let a = 0;
  let b = 0;
  let out = 0;
  while (a < e || b < e) {
    const ka = a < e ? keys[po[a]] : Infinity;
    const kb = b < e ? tKeys[to[b]] : Infinity;
    let key: number;
    let p = 0;
    let q = 0;
    if (ka === kb) {
      key = ka;
      p = vals[po[a++]];
      q = vals[to[b++]];
    } else if (ka < kb) {
      key = ka;
      p = vals[po[a++]];
    } else {
      key = kb;
      q = vals[to[b++]];
    }
    const w = p + q - p * q;
    if (w === 0) continue;
    const r = Math.floor(key / n);
    rows[out] = r;
    cols[out] = key - r * n;
    weights[out] = w;
    out++;
  }
  return { n, rows: rows.slice(0, out), cols: cols.slice(0, out), weights: weights.slice(0, out) };
}

/** umap-js's default epochs for n points. */
export function defaultEpochs(n: number): number {
  return n <= 2500 ? 500 : n <= 5000 ? 400 : n <= 7500 ? 300 : 200;
}

/** Settings of the layout optimisation (umap-js defaults). */
export interface OptimizeOptions {
  nEpochs: number;
  /** Curve parameters from umap-js's findABParams(spread, minDist). */
  a: number;
  b: number;
  random: () => number;
  negativeSampleRate?: number;
  learningRate?: number;
  repulsionStrength?: number;
  signal?: { readonly aborted: boolean };
  onProgress?: (fraction: number) => void;
  /** Called between chunks of epochs, to let a worker answer messages; default a zero timeout. */
  yieldNow?: () => Promise<void>;
  /** `[n * 2]` starting layout (e.g. scaled PCA); default umap-js's uniform random init in [-10, 10]. */
  initial?: ArrayLike<number>;
}

/** Optimises a 2-D layout of `graph` (umap-js's SGD, from `initial` or its random init in [-10, 10]); returns `[n * 2]` float32. */
export async function optimizeLayout(graph: FuzzyGraph, options: OptimizeOptions): Promise<Float32Array> {
  const { n } = graph;
  const { nEpochs, a, b, random } = options;
  const negativeSampleRate = options.negativeSampleRate ?? 5;
  const gamma = options.repulsionStrength ?? 1;
  const initialAlpha = options.learningRate ?? 1;
  const yieldNow = options.yieldNow ?? (() => new Promise<void>((r) => setTimeout(r, 0)));
  let max = 0;
  for (const w of graph.weights) if (w > max) max = w;
  // Edges too weak to be sampled even once in nEpochs are dropped, as umap-js does.
  const keep: number[] = [];
  for (let t = 0; t < graph.weights.length; t++) if (!(graph.weights[t] < max / nEpochs)) keep.push(t);
  const nEdges = keep.length;
  const head = new Int32Array(nEdges);
  const tail = new Int32Array(nEdges);
  const epochsPerSample = new Float64Array(nEdges);
  let wMax = 0;
  for (const t of keep) wMax = Math.max(wMax, graph.weights[t]);
  keep.forEach((t, i) => {
    tail[i] = graph.rows[t];
    head[i] = graph.cols[t];
    const samples = (graph.weights[t] / wMax) * nEpochs;
    epochsPerSample[i] = samples > 0 ? nEpochs / samples : -1;
  });
  const y = new Float64Array(n * 2);
  if (options.initial && options.initial.length === n * 2) y.set(options.initial);
  else for (let i = 0; i < n * 2; i++) y[i] = random() * 20 - 10;
  const epochOfNextSample = Float64Array.from(epochsPerSample);
  const epochsPerNegativeSample = epochsPerSample.map((e) => e / negativeSampleRate);
  const epochOfNextNegativeSample = Float64Array.from(epochsPerNegativeSample);
  const state: SgdState = {
    head,
    tail,
    y,
    epochsPerSample,
    epochOfNextSample,
    epochsPerNegativeSample,
    epochOfNextNegativeSample,
    a,
    b,
    gamma,
    powB: powFunction(b),
    // The negative sampler's own stream, seeded from `random`: an inlined generator instead of a
    // closure call per sample (five per edge sample).
    rng: Math.floor(random() * 4294967296) >>> 0,
  };
  let lastYield = Date.now();
  for (let epoch = 0; epoch < nEpochs; epoch++) {
    sgdEpoch(state, epoch, initialAlpha * (1 - Math.max(0, epoch - 1) / nEpochs));
    if (Date.now() - lastYield > 60 || epoch === nEpochs - 1) {
      options.onProgress?.((epoch + 1) / nEpochs);
      await yieldNow();
      lastYield = Date.now();
      if (options.signal?.aborted) throw abortError('UMAP');
    }
  }
  return Float32Array.from(y);
}

/** The optimiser's arrays and constants, shared by its epochs. */
interface SgdState {
  /** Edge heads and tails (`[nEdges]`), and the `[n * 2]` layout. */
  head: Int32Array;
  tail: Int32Array;
  y: Float64Array;
  epochsPerSample: Float64Array;
  epochOfNextSample: Float64Array;
  epochsPerNegativeSample: Float64Array;
  epochOfNextNegativeSample: Float64Array;
  a: number;
  b: number;
  gamma: number;
  powB: (x: number) => number;
  /** mulberry32 state of the negative sampler. */
  rng: number;
}

/** One epoch of umap-js's SGD at learning rate `alpha`: every edge due this epoch, each with its negative samples. */
function sgdEpoch(s: SgdState, epoch: number, alpha: number): void {
  const { head, tail, y, epochsPerSample, epochOfNextSample, epochsPerNegativeSample, epochOfNextNegativeSample, a, b, gamma, powB } = s;
  const n = y.length / 2;
  const nEdges = head.length;
  const attract = -2 * a * b;
  const repel = 2 * gamma * b;
  let rng = s.rng;
  for (let i = 0; i < nEdges; i++) {
    if (epochOfNextSample[i] > epoch) continue;
    const j = head[i];
    const k = tail[i];
    let cx = y[2 * j];
    let cy = y[2 * j + 1];
    const ox = y[2 * k];
    const oy = y[2 * k + 1];
    let dx = cx - ox;
    let dy = cy - oy;
    let d2 = dx * dx + dy * dy;
    let gx = 0;
    let gy = 0;
    if (d2 > 0) {
      // d2^(b-1) = d2^b / d2: one pow instead of two.
      const pb = powB(d2);
      const coeff = (attract * (pb / d2)) / (a * pb + 1);
      gx = coeff * dx;
      gy = coeff * dy;
      gx = (gx > 4 ? 4 : gx < -4 ? -4 : gx) * alpha;
      gy = (gy > 4 ? 4 : gy < -4 ? -4 : gy) * alpha;
    }
    cx += gx;
    cy += gy;
    y[2 * k] = ox - gx;
    y[2 * k + 1] = oy - gy;
    epochOfNextSample[i] += epochsPerSample[i];
    const nNeg = Math.floor((epoch - epochOfNextNegativeSample[i]) / epochsPerNegativeSample[i]);
    for (let p = 0; p < nNeg; p++) {
      // mulberry32, inlined.
      rng = (rng + 0x6d2b79f5) | 0;
      let t = Math.imul(rng ^ (rng >>> 15), rng | 1);
      t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
      const o = Math.floor((((t ^ (t >>> 14)) >>> 0) / 4294967296) * n);
      // The head itself: umap-js skips it (its distance is 0). Its place is held in cx, cy until the edge is done.
      if (o === j) continue;
      dx = cx - y[2 * o];
      dy = cy - y[2 * o + 1];
      d2 = dx * dx + dy * dy;
      if (d2 > 0) {
        const c = repel / ((0.001 + d2) * (a * powB(d2) + 1));
        gx = c * dx;
        gy = c * dy;
        cx += (gx > 4 ? 4 : gx < -4 ? -4 : gx) * alpha;
        cy += (gy > 4 ? 4 : gy < -4 ? -4 : gy) * alpha;
      } else {
        cx += 4 * alpha;
        cy += 4 * alpha;
      }
    }
    y[2 * j] = cx;
    y[2 * j + 1] = cy;
    epochOfNextNegativeSample[i] += nNeg * epochsPerNegativeSample[i];
  }
  s.rng = rng;
}
