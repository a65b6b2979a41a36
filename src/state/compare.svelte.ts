/**
 * State of the Compare tab: which two groups, the DE table (run in the worker with progress and
 * cancel), its sort and filter, and the genes shown in the violin and dot plots.
 */
import type { AppState } from './app.svelte.ts';
import type { EngineRemote, Job } from '../workers/client.ts';
import type { DeResult } from '../core/stats/differential_expression.ts';
import type { GeneSummary } from '../core/stats/gene_summary.ts';
import { csvWithProvenance } from '../core/provenance.ts';
import { groupLabel, groupMask, maskCount, type GroupKey } from './groups.ts';
import { isCancellation, startTask } from './track.ts';

/** One row of the DE table (index into the result's arrays plus the gene symbol). */
export interface DeRow {
  i: number;
  gene: string;
}

/** A DE result as the tab holds it: what was compared, on which dataset, and how long it took. */
export interface DeView extends DeResult {
  labelA: string;
  labelB: string;
  datasetHash: string;
  /** Gene symbols `[nGenesKept]`. */
  symbols: string[];
  ms: number;
}

/** Columns the table sorts by. */
export type DeSortKey = 'wilcoxonP' | 'welchP' | 'logfc' | 'absLogfc' | 'welchT' | 'gene';

/** How the gene plots group cells: by a categorical column, or the two compared groups. */
export type PlotGrouping = { kind: 'column'; column: string } | { kind: 'predicted' } | { kind: 'ab' };

export class CompareState {
  groupA = $state<GroupKey>('selection');
  groupB = $state<GroupKey>('rest');
  result = $state.raw<DeView | null>(null);
  error = $state<string | null>(null);
  isRunning = $state(false);
  sortKey = $state<DeSortKey>('wilcoxonP');
  /** Show only genes up in A (positive log fold change), as marker lists do. */
  isUpOnly = $state(false);
  filter = $state('');
  hoveredGene = $state<number | null>(null);
  /** Genes of the violin/dot plots (symbols). */
  plotGenes = $state<string[]>([]);
  plotGrouping = $state<PlotGrouping>({ kind: 'column', column: 'label' });
  plotKind = $state<'violin' | 'dot'>('violin');
  plots = $state.raw<{ genes: string[]; groups: string[]; summaries: GeneSummary[] } | null>(null);
  plotError = $state<string | null>(null);
  private job: Job<unknown> | null = null;

  constructor(
    private app: AppState,
    private engine: EngineRemote,
  ) {}

  /** Rows in table order (sorted, filtered). */
  get rows(): DeRow[] {
    const r = this.result;
    if (!r) return [];
    const q = this.filter.trim().toUpperCase();
    const rows: DeRow[] = [];
    for (let i = 0; i < r.gene.length; i++) {
      if (this.isUpOnly && !(r.logfc[i] > 0)) continue;
      if (q && !r.symbols[i].toUpperCase().includes(q)) continue;
      rows.push({ i, gene: r.symbols[i] });
    }
    const key = this.sortKey;
    const by: Record<DeSortKey, (a: DeRow, b: DeRow) => number> = {
      // Ties in p (0 underflow, 1) fall back to the size of the effect.
      wilcoxonP: (a, b) => r.wilcoxonP[a.i] - r.wilcoxonP[b.i] || Math.abs(r.wilcoxonZ[b.i]) - Math.abs(r.wilcoxonZ[a.i]),
      welchP: (a, b) => r.welchP[a.i] - r.welchP[b.i] || Math.abs(r.welchT[b.i]) - Math.abs(r.welchT[a.i]),
      logfc: (a, b) => r.logfc[b.i] - r.logfc[a.i],
      absLogfc: (a, b) => Math.abs(r.logfc[b.i]) - Math.abs(r.logfc[a.i]),
      welchT: (a, b) => Math.abs(r.welchT[b.i]) - Math.abs(r.welchT[a.i]),
      gene: (a, b) => (a.gene < b.gene ? -1 : a.gene > b.gene ? 1 : 0),
    };
    return rows.sort(by[key]);
  }

  /** Runs DE of group A against group B in the worker (a running comparison is cancelled first). */
  async run(): Promise<void> {
    this.error = null;
    this.job?.cancel();
    const ds = this.app.dataset;
    if (!ds) return;
    let maskA: Uint8Array;
    let maskB: Uint8Array;
    try {
      maskA = groupMask(this.app, this.groupA);
      maskB = groupMask(this.app, this.groupB, maskA);
    } catch (err) {
      this.error = (err as Error).message;
      return;
    }
    const labelA = groupLabel(this.app, this.groupA);
    const labelB = this.groupB === 'rest' ? `the rest (${maskCount(maskB).toLocaleString()} cells)` : groupLabel(this.app, this.groupB);
    this.isRunning = true;
    const job = startTask(this.app, this.engine, 'Differential expression', (id, p) =>
      this.engine.differentialExpression(id, maskA, maskB, p),
    );
    this.job = job;
    try {
      const res = await job.result;
      if (this.job !== job) return;
      this.result = { ...res, labelA, labelB, datasetHash: ds.hash, symbols: Array.from(res.gene, (j) => ds.genes[j]) };
      this.sortKey = 'wilcoxonP';
      // The plots follow the comparison: its top genes up in A, across A and B.
      const top = this.rows.filter((row) => res.logfc[row.i] > 0).slice(0, 4);
      this.plotGenes = top.map((row) => row.gene);
      this.plotGrouping = { kind: 'ab' };
      void this.refreshPlots();
    } catch (err) {
      if (!isCancellation(err)) this.error = (err as Error).message;
    } finally {
      if (this.job === job) {
        this.isRunning = false;
        this.job = null;
      }
    }
  }

  /** Stops a running comparison. */
  cancel(): void {
    this.job?.cancel();
  }

  /** The DE table as CSV with provenance (every gene tested, in the table's order). */
  csv(): string {
    const r = this.result;
    if (!r) return '';
    const rows = this.rows.map(({ i, gene }) => [
      gene,
      r.nA,
      r.nB,
      r.meanA[i],
      r.meanB[i],
      r.fracA[i],
      r.fracB[i],
      r.logfc[i],
      r.welchT[i],
      r.welchDf[i],
      r.welchP[i],
      r.welchPBh[i],
      r.wilcoxonU[i],
      r.wilcoxonZ[i],
      r.wilcoxonP[i],
      r.wilcoxonPBh[i],
    ]);
    return csvWithProvenance(
      `Differential expression: ${r.labelA} vs ${r.labelB}`,
      this.app.provenance({
        method:
          "Welch's t-test (two-sided); Mann-Whitney U / Wilcoxon rank-sum (two-sided, normal approximation, tie and continuity correction); Benjamini-Hochberg over the genes listed",
        target: `group A = ${r.labelA} (${r.nA} cells); group B = ${r.labelB} (${r.nB} cells)`,
        extra: {
          expression: r.scaleName,
          logfc: 'log2((expm1(mean_a) + 1e-9) / (expm1(mean_b) + 1e-9)), means on the log1p scale (scanpy)',
          genes_tested: r.gene.length,
          filter: this.filter ? `symbol contains "${this.filter}"` : this.isUpOnly ? 'logfc > 0' : 'none',
        },
      }),
      [
        'gene',
        'n_a',
        'n_b',
        'mean_a',
        'mean_b',
        'frac_expressing_a',
        'frac_expressing_b',
        'logfc',
        'welch_t',
        'welch_df',
        'welch_p',
        'welch_p_bh',
        'wilcoxon_u',
        'wilcoxon_z',
        'wilcoxon_p',
        'wilcoxon_p_bh',
      ],
      rows,
    );
  }

  /** Adds a gene (symbol as typed, matched case-insensitively) to the plots; returns an error sentence or null. */
  addPlotGene(symbol: string): string | null {
    const genes = this.app.dataset?.genes ?? [];
    const want = symbol.trim().toUpperCase();
    if (!want) return null;
    const found = genes.find((g) => g.toUpperCase() === want);
    if (!found) return `${symbol.trim()} is not a gene of this dataset. Check the spelling, or pick one from the suggestions.`;
    if (!this.plotGenes.includes(found)) this.plotGenes = [...this.plotGenes, found].slice(-12);
    void this.refreshPlots();
    return null;
  }

  removePlotGene(symbol: string): void {
    this.plotGenes = this.plotGenes.filter((g) => g !== symbol);
    void this.refreshPlots();
  }

  /** Group names and per-cell codes for the gene plots. */
  private plotGroups(): { names: string[]; codes: Int32Array } {
    const ds = this.app.dataset!;
    const g = this.plotGrouping;
    if (g.kind === 'ab') {
      const a = groupMask(this.app, this.groupA);
      const b = groupMask(this.app, this.groupB, a);
      const codes = Int32Array.from(a, (v, i) => (v ? 0 : b[i] ? 1 : -1));
      return { names: [groupLabel(this.app, this.groupA), this.groupB === 'rest' ? 'the rest' : groupLabel(this.app, this.groupB)], codes };
    }
    if (g.kind === 'predicted') {
      if (!this.app.predictions) throw new Error('The model has not predicted cell types yet.');
      return { names: this.app.models?.classifier.output.classes ?? [], codes: Int32Array.from(this.app.predictions.predicted) };
    }
    const col = ds.obs[g.column];
    if (col?.type !== 'categorical') throw new Error(`${g.column} is not a categorical column of this dataset.`);
    return { names: col.categories, codes: col.codes };
  }

  /** Recomputes the violin/dot summaries in the worker for the chosen genes and grouping. */
  async refreshPlots(): Promise<void> {
    const ds = this.app.dataset;
    this.plotError = null;
    if (!ds || this.plotGenes.length === 0) {
      this.plots = null;
      return;
    }
    try {
      const { names, codes } = this.plotGroups();
      const genes = [...this.plotGenes];
      const index = new Map(ds.genes.map((s, j) => [s, j]));
      const summaries = await this.engine.geneSummaries(
        genes.map((s) => index.get(s) ?? -1),
        codes,
        names.length,
      );
      this.plots = { genes, groups: names, summaries };
    } catch (err) {
      this.plotError = (err as Error).message;
    }
  }

  /** Forget results of another dataset. */
  reset(): void {
    this.job?.cancel();
    this.result = null;
    this.plots = null;
    this.plotGenes = [];
    this.error = null;
    this.groupA = 'selection';
    this.groupB = 'rest';
  }
}
