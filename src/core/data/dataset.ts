import type { CsrMatrix } from './csr.ts';

/** A categorical obs column: `codes` [nCells] index into `categories` (-1 = missing). */
export interface CategoricalColumn {
  type: 'categorical';
  categories: string[];
  codes: Int32Array;
  /** Optional colours per category, e.g. from AnnData `uns['<key>_colors']`. */
  colors?: string[];
}

/** A numeric obs column: `values` [nCells]. */
export interface NumericColumn {
  type: 'numeric';
  values: Float32Array;
}

export type ObsColumn = CategoricalColumn | NumericColumn;

/** A ready-made embedding from the file: `values` [nCells * dim] row-major float32. */
export interface Embedding {
  dim: number;
  values: Float32Array;
}

/** An expression dataset as the app holds it in memory. */
export interface Dataset {
  name: string;
  /** `[nCells, nGenes]`: raw counts when `valueKind` is 'counts'. */
  matrix: CsrMatrix;
  valueKind: 'counts' | 'normalized';
  /** Gene symbols, `[nGenes]`. */
  genes: string[];
  /** Ensembl ids where known, `[nGenes]` ('' when unknown). */
  geneIds?: string[];
  /** Cell ids (barcodes), `[nCells]`, unique. */
  cellIds: string[];
  obs: Record<string, ObsColumn>;
  obsm: Record<string, Embedding>;
  /** Where the data came from and under what licence (shown in the UI and exports). */
  provenance?: string;
  /**
   * Sentences a reader wants the user to see about what it changed or assumed (e.g. duplicated
   * gene symbols renamed, a guessed orientation). Read-time only: not part of the content hash or cache.
   */
  notes?: string[];
}

/** Builds a categorical column from per-cell strings; categories are sorted by frequency, then name. */
export function categoricalFromStrings(values: string[]): CategoricalColumn {
  const counts = new Map<string, number>();
  for (const v of values) counts.set(v, (counts.get(v) ?? 0) + 1);
  const categories = [...counts.keys()].sort((a, b) => counts.get(b)! - counts.get(a)! || (a < b ? -1 : 1));
  const index = new Map(categories.map((c, i) => [c, i]));
  const codes = new Int32Array(values.length);
  for (let i = 0; i < values.length; i++) codes[i] = index.get(values[i])!;
  return { type: 'categorical', categories, codes };
}
