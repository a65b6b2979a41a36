/** Held-out metrics for a classifier: accuracy, per-class precision/recall/F1, confusion counts. */
export interface ClassificationReport {
  accuracy: number;
  macroF1: number;
  perClass: { label: string; support: number; precision: number; recall: number; f1: number }[];
  /** `[nClasses][nClasses]`, rows = truth, columns = prediction. */
  confusion: number[][];
}

/** Scores predicted class indices against true ones (both `[n]`). Classes with no support get F1 0. */
export function classificationReport(truth: ArrayLike<number>, predicted: ArrayLike<number>, labels: string[]): ClassificationReport {
  const k = labels.length;
  const confusion = Array.from({ length: k }, () => new Array<number>(k).fill(0));
  let correct = 0;
  for (let i = 0; i < truth.length; i++) {
    confusion[truth[i]][predicted[i]]++;
    if (truth[i] === predicted[i]) correct++;
  }
  const perClass = labels.map((label, c) => {
    const tp = confusion[c][c];
    const support = confusion[c].reduce((a, b) => a + b, 0);
    const predictedN = confusion.reduce((a, row) => a + row[c], 0);
    const precision = predictedN > 0 ? tp / predictedN : 0;
    const recall = support > 0 ? tp / support : 0;
    const f1 = precision + recall > 0 ? (2 * precision * recall) / (precision + recall) : 0;
    return { label, support, precision, recall, f1 };
  });
  return {
    accuracy: truth.length > 0 ? correct / truth.length : 0,
    macroF1: perClass.reduce((a, c) => a + c.f1, 0) / k,
    perClass,
    confusion,
  };
}

/**
 * Stratified split: for each class, a seeded shuffle puts round(fraction * n_class) cells
 * (at least one when the class has two or more) in the test set. Returns sorted index arrays.
 */
export function stratifiedSplit(codes: ArrayLike<number>, testFraction: number, rand: () => number): { train: number[]; test: number[] } {
  const byClass = new Map<number, number[]>();
  for (let i = 0; i < codes.length; i++) {
    const list = byClass.get(codes[i]) ?? [];
    list.push(i);
    byClass.set(codes[i], list);
  }
  const train: number[] = [];
  const test: number[] = [];
  for (const key of [...byClass.keys()].sort((a, b) => a - b)) {
    const idx = byClass.get(key)!;
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [idx[i], idx[j]] = [idx[j], idx[i]];
    }
    let nTest = Math.round(testFraction * idx.length);
    if (nTest === 0 && idx.length >= 2) nTest = 1;
    test.push(...idx.slice(0, nTest));
    train.push(...idx.slice(nTest));
  }
  return { train: train.sort((a, b) => a - b), test: test.sort((a, b) => a - b) };
}
