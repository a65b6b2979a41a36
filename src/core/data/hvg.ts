import type { CsrMatrix } from './csr.ts';

/** Per-gene statistics from scanpy's `highly_variable_genes(flavor='seurat')`. */
export interface HvgResult {
  /** Column indices of the selected genes, ascending (dataset order). */
  selected: number[];
  /** `[nGenes]` log1p of the mean of expm1(X). */
  means: Float64Array;
  /** `[nGenes]` log dispersion (NaN where the variance is 0). */
  dispersions: Float64Array;
  /** `[nGenes]` dispersion z-scored within its mean bin (NaN where undefined). */
  dispersionsNorm: Float64Array;
}

/**
 * Highly variable genes, scanpy `flavor='seurat'` (Satija et al. 2015): on log1p-normalised
 * data, take mean and variance of expm1(X), log dispersion var/mean, cut log1p(mean) into
 * `nBins` equal-width bins, z-score dispersions within each bin, keep the top `nTop`.
 * A bin holding one gene gets mean 0 and std = its dispersion, as scanpy does.
 */
export function highlyVariableGenesSeurat(logNorm: CsrMatrix, nTop: number, nBins = 20): HvgResult {
  const n = logNorm.nRows;
  const g = logNorm.nCols;
  const sum = new Float64Array(g);
  const sumSq = new Float64Array(g);
  for (let k = 0; k < logNorm.data.length; k++) {
    const v = Math.expm1(logNorm.data[k]);
    const j = logNorm.indices[k];
    sum[j] += v;
    sumSq[j] += v * v;
  }
  const means = new Float64Array(g);
  const dispersions = new Float64Array(g);
  for (let j = 0; j < g; j++) {
    let mean = sum[j] / n;
    // ddof = 1, as scanpy's _get_mean_var.
    const variance = ((sumSq[j] / n - mean * mean) * n) / (n - 1);
    if (mean === 0) mean = 1e-12;
    const disp = variance / mean;
    dispersions[j] = disp === 0 ? NaN : Math.log(disp);
    means[j] = Math.log1p(mean);
  }
  let lo = Infinity;
  let hi = -Infinity;
  for (let j = 0; j < g; j++) {
    lo = Math.min(lo, means[j]);
    hi = Math.max(hi, means[j]);
  }
  const width = (hi - lo) / nBins;
  // pandas.cut: right-closed equal-width bins; the lowest value falls in the first bin.
  const bin = new Int32Array(g);
  for (let j = 0; j < g; j++) bin[j] = width > 0 ? Math.min(nBins - 1, Math.max(0, Math.ceil((means[j] - lo) / width) - 1)) : 0;
  const binSum = new Float64Array(nBins);
  const binCount = new Float64Array(nBins);
  for (let j = 0; j < g; j++) {
    if (Number.isNaN(dispersions[j])) continue;
    binSum[bin[j]] += dispersions[j];
    binCount[bin[j]]++;
  }
  const binMean = new Float64Array(nBins);
  const binStd = new Float64Array(nBins);
  for (let b = 0; b < nBins; b++) binMean[b] = binCount[b] > 0 ? binSum[b] / binCount[b] : NaN;
  const binSq = new Float64Array(nBins);
  for (let j = 0; j < g; j++) {
    if (Number.isNaN(dispersions[j])) continue;
    const d = dispersions[j] - binMean[bin[j]];
    binSq[bin[j]] += d * d;
  }
  for (let b = 0; b < nBins; b++) {
    if (binCount[b] > 1) binStd[b] = Math.sqrt(binSq[b] / (binCount[b] - 1));
    else if (binCount[b] === 1) {
      binStd[b] = binMean[b];
      binMean[b] = 0;
    } else binStd[b] = NaN;
  }
  const dispersionsNorm = new Float64Array(g);
  for (let j = 0; j < g; j++) dispersionsNorm[j] = (dispersions[j] - binMean[bin[j]]) / binStd[bin[j]];
  const finite = [...dispersionsNorm].filter((v) => !Number.isNaN(v)).sort((a, b) => b - a);
  const cutoff = finite[Math.min(nTop, finite.length) - 1];
  const selected: number[] = [];
  // A gene without a normalised dispersion (zero variance) is never highly variable; scanpy's
  // older nan_to_num(0) let such genes in whenever the cut-off fell below 0.
  for (let j = 0; j < g; j++) if (dispersionsNorm[j] >= cutoff) selected.push(j);
  return { selected, means, dispersions, dispersionsNorm };
}
