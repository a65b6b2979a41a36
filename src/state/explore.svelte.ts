/**
 * The latent-space explorer's state: which layouts exist and their computed positions (latent
 * dimensions, PCA of the expression, UMAP), what "colour by" means for every key the app uses,
 * the per-cell colours that follow, and the scatter's display settings (point size, opacity,
 * density mode, selection tool). AppState owns `layout` and `colorBy`; this class resolves them.
 */
import type { AppState, LayoutKey } from './app.svelte.ts';
import type { EngineRemote } from '../workers/client.ts';
import type { ComputedLayout, GeneColumn } from '../workers/protocol.ts';
import {
  buildLut,
  categoriesToRgba,
  continuousDomain,
  greyOutside,
  TOL_CATEGORICAL,
  valuesToRgba,
  type ContinuousMapName,
  type Domain,
} from '../core/color/colormap.ts';
import { clippedDomain, type ClippedDomain } from '../core/color/percentile.ts';
import { categoricalLut, codesToValues, VALUE_LUT_SIZE, type ValueColoring } from '../core/color/value_coloring.ts';

/** A colouring by category: codes `[nCells]` (-1 = missing) into `categories`, with a palette. */
export interface CategoricalColoring {
  kind: 'categorical';
  key: string;
  title: string;
  categories: string[];
  codes: Int32Array;
  palette: string[];
  /** Where the palette came from: the file's `uns['<key>_colors']`, or Tol's colour-blind-safe set. */
  paletteSource: 'file' | 'tol';
}

/** A colouring by a number per cell. */
export interface ContinuousColoring {
  kind: 'continuous';
  key: string;
  title: string;
  units: string;
  /** `[nCells]` float32; NaN = no value. */
  values: Float32Array;
  isSigned: boolean;
  map: ContinuousMapName;
  domain: Domain;
  /** Set when `domain` was clipped at percentiles (clipPercentile) and cells lie beyond it; null for the full range. */
  clip: Pick<ClippedDomain, 'low' | 'high'> | null;
}

export type Coloring = CategoricalColoring | ContinuousColoring;

/** One entry of the colour-by picker. */
export interface ColorOption {
  key: string;
  label: string;
  group: string;
}

/** Selection tool of the scatter: drag pans, or drag draws a lasso or a box. */
export type SelectTool = 'pan' | 'lasso' | 'box';

/** When the scatter draws density instead of discs. */
export type DensityMode = 'auto' | 'on' | 'off';

/** Above this many cells, 'auto' density mode switches on (discs overlap into a solid mass). */
export const DENSITY_AUTO_CELLS = 500_000;

const UMAP_NOTE = "15 exact neighbours, umap-js's optimisation";

export class ExploreState {
  /** Disc diameter in CSS px; null = automatic by the number of cells. */
  pointSizePx = $state<number | null>(null);
  /** Opacity of every disc, 0.05..1. */
  opacity = $state(0.9);
  densityMode = $state<DensityMode>('auto');
  tool = $state<SelectTool>('pan');
  /** How a lasso/box combines with the selection when no modifier key is held. */
  selectMode = $state<'replace' | 'add' | 'subtract'>('replace');
  /** The two latent dimensions of the 'latent_dims' layout (0-based). */
  latentDims = $state<[number, number]>([0, 1]);
  /** The two dimensions of the open embedding model's 'embedding_dims' layout (0-based). */
  embeddingDims = $state<[number, number]>([0, 1]);
  sequentialMap = $state<ContinuousMapName>('viridis');
  /**
   * Continuous colours span the central band up to this percentile (99: p1–p99; for signed
   * columns ±p99 of |value|), or the full range when null. Fixed ranges (confidence, entropy) stay full.
   */
  clipPercentile = $state<number | null>(null);
  divergingMap = $state<ContinuousMapName>('RdBu');
  exprPca = $state.raw<ComputedLayout | null>(null);
  umapLatent = $state.raw<ComputedLayout | null>(null);
  umapExpr = $state.raw<ComputedLayout | null>(null);
  /** Gene columns fetched from the worker, by the dataset's symbol. */
  genes = $state.raw<Record<string, GeneColumn>>({});
  /** Gene symbols being fetched. */
  pendingGenes = $state.raw<ReadonlySet<string>>(new Set());
  /** Last gene lookup that failed, as a sentence. */
  geneError = $state<string | null>(null);

  constructor(
    private app: AppState,
    private engine: EngineRemote,
  ) {}

  /** The model's outputs changed (e.g. genes remapped): layouts computed from them are recomputed on demand. */
  onModelOutputsChanged(): void {
    this.exprPca = null;
    this.umapLatent = null;
    this.umapExpr = null;
  }

  /** Forget computed layouts and gene columns (a new dataset). */
  reset(): void {
    this.exprPca = null;
    this.umapLatent = null;
    this.umapExpr = null;
    this.genes = {};
    this.pendingGenes = new Set();
    this.geneError = null;
    this.latentDims = [0, 1];
    this.embeddingDims = [0, 1];
  }

  get nCells(): number {
    return this.app.dataset?.nCells ?? 0;
  }

  /** Whether the scatter draws density now (mode, or 'auto' above DENSITY_AUTO_CELLS). */
  get isDensity(): boolean {
    return this.densityMode === 'on' || (this.densityMode === 'auto' && this.nCells >= DENSITY_AUTO_CELLS);
  }

  /** The explorer's layouts (computed ones are offered before they exist; choosing one computes it). */
  layoutOptions(): { key: LayoutKey; label: string; isComputed: boolean }[] {
    const out: { key: LayoutKey; label: string; isComputed: boolean }[] = [];
    if (this.app.latent) {
      out.push({ key: 'latent_dims', label: 'Latent dims', isComputed: true });
      out.push({ key: 'umap_latent', label: 'UMAP (latent)', isComputed: this.umapLatent !== null });
    }
    const extra = this.app.extraOutputs;
    if (extra?.kind === 'embedding' && extra.nOut >= 2) {
      out.push({ key: 'embedding_dims', label: `${extra.name} dims`, isComputed: true });
    }
    if (this.app.models) {
      out.push({ key: 'expr_pca', label: 'PCA (expression)', isComputed: this.exprPca !== null });
      out.push({ key: 'umap_expr', label: 'UMAP (expression)', isComputed: this.umapExpr !== null });
    }
    return out;
  }

  /** Positions `[n * 2]` for the explorer's layouts; undefined for layouts AppState resolves itself. */
  positionsFor(key: LayoutKey): Float32Array | null | undefined {
    switch (key) {
      case 'latent_dims':
        return this.latentDimsXY;
      case 'embedding_dims':
        return this.embeddingDimsXY;
      case 'expr_pca':
        return this.exprPca?.coords ?? null;
      case 'umap_latent':
        return this.umapLatent?.coords ?? null;
      case 'umap_expr':
        return this.umapExpr?.coords ?? null;
      default:
        return undefined;
    }
  }

  /** Axis titles of the explorer's layouts; undefined for the others. */
  axisLabels(key: LayoutKey): [string, string] | undefined {
    switch (key) {
      case 'latent_dims':
        return [`z${this.latentDims[0] + 1} (latent mean)`, `z${this.latentDims[1] + 1} (latent mean)`];
      case 'embedding_dims': {
        const name = this.app.extraOutputs?.name ?? 'embedding';
        return [`${name} dim ${this.embeddingDims[0] + 1}`, `${name} dim ${this.embeddingDims[1] + 1}`];
      }
      case 'expr_pca': {
        const e = this.exprPca?.explained ?? [0, 0];
        return [`expression PC1 (${(e[0] * 100).toFixed(0)}%)`, `expression PC2 (${(e[1] * 100).toFixed(0)}%)`];
      }
      case 'umap_latent':
        return ['UMAP 1 (of the latent means)', `UMAP 2 · ${UMAP_NOTE}`];
      case 'umap_expr':
        return ['UMAP 1 (of 30 expression PCs)', `UMAP 2 · ${UMAP_NOTE}`];
      default:
        return undefined;
    }
  }

  private dimsCache = new Map<string, { z: Float32Array; dims: string; xy: Float32Array }>();

  private get latentDimsXY(): Float32Array | null {
    const latent = this.app.latent;
    return latent ? this.twoDims('latent', latent.z, latent.latentDim, this.latentDims) : null;
  }

  private get embeddingDimsXY(): Float32Array | null {
    const extra = this.app.extraOutputs;
    return extra?.kind === 'embedding' ? this.twoDims('embedding', extra.values, extra.nOut, this.embeddingDims) : null;
  }

  /** Columns `a`, `b` of `z` `[n, d]` as `[n * 2]` positions, cached per source and pair. */
  private twoDims(source: string, z: Float32Array, d: number, [a, b]: [number, number]): Float32Array {
    const key = `${a},${b}`;
    const hit = this.dimsCache.get(source);
    if (hit?.z === z && hit.dims === key) return hit.xy;
    const n = z.length / d;
    const xy = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      xy[2 * i] = z[i * d + a];
      xy[2 * i + 1] = z[i * d + b];
    }
    this.dimsCache.set(source, { z, dims: key, xy });
    return xy;
  }

  /** Switches the layout, computing it first (in the worker, with progress and cancel) when needed. */
  async chooseLayout(key: LayoutKey): Promise<void> {
    try {
      if (key === 'expr_pca' && !this.exprPca) {
        this.exprPca = await this.app.track('PCA of the expression', (id, p) => this.engine.expressionPca(id, p));
      } else if (key === 'umap_latent' && !this.umapLatent) {
        const latent = this.app.latent;
        if (!latent) return;
        this.umapLatent = await this.app.track('UMAP of the latent space', (id, p) => this.engine.umap(id, latent.z, latent.latentDim, p));
      } else if (key === 'umap_expr' && !this.umapExpr) {
        this.umapExpr = await this.app.track('UMAP of the expression', (id, p) => this.engine.umap(id, null, 0, p));
      }
      this.app.layout = key;
    } catch (err) {
      if ((err as Error).name === 'AbortError' || String(err).includes('cancelled')) return;
      this.app.errors = [...this.app.errors, err instanceof Error ? err.message : String(err)];
    }
  }

  /** Everything the scatter can be coloured by, grouped for the picker. */
  get colorOptions(): ColorOption[] {
    const ds = this.app.dataset;
    const out: ColorOption[] = [];
    for (const [key, col] of Object.entries(ds?.obs ?? {})) {
      if (col.type === 'categorical' && col.categories.length <= 60)
        out.push({ key, label: key === 'label' ? 'Cell type (file)' : key, group: 'Categories (file)' });
      else if (col.type === 'numeric') out.push({ key, label: key, group: 'Values (file)' });
    }
    if (this.app.predictions) {
      out.push({ key: 'predicted', label: 'Predicted type', group: 'Model' });
      out.push({ key: 'model:confidence', label: 'Confidence (top probability)', group: 'Model' });
      out.push({ key: 'model:entropy', label: 'Entropy of the prediction', group: 'Model' });
    }
    const latent = this.app.latent;
    if (latent) for (let k = 0; k < latent.latentDim; k++) out.push({ key: `latent:${k}`, label: `z${k + 1}`, group: 'Latent dimension' });
    for (const [key, col] of Object.entries(this.app.columns)) out.push({ key, label: col.title, group: 'Published' });
    for (const symbol of Object.keys(this.genes)) out.push({ key: `gene:${symbol}`, label: symbol, group: 'Genes' });
    return out;
  }

  /** Fetches a gene's column from the worker (once); `symbol` as typed, matched case-insensitively. */
  async loadGene(symbol: string): Promise<string | null> {
    const wanted = symbol.trim();
    if (!wanted) return null;
    const known = Object.keys(this.genes).find((g) => g.toUpperCase() === wanted.toUpperCase());
    if (known) return known;
    if (this.pendingGenes.has(wanted)) return null;
    this.pendingGenes = new Set([...this.pendingGenes, wanted]);
    try {
      const col = await this.engine.geneColumn(wanted);
      this.genes = { ...this.genes, [col.symbol]: col };
      this.geneError = null;
      return col.symbol;
    } catch (err) {
      this.geneError = err instanceof Error ? err.message.replace(/^.*Error: /, '') : String(err);
      return null;
    } finally {
      const next = new Set(this.pendingGenes);
      next.delete(wanted);
      this.pendingGenes = next;
    }
  }

  /** Colours by a gene: fetches it, then sets `app.colorBy` to `gene:SYMBOL`. */
  async colorByGene(symbol: string): Promise<void> {
    const got = await this.loadGene(symbol);
    if (got) {
      this.app.colorBy = `gene:${got}`;
      this.app.hiddenCategories = new Set();
    }
  }

  /** What `app.colorBy` means now; null while its data is not here yet (e.g. a gene being fetched). */
  get coloring(): Coloring | null {
    const app = this.app;
    const key = app.colorBy;
    const ds = app.dataset;
    if (!ds) return null;
    const published = app.columns[key];
    if (published) return this.continuous(key, published.title, published.units ?? '', published.values, published.isSigned);
    if (key.startsWith('gene:')) {
      const symbol = key.slice(5);
      const col = this.genes[symbol] ?? Object.values(this.genes).find((g) => g.symbol.toUpperCase() === symbol.toUpperCase());
      return col ? this.continuous(key, `${col.symbol} expression`, col.units, col.values, false) : null;
    }
    if (key.startsWith('latent:')) {
      const latent = app.latent;
      const k = Number(key.slice(7));
      if (!latent || !(k >= 0 && k < latent.latentDim)) return null;
      const d = latent.latentDim;
      const values = new Float32Array(latent.z.length / d);
      for (let i = 0; i < values.length; i++) values[i] = latent.z[i * d + k];
      return this.continuous(key, `Latent z${k + 1} (encoder mean)`, 'latent units', values, true);
    }
    const classes = app.models?.classifier.output.classes ?? [];
    if ((key === 'model:confidence' || key === 'model:entropy') && app.predictions) {
      const p = app.predictions.probabilities;
      const k = classes.length;
      const values = new Float32Array(p.length / k);
      for (let i = 0; i < values.length; i++) {
        if (key === 'model:confidence') {
          let best = 0;
          for (let c = 0; c < k; c++) best = Math.max(best, p[i * k + c]);
          values[i] = best;
        } else {
          let h = 0;
          for (let c = 0; c < k; c++) {
            const q = p[i * k + c];
            if (q > 0) h -= q * Math.log2(q);
          }
          values[i] = h;
        }
      }
      const isConfidence = key === 'model:confidence';
      const name = app.models?.classifier.name ?? 'the model';
      const col = this.continuous(
        key,
        isConfidence ? `Confidence of ${name}` : `Entropy of ${name}'s prediction`,
        isConfidence ? 'probability' : 'bits',
        values,
        false,
      );
      // Fixed, meaningful ranges: probability 0..1; entropy 0..log2(k) bits.
      col.domain = isConfidence ? [0, 1] : [0, Math.log2(Math.max(2, k))];
      col.clip = null;
      return col;
    }
    if (key === 'predicted' && app.predictions) {
      const label = ds.obs.label;
      const labelCats = label?.type === 'categorical' ? label : null;
      // Predicted classes reuse the label column's palette when its names match, so a colour means one type.
      const shared = labelCats && classes.every((c) => labelCats.categories.includes(c)) ? labelCats.categories : classes;
      const codes = Int32Array.from(app.predictions.predicted, (c) => shared.indexOf(classes[c]));
      const fromFile = labelCats && shared === labelCats.categories && labelCats.colors && labelCats.colors.length >= shared.length;
      return {
        kind: 'categorical',
        key,
        title: `Predicted by ${app.models?.classifier.name ?? 'the model'}`,
        categories: shared,
        codes,
        palette: fromFile ? labelCats.colors! : TOL_CATEGORICAL,
        paletteSource: fromFile ? 'file' : 'tol',
      };
    }
    const col = ds.obs[key];
    if (col?.type === 'categorical') {
      const fromFile = Boolean(col.colors && col.colors.length >= col.categories.length);
      return {
        kind: 'categorical',
        key,
        title: key === 'label' ? 'Cell type (file)' : key,
        categories: col.categories,
        codes: col.codes,
        palette: fromFile ? col.colors! : TOL_CATEGORICAL,
        paletteSource: fromFile ? 'file' : 'tol',
      };
    }
    if (col?.type === 'numeric') return this.continuous(key, key, key === 'nCount_RNA' ? 'counts' : '', col.values, false);
    return null;
  }

  private continuous(key: string, title: string, units: string, values: Float32Array, isSigned: boolean): ContinuousColoring {
    const pct = this.clipPercentile;
    const clipped = pct === null ? null : this.clipped(values, isSigned, pct);
    return {
      kind: 'continuous',
      key,
      title,
      units,
      values,
      isSigned,
      map: isSigned ? this.divergingMap : this.sequentialMap,
      domain: clipped ? clipped.domain : continuousDomain(values, isSigned),
      clip: clipped && (clipped.low || clipped.high) ? { low: clipped.low, high: clipped.high } : null,
    };
  }

  // Percentile domains per column and setting: `coloring` is a getter, read on every change of the app.
  private clipCache = new WeakMap<Float32Array, Map<string, ClippedDomain>>();
  private clipped(values: Float32Array, isSigned: boolean, pct: number): ClippedDomain {
    let byKey = this.clipCache.get(values);
    if (!byKey) {
      byKey = new Map();
      this.clipCache.set(values, byKey);
    }
    const key = `${isSigned}:${pct}`;
    let out = byKey.get(key);
    if (!out) {
      out = clippedDomain(values, isSigned, pct);
      byKey.set(key, out);
    }
    return out;
  }

  /** Per-cell counts of each category of a categorical colouring. */
  static counts(c: CategoricalColoring): number[] {
    const out = new Array<number>(c.categories.length).fill(0);
    for (const code of c.codes) if (code >= 0 && code < out.length) out[code]++;
    return out;
  }

  /** `[nCells * 4]` u8 RGBA for a colouring, with hidden categories and cells outside the selection greyed. */
  rgbaFor(coloring: Coloring | null, nCells: number): Uint8Array {
    let rgba: Uint8Array;
    if (!coloring) {
      rgba = new Uint8Array(nCells * 4);
      for (let i = 0; i < nCells; i++) rgba.set([120, 126, 136, 200], 4 * i);
    } else if (coloring.kind === 'categorical') {
      rgba = categoriesToRgba(coloring.codes, coloring.palette, this.app.hiddenCategories);
    } else {
      rgba = valuesToRgba(coloring.values, coloring.domain, this.lut(coloring.map));
    }
    const mask = this.app.selection.primary;
    if (mask && mask.length === nCells) greyOutside(rgba, mask);
    return rgba;
  }

  /**
   * The same colouring in GPU form (values + LUT + selection mask), which the scatter maps in its
   * shader: a recolour then uploads one Float32 per cell instead of mapping every cell here. Null
   * for no colouring, or more categories than the shader's palette texture holds (the RGBA path then).
   */
  valueColoring(coloring: Coloring | null, nCells: number): ValueColoring | null {
    if (!coloring) return null;
    const mask = this.app.selection.primary;
    const selection = mask && mask.length === nCells ? mask : null;
    if (coloring.kind === 'continuous') {
      if (coloring.values.length !== nCells) return null;
      return {
        kind: 'continuous',
        values: coloring.values,
        lut: this.lut(coloring.map),
        domain: coloring.domain,
        alpha: 235,
        mask: selection,
      };
    }
    // The CPU path wraps codes by the palette's length; the shader by the LUT's: equal up to 256 categories.
    if (coloring.categories.length > VALUE_LUT_SIZE || coloring.codes.length !== nCells) return null;
    let values = this.codeValues.get(coloring.codes);
    if (!values) {
      values = codesToValues(coloring.codes);
      this.codeValues.set(coloring.codes, values);
    }
    return {
      kind: 'categorical',
      values,
      lut: categoricalLut(coloring.palette, coloring.categories.length, this.app.hiddenCategories),
      domain: [0, 1],
      alpha: 235,
      mask: selection,
    };
  }

  // Category codes as float32, converted once per codes array (a recolour by the same column reuses it).
  private codeValues = new WeakMap<Int32Array, Float32Array>();

  private luts = new Map<ContinuousMapName, Uint8Array>();
  private lut(name: ContinuousMapName): Uint8Array {
    let lut = this.luts.get(name);
    if (!lut) {
      lut = buildLut(name);
      this.luts.set(name, lut);
    }
    return lut;
  }
}
