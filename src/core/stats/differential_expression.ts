/**
 * Differential expression between two groups of cells, gene by gene over the sparse columns:
 * Welch's t-test, the Wilcoxon rank-sum (Mann–Whitney U) test with tie and continuity correction,
 * Benjamini–Hochberg, and scanpy's log2 fold change. Conventions follow SciPy exactly
 * (ttest_ind(equal_var=False); mannwhitneyu(use_continuity=True, method='asymptotic'));
 * test/data/reference/make_de_reference.py is the reference they are checked against.
 *
 * Zeros are never materialised: each gene's stored values are split by group, zeros enter the means
 * and variances in closed form and the rank sum as one tied block.
 */
import type { CancelSignal } from '../attribution/batching.ts';
import { checkpoint } from '../data/text_input.ts';
import { entryValue, type GeneColumns } from './gene_columns.ts';
import { normalSf, studentTTwoSidedP } from './special_functions.ts';

/** Pseudocount of scanpy's fold change: log2((expm1(mean_a) + ε) / (expm1(mean_b) + ε)). */
export const LOGFC_PSEUDOCOUNT = 1e-9;

/** One DE table; every array is `[nGenesKept]`, in the order of `gene` (dataset column ids, ascending). */
export interface DeResult {
  nA: number;
  nB: number;
  /** Dataset gene column of each row: genes with a nonzero value in either group. */
  gene: Uint32Array;
  meanA: Float64Array;
  meanB: Float64Array;
  /** Fraction of cells of the group with a nonzero value. */
  fracA: Float64Array;
  fracB: Float64Array;
  logfc: Float64Array;
  welchT: Float64Array;
  welchDf: Float64Array;
  welchP: Float64Array;
  welchPBh: Float64Array;
  /** Mann–Whitney U of group A (SciPy's `statistic`). */
  wilcoxonU: Float64Array;
  /** The normal deviate of the two-sided test, signed like A − B. */
  wilcoxonZ: Float64Array;
  wilcoxonP: Float64Array;
  wilcoxonPBh: Float64Array;
  /** What the values are (e.g. "log1p(counts per 10,000)"). */
  scaleName: string;
}

/** Options: progress in [0, 1] and a cancel flag checked between chunks of genes. */
export interface DeOptions {
  onProgress?: (fraction: number) => void;
  signal?: CancelSignal;
  /** Genes between progress reports / cancel checks; default 500. */
  chunkGenes?: number;
}

/** Benjamini–Hochberg adjusted p-values: monotone, capped at 1 (as SciPy's/statsmodels' fdr_bh). */
export function benjaminiHochberg(p: ArrayLike<number>): Float64Array {
  const n = p.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => p[a] - p[b]);
  const out = new Float64Array(n);
  let running = Infinity;
  for (let r = n - 1; r >= 0; r--) {
    const i = order[r];
    running = Math.min(running, (p[i] * n) / (r + 1));
    out[i] = Math.min(running, 1);
  }
  return out;
}

/** Welch's unequal-variance t-test from group summaries (SciPy's conventions for zero variances). */
export function welchFromStats(
  meanA: number,
  varA: number,
  nA: number,
  meanB: number,
  varB: number,
  nB: number,
): { t: number; df: number; p: number } {
  const vnA = varA / nA;
  const vnB = varB / nB;
  let df = (vnA + vnB) ** 2 / ((vnA * vnA) / (nA - 1) + (vnB * vnB) / (nB - 1));
  if (Number.isNaN(df)) df = 1; // both variances 0: SciPy sets df = 1
  const t = (meanA - meanB) / Math.sqrt(vnA + vnB);
  // 0/0 (equal constant groups) is no evidence at all: t 0, p 1, as the reference tables record it.
  if (Number.isNaN(t)) return { t: 0, df, p: 1 };
  return { t, df, p: studentTTwoSidedP(t, df) };
}

/**
 * Two-sided Mann–Whitney U p-value by the normal approximation with tie and continuity correction
 * (SciPy's mannwhitneyu(..., use_continuity=True, method='asymptotic')).
 * `tieTerm` = Σ (t³ − t) over groups of tied values in both samples together.
 */
export function mannWhitneyFromU(u1: number, nA: number, nB: number, tieTerm: number): { z: number; p: number } {
  const n = nA + nB;
  const mu = (nA * nB) / 2;
  const s = Math.sqrt(((nA * nB) / 12) * (n + 1 - tieTerm / (n * (n - 1))));
  const u = Math.max(u1, nA * nB - u1);
  const z = (u - mu - 0.5) / s;
  const p = s > 0 ? Math.min(1, 2 * normalSf(z)) : 1;
  return { z: Math.sign(u1 - mu) * Math.max(0, z), p };
}

/**
 * Values closer than this (relative) are one tied value. CP10k values that are mathematically equal
 * (c₁/L₁ = c₂/L₂) can differ in the last bit after c·(1e4/L) and log1p, depending on the maths
 * library; distinct count ratios differ by at least 1/(c·L) ≈ 1e-9 relative. Grouping them makes
 * the ranks (and U) the exact ones rather than an accident of rounding.
 */
export const TIE_RELATIVE_TOLERANCE = 1e-12;

/**
 * Rank sum of A over the pooled sample, and the tie term. `a`, `b`: the groups' nonzero values,
 * each sorted ascending; `zerosA`, `zerosB`: how many zeros each group has (one tied block).
 */
export function rankSumWithZeros(a: Float64Array, b: Float64Array, zerosA: number, zerosB: number): { rankSumA: number; tieTerm: number } {
  let i = 0;
  let j = 0;
  let isZeroDone = zerosA + zerosB === 0;
  let ranked = 0;
  let rankSumA = 0;
  let tieTerm = 0;
  while (i < a.length || j < b.length || !isZeroDone) {
    const next = Math.min(i < a.length ? a[i] : Infinity, j < b.length ? b[j] : Infinity);
    let inA: number;
    let inB: number;
    if (!isZeroDone && next > 0) {
      inA = zerosA;
      inB = zerosB;
      isZeroDone = true;
    } else {
      inA = 0;
      inB = 0;
      const upTo = next + Math.abs(next) * TIE_RELATIVE_TOLERANCE;
      for (; i < a.length && a[i] <= upTo; i++) inA++;
      for (; j < b.length && b[j] <= upTo; j++) inB++;
    }
    const t = inA + inB;
    rankSumA += inA * (ranked + (t + 1) / 2);
    tieTerm += t * t * t - t;
    ranked += t;
  }
  return { rankSumA, tieTerm };
}

/**
 * DE of group A against group B (`[nCells]` 0/1 masks; disjoint, at least 2 cells each) over every
 * gene with a nonzero value in either group. Runs over the CSC columns; zeros are implicit.
 */
export async function differentialExpression(
  g: GeneColumns,
  maskA: Uint8Array,
  maskB: Uint8Array,
  options: DeOptions = {},
): Promise<DeResult> {
  const { csc } = g;
  const nCells = csc.nRows;
  if (maskA.length !== nCells || maskB.length !== nCells)
    throw new Error(`The groups describe ${maskA.length} and ${maskB.length} cells, but the dataset has ${nCells}. Pick the groups again.`);
  const group = new Int8Array(nCells).fill(-1);
  let nA = 0;
  let nB = 0;
  let nBoth = 0;
  for (let i = 0; i < nCells; i++) {
    if (maskA[i] && maskB[i]) nBoth++;
    else if (maskA[i]) {
      group[i] = 0;
      nA++;
    } else if (maskB[i]) {
      group[i] = 1;
      nB++;
    }
  }
  if (nBoth > 0)
    throw new Error(
      `${nBoth.toLocaleString('en-US')} cells are in both groups; a test compares two separate groups. Choose "the rest" for group B, or groups that do not overlap.`,
    );
  if (nA < 2 || nB < 2)
    throw new Error(
      `Group ${nA < 2 ? 'A' : 'B'} has ${nA < 2 ? nA : nB} cell${(nA < 2 ? nA : nB) === 1 ? '' : 's'}; each group needs at least 2 cells for a test. Select more cells.`,
    );

  const nGenes = csc.nCols;
  const cap = nGenes;
  const gene = new Uint32Array(cap);
  const cols = {
    meanA: new Float64Array(cap),
    meanB: new Float64Array(cap),
    fracA: new Float64Array(cap),
    fracB: new Float64Array(cap),
    logfc: new Float64Array(cap),
    welchT: new Float64Array(cap),
    welchDf: new Float64Array(cap),
    welchP: new Float64Array(cap),
    wilcoxonU: new Float64Array(cap),
    wilcoxonZ: new Float64Array(cap),
    wilcoxonP: new Float64Array(cap),
  };
  // Scratch for one gene's nonzero values per group; the longest column bounds them.
  let longest = 0;
  for (let c = 0; c < nGenes; c++) longest = Math.max(longest, csc.indptr[c + 1] - csc.indptr[c]);
  const bufA = new Float64Array(longest);
  const bufB = new Float64Array(longest);
  const chunk = options.chunkGenes ?? 500;
  let kept = 0;

  for (let c = 0; c < nGenes; c++) {
    if (c % chunk === 0 && c > 0) {
      options.onProgress?.(c / nGenes);
      await checkpoint(options.signal);
    }
    let nzA = 0;
    let nzB = 0;
    let sumA = 0;
    let sumB = 0;
    for (let k = csc.indptr[c]; k < csc.indptr[c + 1]; k++) {
      const r = csc.indices[k];
      const which = group[r];
      if (which < 0) continue;
      const v = entryValue(g, k, r);
      if (v === 0 || Number.isNaN(v)) continue;
      if (which === 0) {
        bufA[nzA++] = v;
        sumA += v;
      } else {
        bufB[nzB++] = v;
        sumB += v;
      }
    }
    if (nzA + nzB === 0) continue;
    const meanA = sumA / nA;
    const meanB = sumB / nB;
    // Two-pass variances (as numpy): deviations of the stored values, plus the zeros' share in closed form.
    let ssA = (nA - nzA) * meanA * meanA;
    for (let k = 0; k < nzA; k++) ssA += (bufA[k] - meanA) ** 2;
    let ssB = (nB - nzB) * meanB * meanB;
    for (let k = 0; k < nzB; k++) ssB += (bufB[k] - meanB) ** 2;
    const welch = welchFromStats(meanA, ssA / (nA - 1), nA, meanB, ssB / (nB - 1), nB);

    const a = bufA.subarray(0, nzA).sort();
    const b = bufB.subarray(0, nzB).sort();
    const { rankSumA, tieTerm } = rankSumWithZeros(a, b, nA - nzA, nB - nzB);
    const u1 = rankSumA - (nA * (nA + 1)) / 2;
    const mw = mannWhitneyFromU(u1, nA, nB, tieTerm);

    gene[kept] = c;
    cols.meanA[kept] = meanA;
    cols.meanB[kept] = meanB;
    cols.fracA[kept] = nzA / nA;
    cols.fracB[kept] = nzB / nB;
    // scanpy's convention, which assumes log1p values (true of counts here, and of most normalised files).
    cols.logfc[kept] = Math.log2((Math.expm1(meanA) + LOGFC_PSEUDOCOUNT) / (Math.expm1(meanB) + LOGFC_PSEUDOCOUNT));
    cols.welchT[kept] = welch.t;
    cols.welchDf[kept] = welch.df;
    cols.welchP[kept] = welch.p;
    cols.wilcoxonU[kept] = u1;
    cols.wilcoxonZ[kept] = mw.z;
    cols.wilcoxonP[kept] = mw.p;
    kept++;
  }
  options.onProgress?.(1);
  const cut = <T extends Float64Array | Uint32Array>(x: T) => x.slice(0, kept) as T;
  const welchP = cut(cols.welchP);
  const wilcoxonP = cut(cols.wilcoxonP);
  return {
    nA,
    nB,
    gene: cut(gene),
    meanA: cut(cols.meanA),
    meanB: cut(cols.meanB),
    fracA: cut(cols.fracA),
    fracB: cut(cols.fracB),
    logfc: cut(cols.logfc),
    welchT: cut(cols.welchT),
    welchDf: cut(cols.welchDf),
    welchP,
    welchPBh: benjaminiHochberg(welchP),
    wilcoxonU: cut(cols.wilcoxonU),
    wilcoxonZ: cut(cols.wilcoxonZ),
    wilcoxonP,
    wilcoxonPBh: benjaminiHochberg(wilcoxonP),
    scaleName: g.scaleName,
  };
}
