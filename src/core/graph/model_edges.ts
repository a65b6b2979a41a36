// Model-derived gene–gene edges, kept apart from prior-knowledge GRN edges: pairs of genes whose
// vectors (decoder-Jacobian rows, or attributions across cells) point the same way.

/** An undirected model-derived edge between two genes (indices into the caller's gene list). */
export interface ModelEdge {
  a: number;
  b: number;
  /** Cosine similarity or Pearson correlation, in [-1, 1]. */
  value: number;
}

/**
 * Cosine similarity of rows of `m` (`[nRows, dim]` row-major) for every pair among `rows`, keeping
 * |value| >= `threshold`. Rows of norm 0 have no direction and join no edge.
 */
export function cosinePairs(m: Float32Array, dim: number, rows: readonly number[], threshold: number): ModelEdge[] {
  const norms = rows.map((r) => {
    let s = 0;
    for (let k = 0; k < dim; k++) s += m[r * dim + k] ** 2;
    return Math.sqrt(s);
  });
  const out: ModelEdge[] = [];
  for (let i = 0; i < rows.length; i++) {
    if (norms[i] === 0) continue;
    for (let j = i + 1; j < rows.length; j++) {
      if (norms[j] === 0) continue;
      let dot = 0;
      for (let k = 0; k < dim; k++) dot += m[rows[i] * dim + k] * m[rows[j] * dim + k];
      const value = dot / (norms[i] * norms[j]);
      if (Math.abs(value) >= threshold) out.push({ a: i, b: j, value });
    }
  }
  return out;
}

/**
 * Pearson correlation across samples of columns of `m` (`[nSamples, nCols]` row-major) for every
 * pair among `cols`, keeping |value| >= `threshold`. Constant columns join no edge.
 */
export function correlationPairs(m: Float32Array, nCols: number, cols: readonly number[], threshold: number): ModelEdge[] {
  const nSamples = m.length / nCols;
  const centred = cols.map((c) => {
    let mean = 0;
    for (let s = 0; s < nSamples; s++) mean += m[s * nCols + c];
    mean /= nSamples;
    const v = new Float64Array(nSamples);
    let ss = 0;
    for (let s = 0; s < nSamples; s++) {
      v[s] = m[s * nCols + c] - mean;
      ss += v[s] * v[s];
    }
    return { v, norm: Math.sqrt(ss) };
  });
  const out: ModelEdge[] = [];
  for (let i = 0; i < cols.length; i++) {
    if (centred[i].norm === 0) continue;
    for (let j = i + 1; j < cols.length; j++) {
      if (centred[j].norm === 0) continue;
      let dot = 0;
      const a = centred[i].v;
      const b = centred[j].v;
      for (let s = 0; s < nSamples; s++) dot += a[s] * b[s];
      const value = dot / (centred[i].norm * centred[j].norm);
      if (Math.abs(value) >= threshold) out.push({ a: i, b: j, value });
    }
  }
  return out;
}

/** `count` cell indices spread evenly over [0, nCells) (every ⌊nCells/count⌋-th cell), or all when fewer. */
export function evenSample(nCells: number, count: number): number[] {
  if (nCells <= count) return Array.from({ length: nCells }, (_, i) => i);
  return Array.from({ length: count }, (_, i) => Math.floor((i * nCells) / count));
}
