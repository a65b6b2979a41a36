/** Types that cross the worker boundary (structured-cloned or transferred). */
import type { BackendChoice, BackendName, ProbeTimes } from '../compute/backend.ts';
import type { ObsColumn, Embedding } from '../core/data/dataset.ts';
import type { ClassifierManifest, EmbeddingManifest, RegressorManifest, VaeManifest } from '../core/model/manifest.ts';
import type { QuadratureRuleName } from '../core/attribution/quadrature.ts';
import type { DatasetRecord } from '../storage/dataset_cache.ts';
import type { ReadChoices, ReadOptionsOffered } from './open_files.ts';

export type { ReadChoices, ReadOptionsOffered };

export type { BackendChoice, BackendName, ProbeTimes };
export type { AttributeRequest, AttributeResult, AttributionMethod, AttributionTarget } from './attribution_jobs.ts';

/** What the UI needs of a dataset; the expression matrix itself stays in the worker. */
export interface DatasetView {
  name: string;
  /** Content hash (SHA-256 of the canonical CSR arrays, gene names and cell ids). */
  hash: string;
  source: 'demo' | 'file' | 'cache';
  fileName: string;
  /** A sentence on where the data lives now (cached, memory only and why). */
  cacheNote: string;
  /** What the reader chose or skipped, as sentences (e.g. "Read raw/X: X is scaled."). */
  notes: string[];
  valueKind: 'counts' | 'normalized';
  nCells: number;
  nGenes: number;
  nnz: number;
  cellIds: string[];
  genes: string[];
  obs: Record<string, ObsColumn>;
  obsm: Record<string, Embedding>;
  provenance: string;
  loadMs: number;
  /** Read choices the file offered (h5ad matrices, table orientation); absent for the demo and the cache. */
  offered?: ReadOptionsOffered;
  /** Where the time went, ms: readMs (parse), hashMs, cacheWriteMs (file opens). */
  timings: Record<string, number>;
}

/** A dataset in the IndexedDB cache, as the Data list shows it (its record without the header and checksums). */
export type CachedDatasetView = Omit<DatasetRecord, 'header' | 'chunkHashes'>;

/** Both demo models as loaded, with how the dataset's genes lined up with theirs. */
export interface ModelsView {
  classifier: ClassifierManifest;
  vae: VaeManifest;
  /** Where each active model came from: the app's bundled demo models or the user's files. */
  source?: { classifier: 'bundled' | 'user'; vae: 'bundled' | 'user' };
  /** What the app assumed about a user model that came without a manifest, one sentence each. */
  assumptions?: string[];
  /** The user model's tfjs format. */
  format?: 'layers-model' | 'graph-model';
  /** The user's regressor or embedding model, open beside the classifier and VAE; null or absent when none. */
  extra?: RegressorManifest | EmbeddingManifest | null;
  alignment: {
    nMatched: number;
    nModelGenes: number;
    /** Missing model genes (first 200), filled with 0. */
    missing: string[];
    byRoute: Record<'exact' | 'case' | 'ensembl' | 'alias' | 'ortholog', number>;
    isTrustworthy: boolean;
    isOrthologMappingSuggested: boolean;
    isOrthologMapped: boolean;
    message: string;
  };
  /** SHA-256 over both models' manifests and weights (keys derived results; printed in exports). */
  modelHash: string;
  loadMs: number;
}

/** Per-cell model outputs for every cell. */
export interface Predictions {
  /** `[nCells, nClasses]` softmax probabilities. */
  probabilities: Float32Array;
  /** `[nCells]` argmax class index. */
  predicted: Int32Array;
  ms: number;
  /** True when read from the derived-results cache (dataset hash + model hash) instead of computed. */
  fromCache?: boolean;
}

/** Latent means for every cell. */
export interface Latent {
  /** `[nCells, latentDim]` encoder means z. */
  z: Float32Array;
  latentDim: number;
  ms: number;
  /** True when read from the derived-results cache (dataset hash + model hash) instead of computed. */
  fromCache?: boolean;
}

/** A regressor's or embedding's output for every cell. */
export interface ExtraOutputs {
  kind: 'regressor' | 'embedding';
  /** The model's name (manifest). */
  name: string;
  /** Output names: the regressor's, or `dim 1..K`. */
  names: string[];
  nOut: number;
  /** `[nCells, nOut]` float32, in the model's output units. */
  values: Float32Array;
  ms: number;
}

export type BaselineKind = 'zeros' | 'mean';
/** A class logit or probability, or column `outputIndex` of the open regressor / embedding. */
export type TargetKind = 'logit' | 'probability' | 'output';

/** Settings of an integrated-gradients run for one cell. */
export interface ExplainRequest {
  cell: number;
  baseline: BaselineKind;
  steps: number;
  rule: QuadratureRuleName;
  target: TargetKind;
  /** Class to explain; default the predicted class. */
  classIndex?: number;
  /** With target 'output': the regressor output or embedding dimension (0-based). */
  outputIndex?: number;
}

/** One gene's attribution, with its model-input expression in the cell. */
export interface GeneAttribution {
  gene: string;
  attribution: number;
  expression: number;
}

/** Integrated gradients for one cell and the completeness check. */
export interface ExplainResult {
  request: ExplainRequest;
  classIndex: number;
  className: string;
  /** Top genes by |attribution|, descending. */
  top: GeneAttribution[];
  /** `[nModelGenes]` every attribution, model gene order. */
  attributions: Float32Array;
  fx: number;
  fBaseline: number;
  deltaAbs: number;
  deltaRel: number;
  backend: BackendName;
  ms: number;
  /** True when this came from the derived-results cache (same dataset, model, cell, settings, backend). */
  fromCache?: boolean;
}

/** Progress callback: fraction in [0, 1] and a short label. */
export type ProgressFn = (fraction: number, label: string) => void;

/** One gene's expression for every cell (colour by gene). */
export interface GeneColumn {
  /** The dataset's own spelling of the symbol. */
  symbol: string;
  /** `[nCells]` float32 expression. */
  values: Float32Array;
  /** 'log1p(CP10k)' for count data; 'as in the file' for data that was already normalised. */
  units: string;
  /** Cells where the gene was detected. */
  nNonZero: number;
  /** One-time cost of building the CSC copy (0 after the first gene), ms. */
  prepareMs: number;
  /** Time to read this gene's column, ms. */
  extractMs: number;
}

/** A computed 2-D layout and how long it took. */
export interface ComputedLayout {
  /** `[nCells * 2]` float32. */
  coords: Float32Array;
  /** Variance explained by each axis (PCA only). */
  explained?: number[];
  ms: number;
}
