/**
 * When explanations may not be trustworthy: the dataset barely matches the model's genes, or the
 * model is unusually unsure about most cells (out of distribution).
 */

/** Thresholds, with why. */
export const TRUST_LIMITS = {
  /** Below this share of model genes found, most inputs are zeros the model never saw. */
  minMatchedFraction: 0.8,
  /** A cell is "uncertain" when its top class probability is below this. */
  uncertainMaxProbability: 0.5,
  /** Warn when more than this share of cells is uncertain (the demo classifier: 3.3 % on pbmc3k, measured in the test). */
  maxUncertainFraction: 0.5,
} as const;

/** The verdict and its numbers. */
export interface TrustReport {
  /** Share of model genes found in the data, in [0, 1]. */
  matchedFraction: number;
  /** Share of cells whose top class probability is below `uncertainMaxProbability`, or null without probabilities. */
  uncertainFraction: number | null;
  /** The warning sentence, or null when nothing looks wrong. */
  warning: string | null;
}

/**
 * Checks alignment and prediction confidence. `probabilities` is `[nCells, nClasses]` float32
 * softmax output (or null for models without classes).
 */
export function assessTrust(matchedFraction: number, probabilities: Float32Array | null, nClasses: number): TrustReport {
  let uncertainFraction: number | null = null;
  if (probabilities && nClasses > 0 && probabilities.length > 0) {
    const n = probabilities.length / nClasses;
    let uncertain = 0;
    for (let i = 0; i < n; i++) {
      let top = 0;
      for (let c = 0; c < nClasses; c++) top = Math.max(top, probabilities[i * nClasses + c]);
      if (top < TRUST_LIMITS.uncertainMaxProbability) uncertain++;
    }
    uncertainFraction = uncertain / n;
  }
  const reasons: string[] = [];
  if (matchedFraction < TRUST_LIMITS.minMatchedFraction) {
    reasons.push(`only ${(matchedFraction * 100).toFixed(0)} % of the model's genes were found in these data`);
  }
  if (uncertainFraction !== null && uncertainFraction > TRUST_LIMITS.maxUncertainFraction) {
    reasons.push(
      `the model is unsure about ${(uncertainFraction * 100).toFixed(0)} % of cells (top class probability below ${TRUST_LIMITS.uncertainMaxProbability})`,
    );
  }
  const warning = reasons.length
    ? `Explanations may not be trustworthy: ${reasons.join(', and ')}. These cells may be unlike the model's training data; check the gene alignment, or use a model trained on similar cells.`
    : null;
  return { matchedFraction, uncertainFraction, warning };
}
