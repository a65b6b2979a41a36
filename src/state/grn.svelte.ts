/**
 * State of the gene-regulation view (bottom panel): which network, which subgraph, the laid-out
 * graph, pinned genes, the encoding, the model-derived edge layer and TF activity. The view calls
 * `refresh()` when its inputs change; heavy work runs in the worker (engine.regulation).
 */
import type { AppState } from './app.svelte.ts';
import type { EngineRemote } from '../workers/client.ts';
import { runJob } from '../workers/client.ts';
import type { Remote } from 'comlink';
import type { GrnEngine } from '../workers/grn_engine.ts';
import { contrastActivity, type ActivityContrast, type TfActivity } from '../core/graph/tf_activity.ts';
import type {
  ColumnMapping,
  GraphMode,
  GrnGraph,
  GrnSourceInfo,
  ModelEdgesView,
  TableHeader,
  TfActivityView,
} from '../workers/grn_protocol.ts';

/** Shipped networks: id, label, URL relative to the page. */
export const SHIPPED_GRNS = [
  { id: 'collectri', label: 'CollecTRI (human)', url: './data/grn/collectri_human.csv' },
  { id: 'trrust', label: 'TRRUST v2 (human)', url: './data/grn/trrust_human.tsv' },
] as const;

/** Generic seed scores for the "top genes" mode: gene -> signed score, with what they are. */
export interface SeedScores {
  scores: Map<string, number>;
  /** e.g. "IG attribution to B, cell AAAC…" */
  label: string;
  /** Short name of the target (class) for legends. */
  target: string;
  /** What ranks genes for "top k" when it differs from |score| (the selection's mean |attribution|). */
  rank?: Map<string, number>;
}

export type NodeColorBy = 'attribution' | 'expression';
export type NodeSizeBy = 'attribution' | 'degree';

/** How the graph is drawn: SVG (small graphs, export), WebGL2 under a label canvas, or Canvas 2D alone. */
export type GraphRenderer = 'svg' | 'webgl' | 'canvas';

/** Benchmark frames: rAF-to-rAF ms, the synchronous draw call ms, and its phases (ms by name), per frame. */
export interface FrameMeasure {
  frameMs: number[];
  drawMs: number[];
  phaseMs: Record<string, number>[];
  renderer: GraphRenderer;
}

/** Above this many nodes the graph is drawn on a canvas (WebGL2, else Canvas 2D); SVG below (and always for export). */
export const CANVAS_MIN_NODES = 500;

const abs = (path: string) => new URL(path, location.href).href;

export class GrnState {
  sources = $state.raw<GrnSourceInfo[]>([]);
  sourceId = $state('collectri');
  mode = $state<GraphMode>('top');
  topK = $state(20);
  hops = $state<1 | 2>(1);
  maxNeighbours = $state(40);
  tf = $state('STAT1');
  geneListText = $state('');
  layoutSeed = $state(7);
  graph = $state.raw<GrnGraph | null>(null);
  /** Current node positions `[nNodes * 2]` px (layout, then drags); replaced on every change. */
  positions = $state.raw<Float32Array>(new Float32Array(0));
  pinned = $state.raw<ReadonlySet<string>>(new Set());
  error = $state<string | null>(null);
  isBusy = $state(false);
  colorBy = $state<NodeColorBy>('attribution');
  sizeBy = $state<NodeSizeBy>('attribution');
  /** Force a renderer (bench); null = automatic by node count (and WebGL2 when the browser has it). */
  rendererOverride = $state<GraphRenderer | null>(null);
  /** Canvas 2D path: cached layers while the view moves (the app's), or a full redraw per frame, fast or as last session drew it (benchmark). */
  canvasPath = $state<'layers' | 'redraw' | 'baseline'>('layers');
  /** Mean expression per node in the selection (or the clicked cell), NaN outside the data. */
  nodeExpression = $state.raw<Float32Array | null>(null);
  expressionLabel = $state('');
  /** A user file waiting for its column mapping. */
  pendingFile = $state.raw<{ file: File; header: TableHeader } | null>(null);
  /** Model-derived edge layer. */
  isModelLayerOn = $state(false);
  modelKind = $state<ModelEdgesView['kind']>('decoder-jacobian');
  modelThreshold = $state(0.8);
  modelEdges = $state.raw<ModelEdgesView | null>(null);
  /** TF activity of every TF in every cell, for the chosen source. */
  activity = $state.raw<TfActivityView | null>(null);
  activityTf = $state<string | null>(null);
  searchHit = $state<string | null>(null);
  /** Seeds come from the selection's explanation (true) or the clicked cell's (false): whichever came last. */
  isSelectionPreferred = $state(false);
  size = { widthPx: 1100, heightPx: 260 };
  /** Set by the drawing: screen time of `frames` pans (benchmark). */
  benchFrames: ((frames: number, maxMs?: number) => Promise<FrameMeasure>) | null = null;
  /** Set by the drawing: how many times the canvas path drew its cached layers whole (tests). */
  canvasLayerDraws: (() => number | null) | null = null;
  /** Set by the drawing: screen time of drag moves (benchmark; see GraphDrawing.measureDrag). */
  benchDrag: ((frames: number, isWholeRedraw: boolean, maxMs?: number) => Promise<{ frameMs: number[]; drawMs: number[] }>) | null = null;

  /** The worker's GRN engine: Comlink forwards nested method calls (path regulation.<method>). */
  private regulation: Remote<GrnEngine>;

  constructor(
    private app: AppState,
    private engine: EngineRemote,
  ) {
    this.regulation = engine.regulation as unknown as Remote<GrnEngine>;
  }

  /** Seed scores for "top genes": the selection's mean attribution (ranked by mean |attribution|) when explained, else the clicked cell's IG. */
  get seedScores(): SeedScores | null {
    const sel = this.app.explainSelection;
    if (sel && (this.isSelectionPreferred || !this.app.explain)) {
      const scores = new Map<string, number>();
      const rank = new Map<string, number>();
      sel.genes.forEach((g, i) => {
        scores.set(g, sel.meanSigned[i]);
        rank.set(g, sel.meanAbs[i]);
      });
      return { scores, rank, label: `mean attribution, ${sel.label}`, target: sel.label };
    }
    const ex = this.app.explain;
    const genes = this.app.models?.classifier.input.genes;
    if (!ex || !genes) return null;
    const scores = new Map<string, number>();
    genes.forEach((g, j) => scores.set(g, ex.attributions[j]));
    const cell = this.app.dataset?.cellIds[ex.request.cell] ?? `cell ${ex.request.cell}`;
    return { scores, label: `IG attribution to ${ex.className} (logit), cell ${cell}`, target: ex.className };
  }

  /** The top-k genes by rank (mean |attribution| for a selection, else |score|). */
  topSeeds(k: number): { gene: string; score: number }[] {
    const s = this.seedScores;
    if (!s) return [];
    const key = (gene: string, score: number) => s.rank?.get(gene) ?? Math.abs(score);
    return [...s.scores.entries()]
      .sort((a, b) => key(b[0], b[1]) - key(a[0], a[1]))
      .slice(0, k)
      .map(([gene, score]) => ({ gene, score }));
  }

  /** Symbols pasted into the gene list (spaces, commas, semicolons or new lines), de-duplicated. */
  get pastedGenes(): string[] {
    return [
      ...new Set(
        this.geneListText
          .split(/[\s,;]+/)
          .map((g) => g.trim())
          .filter((g) => g !== ''),
      ),
    ];
  }

  get source(): GrnSourceInfo | undefined {
    return this.sources.find((s) => s.id === this.sourceId);
  }

  /** Loads a shipped network (once) and makes it current. */
  async useShipped(id: string): Promise<void> {
    const shipped = SHIPPED_GRNS.find((s) => s.id === id);
    if (!shipped) return;
    try {
      const info = await this.regulation.loadShipped(shipped.id, abs(shipped.url));
      if (!this.sources.some((s) => s.id === info.id)) this.sources = [...this.sources, info];
      this.sourceId = info.id;
    } catch (err) {
      this.error = message(err);
    }
  }

  /** Reads a user file; a plain table waits in `pendingFile` for its column mapping. */
  async openFile(file: File, mapping?: ColumnMapping): Promise<void> {
    this.error = null;
    try {
      const result = await this.regulation.loadFile(file, mapping);
      if (result.kind === 'needs-mapping') {
        this.pendingFile = { file, header: result.header };
        return;
      }
      this.pendingFile = null;
      this.sources = [...this.sources, result.source];
      this.sourceId = result.source.id;
      this.activity = null;
    } catch (err) {
      this.error = message(err);
    }
  }

  /** Cuts and lays out the current subgraph in the worker; keeps pinned genes where they are. */
  async refresh(): Promise<void> {
    if (!this.sources.some((s) => s.id === this.sourceId)) await this.useShipped(this.sourceId);
    const seeds =
      this.mode === 'top'
        ? this.topSeeds(this.topK)
        : this.mode === 'list'
          ? this.pastedGenes.map((gene) => ({ gene, score: this.seedScores?.scores.get(gene) ?? 0 }))
          : [];
    if (this.mode === 'top' && seeds.length === 0) {
      this.graph = null;
      return;
    }
    const pinned: [string, number, number][] = [];
    const previous: [string, number, number][] = [];
    this.graph?.nodes.forEach((n, i) => {
      const entry: [string, number, number] = [n.id, this.positions[2 * i], this.positions[2 * i + 1]];
      if (this.pinned.has(n.id)) pinned.push(entry);
      else previous.push(entry);
    });
    this.isBusy = true;
    try {
      const graph = await this.regulation.graph({
        sourceId: this.sourceId,
        mode: this.mode,
        seeds,
        tf: this.tf,
        hops: this.hops,
        maxNeighbours: this.maxNeighbours,
        widthPx: this.size.widthPx,
        heightPx: this.size.heightPx,
        seed: this.layoutSeed,
        pinned,
        // With pins, the others start where they were so the picture changes as little as possible.
        previous: pinned.length > 0 ? previous : [],
      });
      this.error = null;
      this.setGraph(graph);
      await this.refreshExpression();
      await this.refreshModelEdges();
    } catch (err) {
      this.error = message(err);
    } finally {
      this.isBusy = false;
    }
  }

  /** Shows `graph` (positions from its layout; pins that are no longer nodes are dropped). */
  setGraph(graph: GrnGraph): void {
    this.graph = graph;
    this.positions = graph.positions;
    const ids = new Set(graph.nodes.map((n) => n.id));
    this.pinned = new Set([...this.pinned].filter((id) => ids.has(id)));
  }

  /** Draws a seeded random graph of the given size (benchmark); returns the worker's layout time. */
  async showSynthetic(nNodes: number, nEdges: number, seed = 1): Promise<number> {
    const graph = await this.regulation.syntheticGraph(nNodes, nEdges, seed, this.size.widthPx, this.size.heightPx);
    this.pinned = new Set();
    this.nodeExpression = null;
    this.modelEdges = null;
    this.setGraph(graph);
    return graph.layoutMs;
  }

  /** Moves node `i` to (x, y) px and pins it. */
  drag(i: number, x: number, y: number): void {
    const next = this.positions.slice();
    next[2 * i] = x;
    next[2 * i + 1] = y;
    this.positions = next;
    const id = this.graph?.nodes[i]?.id;
    if (id && !this.pinned.has(id)) this.pinned = new Set([...this.pinned, id]);
  }

  /** Unpins node `i` and lays the graph out again around the remaining pins. */
  async unpin(i: number): Promise<void> {
    const id = this.graph?.nodes[i]?.id;
    if (!id || !this.pinned.has(id)) return;
    const next = new Set(this.pinned);
    next.delete(id);
    this.pinned = next;
    await this.refresh();
  }

  /** Mean expression of the drawn genes in the selection (or the clicked cell when nothing is selected). */
  async refreshExpression(): Promise<void> {
    const graph = this.graph;
    const n = this.app.dataset?.nCells ?? 0;
    if (!graph || n === 0) return;
    let mask = this.app.selection.primary;
    let label = `${this.app.selection.primaryCount.toLocaleString()} selected cells`;
    if (!mask) {
      const cell = this.app.selectedCell;
      if (cell === null) {
        mask = new Uint8Array(n).fill(1);
        label = 'all cells';
      } else {
        mask = new Uint8Array(n);
        mask[cell] = 1;
        label = `cell ${this.app.dataset?.cellIds[cell] ?? cell}`;
      }
    }
    try {
      this.nodeExpression = await this.regulation.meanExpression(
        graph.nodes.map((nd) => nd.id),
        mask,
      );
      this.expressionLabel = label;
    } catch (err) {
      this.error = message(err);
    }
  }

  /** Recomputes the model-derived layer for the drawn genes (when it is on). */
  async refreshModelEdges(): Promise<void> {
    if (!this.isModelLayerOn || !this.graph) {
      this.modelEdges = null;
      return;
    }
    const latent = this.app.latent;
    let meanLatent: Float32Array | undefined;
    if (latent) {
      const d = latent.latentDim;
      const n = latent.z.length / d;
      const sum = new Float64Array(d);
      for (let i = 0; i < n; i++) for (let k = 0; k < d; k++) sum[k] += latent.z[i * d + k];
      meanLatent = Float32Array.from(sum, (v) => v / n);
    }
    const classIndex = this.app.explain?.classIndex ?? 0;
    try {
      this.modelEdges = await this.regulation.modelEdges(
        this.modelKind,
        this.graph.nodes.map((nd) => nd.id),
        // The worker returns everything above the lowest threshold the slider offers; the view filters.
        0.5,
        { meanLatent, classIndex },
      );
    } catch (err) {
      this.error = message(err);
      this.modelEdges = null;
    }
  }

  /** Computes TF activity for every TF of the current source over every cell (worker, cancellable). */
  async computeActivity(): Promise<void> {
    const label = 'TF activity';
    try {
      const job = runJob(
        this.engine,
        (id, p) => this.regulation.tfActivity(id, this.sourceId, p),
        (fraction) => {
          const t = this.app.tasks.find((x) => x.id === job.id);
          if (t) t.fraction = fraction;
        },
      );
      this.app.tasks.push({ id: job.id, label, fraction: 0, cancel: job.cancel });
      try {
        this.activity = await job.result;
      } finally {
        this.app.tasks = this.app.tasks.filter((x) => x.id !== job.id);
      }
      this.error = null;
      if (this.activityTf && this.activity.tfs.includes(this.activityTf)) this.publishTf(this.activityTf);
    } catch (err) {
      if (!String(err).includes('cancelled')) this.error = message(err);
    }
  }

  /** TFs ranked by Welch's t between the selection and the rest (empty without a selection). */
  get contrast(): ActivityContrast[] {
    const a = this.activity;
    const mask = this.app.selection.primary;
    if (!a || !mask || mask.length !== a.nCells) return [];
    const activity: TfActivity = { tfs: a.tfs, nCells: a.nCells, scores: a.scores, methods: a.methods, nTargets: a.nTargets };
    return contrastActivity(activity, mask);
  }

  /** Publishes TF `tf`'s activity as a colour-by column `tf:<TF>` and colours the scatter by it. */
  publishTf(tf: string, isColoring = false): void {
    const a = this.activity;
    if (!a) return;
    const t = a.tfs.indexOf(tf);
    if (t < 0) return;
    const isWmean = a.methods[t] === 'wmean';
    this.activityTf = tf;
    this.app.publishColumn(`tf:${tf}`, {
      title: `${tf} activity (${a.sourceName}, ${isWmean ? `weighted mean, ${a.nTargets[t]} targets` : `ULM, ${a.nTargets[t]} targets`})`,
      values: a.scores.slice(t * a.nCells, (t + 1) * a.nCells),
      isSigned: true,
      units: isWmean ? 'weighted mean expression' : 'ULM t',
    });
    if (isColoring) this.app.colorBy = `tf:${tf}`;
  }

  /** Finds a drawn gene by symbol (case-insensitive, then prefix); returns its index or -1. */
  find(query: string): number {
    const q = query.trim().toUpperCase();
    if (!q || !this.graph) return -1;
    const nodes = this.graph.nodes;
    let i = nodes.findIndex((n) => n.id.toUpperCase() === q);
    if (i < 0) i = nodes.findIndex((n) => n.id.toUpperCase().startsWith(q));
    this.searchHit = i >= 0 ? nodes[i].id : null;
    return i;
  }
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
