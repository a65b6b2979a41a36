/**
 * Attribution summaries over a selection or class: mean signed and mean |attr| per gene, and a
 * ranked gene table for display and CSV export.
 */

/** Per-gene means over cells. */
export interface AttributionAggregate {
  /** `[nGenes]` float32: mean over cells of the signed attribution, in the method's units. */
  meanSigned: Float32Array;
  /** `[nGenes]` float32: mean over cells of |attribution|. */
  meanAbs: Float32Array;
  nCells: number;
}

/**
 * Means of `attributions` `[nCells, nGenes]` float32 over its rows (float64 sums).
 * Throws a sentence for an empty or misshapen matrix.
 */
export function aggregateAttributions(attributions: Float32Array, nGenes: number): AttributionAggregate {
  if (!Number.isInteger(nGenes) || nGenes < 1 || attributions.length === 0 || attributions.length % nGenes !== 0) {
    throw new Error(
      `Cannot average ${attributions.length} attributions as rows of ${nGenes} genes; select at least one cell and pass [nCells, nGenes].`,
    );
  }
  const nCells = attributions.length / nGenes;
  const sum = new Float64Array(nGenes);
  const sumAbs = new Float64Array(nGenes);
  for (let c = 0; c < nCells; c++) {
    const o = c * nGenes;
    for (let g = 0; g < nGenes; g++) {
      const v = attributions[o + g];
      sum[g] += v;
      sumAbs[g] += Math.abs(v);
    }
  }
  return {
    meanSigned: Float32Array.from(sum, (v) => v / nCells),
    meanAbs: Float32Array.from(sumAbs, (v) => v / nCells),
    nCells,
  };
}

/** Merges running aggregates of disjoint cell sets (weighted by their cell counts). */
export function mergeAggregates(parts: AttributionAggregate[]): AttributionAggregate {
  const nonEmpty = parts.filter((p) => p.nCells > 0);
  if (nonEmpty.length === 0) throw new Error('There is nothing to average: select at least one cell.');
  const nGenes = nonEmpty[0].meanSigned.length;
  const nCells = nonEmpty.reduce((a, p) => a + p.nCells, 0);
  const sum = new Float64Array(nGenes);
  const sumAbs = new Float64Array(nGenes);
  for (const p of nonEmpty) {
    for (let g = 0; g < nGenes; g++) {
      sum[g] += p.meanSigned[g] * p.nCells;
      sumAbs[g] += p.meanAbs[g] * p.nCells;
    }
  }
  return { meanSigned: Float32Array.from(sum, (v) => v / nCells), meanAbs: Float32Array.from(sumAbs, (v) => v / nCells), nCells };
}

/** One row of a ranked gene table. */
export interface RankedGene {
  rank: number;
  gene: string;
  meanSigned: number;
  meanAbs: number;
}

/**
 * Genes ranked by mean |attr| (default) or by mean signed attribution (descending), ties broken by
 * gene order; `genes` `[nGenes]` matches the aggregate.
 */
export function rankGenes(
  genes: readonly string[],
  agg: Pick<AttributionAggregate, 'meanSigned' | 'meanAbs'>,
  by: 'abs' | 'signed' = 'abs',
): RankedGene[] {
  if (genes.length !== agg.meanSigned.length) {
    throw new Error(
      `The gene list has ${genes.length} names but the aggregate has ${agg.meanSigned.length} genes; use the model's gene list.`,
    );
  }
  const key = by === 'abs' ? agg.meanAbs : agg.meanSigned;
  const order = [...genes.keys()].sort((a, b) => key[b] - key[a] || a - b);
  return order.map((g, i) => ({ rank: i + 1, gene: genes[g], meanSigned: agg.meanSigned[g], meanAbs: agg.meanAbs[g] }));
}
