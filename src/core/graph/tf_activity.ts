// TF activity per cell, as decoupler's `ulm`: for each cell, regress its expression over every
// gene of the dataset on the TF's signed regulon weights (0 for genes outside the regulon) and
// report the slope's t-value. Computed from sparse rows: only a cell's non-zero genes are touched.

import type { CsrMatrix } from '../data/csr';
import { yieldToEventLoop, type CancelSignal } from '../attribution/batching';
import { geneKey, type GrnEdge } from './grn';

/**
 * Regulons smaller than this (targets present in the data, with a non-zero weight) get decoupler's
 * weighted mean Σ w·y / Σ|w| instead of a ULM t: a regression through 1–4 points is mostly noise.
 * 5 is decoupler's own `min_n` default (it drops those TFs; we keep them, scored differently).
 */
export const ULM_MIN_TARGETS = 5;

/** How a TF's score was computed. */
export type ActivityMethod = 'ulm' | 'wmean';

/** TF regulons matched to a dataset's genes, stored by gene for a sparse row pass. */
export interface RegulonMatrix {
  /** TFs with at least one target present in the data, in first-seen order of the GRN. */
  tfs: string[];
  nGenes: number;
  /** `[nGenes + 1]`: entries of dataset gene g are [geneStart[g], geneStart[g+1]). */
  geneStart: Uint32Array;
  /** `[nEntries]` TF index of each entry. */
  tfIndex: Uint32Array;
  /** `[nEntries]` signed weight of each entry (mean of the GRN rows for that pair). */
  weight: Float64Array;
  /** `[nTf]` targets present in the data with a non-zero weight. */
  nTargets: Uint32Array;
  /** `[nTf]` Σ w, Σ w², Σ |w| over the TF's targets present in the data. */
  sumW: Float64Array;
  sumW2: Float64Array;
  sumAbsW: Float64Array;
}

/**
 * Matches GRN edges to dataset genes (case-insensitive; the first column wins for repeated symbols).
 * Several rows for one TF → target pair are averaged (TRRUST's activation + repression give 0);
 * an unsigned row contributes its stored weight (0 for TRRUST `Unknown`, so it does not count).
 */
export function buildRegulons(edges: readonly GrnEdge[], genes: readonly string[]): RegulonMatrix {
  const column = new Map<string, number>();
  genes.forEach((g, j) => {
    const key = geneKey(g);
    if (!column.has(key)) column.set(key, j);
  });
  const tfOf = new Map<string, number>();
  const tfs: string[] = [];
  // pair key -> [tf, gene, sum, count]
  const pairs = new Map<string, [number, number, number, number]>();
  for (const e of edges) {
    const g = column.get(geneKey(e.target));
    if (g === undefined) continue;
    const tfKey = geneKey(e.regulator);
    let t = tfOf.get(tfKey);
    if (t === undefined) {
      t = tfs.length;
      tfOf.set(tfKey, t);
      tfs.push(e.regulator.trim());
    }
    const key = `${t}\t${g}`;
    const p = pairs.get(key);
    if (p) {
      p[2] += e.weight;
      p[3]++;
    } else pairs.set(key, [t, g, e.weight, 1]);
  }
  const nGenes = genes.length;
  const entries = [...pairs.values()].filter((p) => p[2] !== 0);
  const geneStart = new Uint32Array(nGenes + 1);
  for (const [, g] of entries) geneStart[g + 1]++;
  for (let g = 0; g < nGenes; g++) geneStart[g + 1] += geneStart[g];
  const cursor = geneStart.slice(0, nGenes);
  const tfIndex = new Uint32Array(entries.length);
  const weight = new Float64Array(entries.length);
  const nTf = tfs.length;
  const nTargets = new Uint32Array(nTf);
  const sumW = new Float64Array(nTf);
  const sumW2 = new Float64Array(nTf);
  const sumAbsW = new Float64Array(nTf);
  for (const [t, g, sum, count] of entries) {
    const w = sum / count;
    const at = cursor[g]++;
    tfIndex[at] = t;
    weight[at] = w;
    nTargets[t]++;
    sumW[t] += w;
    sumW2[t] += w * w;
    sumAbsW[t] += Math.abs(w);
  }
  // TFs whose every pair averaged to 0 have no regulon here; keep the list dense by dropping them.
  const keep = [...nTargets.keys()].filter((t) => nTargets[t] > 0);
  if (keep.length === nTf) return { tfs, nGenes, geneStart, tfIndex, weight, nTargets, sumW, sumW2, sumAbsW };
  const remap = new Int32Array(nTf).fill(-1);
  keep.forEach((t, i) => (remap[t] = i));
  return {
    tfs: keep.map((t) => tfs[t]),
    nGenes,
    geneStart,
    tfIndex: tfIndex.map((t) => remap[t]),
    weight,
    nTargets: Uint32Array.from(keep, (t) => nTargets[t]),
    sumW: Float64Array.from(keep, (t) => sumW[t]),
    sumW2: Float64Array.from(keep, (t) => sumW2[t]),
    sumAbsW: Float64Array.from(keep, (t) => sumAbsW[t]),
  };
}

/** Scores of every TF in every cell. */
export interface TfActivity {
  tfs: string[];
  nCells: number;
  /** `[nTf * nCells]` float32, TF-major (TF t's cells are scores[t*nCells .. (t+1)*nCells)); NaN = undefined (an empty cell). */
  scores: Float32Array;
  /** `[nTf]` per-TF method. */
  methods: ActivityMethod[];
  nTargets: Uint32Array;
}

/** Options for `tfActivity`: cancel, progress in [0, 1], and cells per chunk between yields. */
export interface TfActivityOptions {
  signal?: CancelSignal;
  onProgress?: (fraction: number) => void;
  chunkCells?: number;
  minTargets?: number;
}

/**
 * ULM t (or weighted mean, below `minTargets`) for every TF in `regulons` and every cell of `x`,
 * an expression CSR `[nCells, nGenes]` (log1p CP10k or as the data came). With n genes:
 * r = (n·Σxy − Σx·Σy) / √((n·Σx² − (Σx)²)(n·Σy² − (Σy)²)), t = r·√((n−2) / ((1−r)(1+r))).
 * Cost: O(nnz × TFs per gene), not O(cells × genes × TFs).
 */
export async function tfActivity(x: CsrMatrix, regulons: RegulonMatrix, options: TfActivityOptions = {}): Promise<TfActivity> {
  if (x.nCols !== regulons.nGenes) {
    throw new Error(`The regulons were matched to ${regulons.nGenes} genes but the matrix has ${x.nCols}.`);
  }
  const minTargets = options.minTargets ?? ULM_MIN_TARGETS;
  const chunk = options.chunkCells ?? 256;
  const nTf = regulons.tfs.length;
  const nCells = x.nRows;
  const n = x.nCols;
  const scores = new Float32Array(nTf * nCells);
  const sxy = new Float64Array(nTf);
  const touched = new Uint32Array(nTf);
  const methods: ActivityMethod[] = Array.from(regulons.nTargets, (k) => (k < minTargets ? 'wmean' : 'ulm'));
  const isUlm = Uint8Array.from(methods, (m) => (m === 'ulm' ? 1 : 0));
  // Per-TF constants of the correlation's x side.
  const xVar = Float64Array.from(regulons.sumW2, (s2, t) => n * s2 - regulons.sumW[t] * regulons.sumW[t]);
  const df = n - 2;
  const { geneStart, tfIndex, weight } = regulons;
  for (let c0 = 0; c0 < nCells; c0 += chunk) {
    if (options.signal?.aborted) {
      const err = new Error('TF activity was cancelled.');
      err.name = 'AbortError';
      throw err;
    }
    const c1 = Math.min(nCells, c0 + chunk);
    for (let c = c0; c < c1; c++) {
      let sy = 0;
      let syy = 0;
      let nTouched = 0;
      for (let k = x.indptr[c]; k < x.indptr[c + 1]; k++) {
        const y = x.data[k];
        if (y === 0) continue;
        sy += y;
        syy += y * y;
        const g = x.indices[k];
        for (let e = geneStart[g]; e < geneStart[g + 1]; e++) {
          const t = tfIndex[e];
          if (sxy[t] === 0) touched[nTouched++] = t;
          sxy[t] += weight[e] * y;
          // A product can be exactly 0 only if y or w is; neither is, so "=== 0" marks untouched TFs.
        }
      }
      const yVar = n * syy - sy * sy;
      for (let t = 0; t < nTf; t++) {
        const s = sxy[t];
        let score: number;
        if (!isUlm[t]) score = s / regulons.sumAbsW[t];
        else if (!(yVar > 0) || !(xVar[t] > 0)) score = NaN;
        else {
          const r = (n * s - regulons.sumW[t] * sy) / Math.sqrt(xVar[t] * yVar);
          // decoupler adds 1e-16 to both factors so r = ±1 stays finite.
          score = r * Math.sqrt(df / ((1 - r + 1e-16) * (1 + r + 1e-16)));
        }
        scores[t * nCells + c] = score;
      }
      for (let i = 0; i < nTouched; i++) sxy[touched[i]] = 0;
    }
    options.onProgress?.(c1 / nCells);
    if (c1 < nCells) await yieldToEventLoop();
  }
  return { tfs: regulons.tfs, nCells, scores, methods, nTargets: regulons.nTargets };
}

/**
 * The same scores the naive way, for tests and the benchmark baseline: densify each cell and each
 * regulon and fit y = a + b·x by ordinary least squares, t = b / se(b). O(cells × genes × TFs).
 */
export function tfActivityDense(x: CsrMatrix, regulons: RegulonMatrix, cells: number[], minTargets = ULM_MIN_TARGETS): Float64Array {
  const n = x.nCols;
  const nTf = regulons.tfs.length;
  const w = new Float64Array(nTf * n);
  for (let g = 0; g < n; g++) {
    for (let e = regulons.geneStart[g]; e < regulons.geneStart[g + 1]; e++) w[regulons.tfIndex[e] * n + g] = regulons.weight[e];
  }
  const out = new Float64Array(nTf * cells.length);
  const y = new Float64Array(n);
  cells.forEach((c, ci) => {
    y.fill(0);
    for (let k = x.indptr[c]; k < x.indptr[c + 1]; k++) y[x.indices[k]] = x.data[k];
    let yMean = 0;
    for (let g = 0; g < n; g++) yMean += y[g];
    yMean /= n;
    for (let t = 0; t < nTf; t++) {
      const xs = w.subarray(t * n, (t + 1) * n);
      if (regulons.nTargets[t] < minTargets) {
        let num = 0;
        let den = 0;
        for (let g = 0; g < n; g++) {
          num += xs[g] * y[g];
          den += Math.abs(xs[g]);
        }
        out[t * cells.length + ci] = num / den;
        continue;
      }
      let xMean = 0;
      for (let g = 0; g < n; g++) xMean += xs[g];
      xMean /= n;
      let sxx = 0;
      let sxy = 0;
      for (let g = 0; g < n; g++) {
        sxx += (xs[g] - xMean) ** 2;
        sxy += (xs[g] - xMean) * (y[g] - yMean);
      }
      const slope = sxy / sxx;
      const intercept = yMean - slope * xMean;
      let ssr = 0;
      for (let g = 0; g < n; g++) ssr += (y[g] - intercept - slope * xs[g]) ** 2;
      const se = Math.sqrt(ssr / (n - 2) / sxx);
      out[t * cells.length + ci] = slope / se;
    }
  });
  return out;
}

/** One TF's activity in the selection against the rest of the cells. */
export interface ActivityContrast {
  tf: string;
  method: ActivityMethod;
  nTargets: number;
  meanIn: number;
  meanOut: number;
  /** meanIn − meanOut. */
  difference: number;
  /** Welch's t of the difference; NaN when either group has fewer than 2 cells. */
  welchT: number;
  /** Welch–Satterthwaite degrees of freedom. */
  df: number;
}

/**
 * Welch's t of every TF's score between cells with `mask[c] = 1` and the rest, sorted by |t|
 * descending (NaN last). NaN scores (empty cells) are left out of both groups.
 */
export function contrastActivity(activity: TfActivity, mask: Uint8Array): ActivityContrast[] {
  const { nCells, scores } = activity;
  if (mask.length !== nCells) throw new Error(`The selection covers ${mask.length} cells but the activity has ${nCells}.`);
  const rows: ActivityContrast[] = activity.tfs.map((tf, t) => {
    let n1 = 0;
    let s1 = 0;
    let q1 = 0;
    let n0 = 0;
    let s0 = 0;
    let q0 = 0;
    const base = t * nCells;
    for (let c = 0; c < nCells; c++) {
      const v = scores[base + c];
      if (v !== v) continue;
      if (mask[c]) {
        n1++;
        s1 += v;
        q1 += v * v;
      } else {
        n0++;
        s0 += v;
        q0 += v * v;
      }
    }
    const m1 = n1 > 0 ? s1 / n1 : NaN;
    const m0 = n0 > 0 ? s0 / n0 : NaN;
    const v1 = n1 > 1 ? Math.max(0, (q1 - n1 * m1 * m1) / (n1 - 1)) : NaN;
    const v0 = n0 > 1 ? Math.max(0, (q0 - n0 * m0 * m0) / (n0 - 1)) : NaN;
    const a = v1 / n1;
    const b = v0 / n0;
    const se = Math.sqrt(a + b);
    const welchT = se > 0 ? (m1 - m0) / se : NaN;
    const df = (a + b) ** 2 / ((a * a) / (n1 - 1) + (b * b) / (n0 - 1));
    return {
      tf,
      method: activity.methods[t],
      nTargets: activity.nTargets[t],
      meanIn: m1,
      meanOut: m0,
      difference: m1 - m0,
      welchT,
      df,
    };
  });
  const key = (r: ActivityContrast) => (Number.isFinite(r.welchT) ? Math.abs(r.welchT) : -1);
  return rows.sort((p, q) => key(q) - key(p) || (p.tf < q.tf ? -1 : 1));
}
