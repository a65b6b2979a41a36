/** Types that cross the worker boundary for the gene-regulation view (see grn_engine.ts). */
import type { GrnBadRow, GrnSign } from '../core/graph/grn.ts';
import type { ColumnMapping, GrnFormat, TableHeader } from '../core/graph/grn_formats.ts';
import type { ActivityMethod } from '../core/graph/tf_activity.ts';

export type { ColumnMapping, GrnFormat, TableHeader };

/** A loaded network as the source picker lists it. */
export interface GrnSourceInfo {
  /** 'collectri', 'trrust', or 'file:<n>' for a user file. */
  id: string;
  name: string;
  format: GrnFormat;
  nEdges: number;
  nRegulators: number;
  nTargets: number;
  /** Skipped rows, first 50, with 1-based line numbers. */
  badRows: GrnBadRow[];
  nBadRows: number;
  /** Regulators sorted by number of targets, descending (for the TF picker). */
  regulators: { tf: string; nTargets: number }[];
}

/** What a user file needs before it loads: a column mapping for a plain table. */
export type GrnFileResult = { kind: 'loaded'; source: GrnSourceInfo } | { kind: 'needs-mapping'; header: TableHeader; fileName: string };

/** Which subgraph to draw. */
export type GraphMode = 'top' | 'regulon' | 'list';

/** A subgraph request: seeds (top genes with their score, or a pasted list), a TF, hops, size in px. */
export interface GraphRequest {
  sourceId: string;
  mode: GraphMode;
  seeds: { gene: string; score: number }[];
  tf?: string;
  hops: 1 | 2;
  maxNeighbours: number;
  widthPx: number;
  heightPx: number;
  seed: number;
  /** Pinned genes (px) that keep their place. */
  pinned?: [string, number, number][];
  /** Earlier positions, so a re-layout moves genes as little as possible. */
  previous?: [string, number, number][];
}

/** One source row behind a drawn link, as the hover card shows it. */
export interface EvidenceView {
  source: string;
  sign: GrnSign;
  weight: number;
  pmids?: string[];
  confidence?: string;
}

/** A laid-out subgraph; node coordinates in px of the request's box. */
export interface GrnGraph {
  nodes: {
    id: string;
    x: number;
    y: number;
    isSeed: boolean;
    score: number | null;
    /** Distinct partners in the whole GRN. */
    degree: number;
    /** The gene is a column of the open dataset. */
    isInData: boolean;
    /** The gene regulates something in this GRN. */
    isRegulator: boolean;
  }[];
  links: { source: number; target: number; sign: GrnSign; weight: number; evidence: EvidenceView[] }[];
  dropped: number;
  sourceName: string;
  nEdgesInSource: number;
  mode: GraphMode;
  layoutMs: number;
  /** Force-simulation ticks the layout ran (ticks per second = layoutTicks / layoutMs * 1000). */
  layoutTicks: number;
  seed: number;
  /** The nodes' x, y again as `[nNodes * 2]` float32 px, transferred rather than copied. */
  positions: Float32Array;
}

/** TF activity of every TF over every cell (transferred, TF-major). */
export interface TfActivityView {
  sourceId: string;
  sourceName: string;
  tfs: string[];
  nCells: number;
  /** `[nTf * nCells]` float32; TF t's cells are scores[t*nCells, (t+1)*nCells). */
  scores: Float32Array;
  methods: ActivityMethod[];
  nTargets: Uint32Array;
  /** The threshold below which a TF is scored by weighted mean. */
  minTargets: number;
  /** Genes of the dataset the regression runs over (n in the t statistic). */
  nGenes: number;
  /** What the scores were computed from, as a sentence. */
  input: string;
  ms: number;
}

/** Model-derived edges among given genes. */
export interface ModelEdgesView {
  kind: 'decoder-jacobian' | 'attribution-correlation';
  /** Genes (as asked) that are model inputs; edges index into this list. */
  genes: string[];
  edges: { a: number; b: number; value: number }[];
  /** How it was computed, as a sentence (for the legend and exports). */
  method: string;
  ms: number;
}
