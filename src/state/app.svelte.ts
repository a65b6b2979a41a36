/**
 * The one screen's state, as Svelte 5 rune classes. Large typed arrays use $state.raw and are
 * replaced, never mutated. Every long task is listed in `tasks` with progress and cancel.
 */
import { pca } from '../core/embedding/pca.ts';
import type { EngineRemote, Job } from '../workers/client.ts';
import { runJob } from '../workers/client.ts';
import { SelectionState } from './selection.svelte.ts';
import { StoryState } from './story.svelte.ts';
import { AttributionState, type SelectionExplanation } from './attribution.svelte.ts';
import { ExploreState } from './explore.svelte.ts';
import { CompareState } from './compare.svelte.ts';
import { TraverseState } from './traverse.svelte.ts';
import type { Provenance } from '../core/provenance.ts';
import { assessTrust, type TrustReport } from '../core/model/trust.ts';
import type {
  BackendChoice,
  BackendName,
  CachedDatasetView,
  DatasetView,
  ExplainRequest,
  ExplainResult,
  ExtraOutputs,
  Latent,
  ModelsView,
  Predictions,
  ProbeTimes,
  ReadChoices,
} from '../workers/protocol.ts';

/** A long operation shown with a progress bar and a Cancel button. */
export interface Task {
  id: number;
  label: string;
  fraction: number;
  cancel: () => void;
}

/**
 * 'latent_pca', `obsm:<key>` for an embedding from the file (its first two dimensions), or one of
 * the explorer's layouts (src/state/explore.svelte.ts): two chosen latent dimensions, PCA of the
 * expression, UMAP of the latent or of the expression.
 */
export type LayoutKey = 'latent_pca' | `obsm:${string}` | 'latent_dims' | 'embedding_dims' | 'expr_pca' | 'umap_latent' | 'umap_expr';
/** 'predicted', or the name of a categorical obs column. */
export type ColorKey = string;
/** The right panel's tabs. */
export const PANEL_TABS = ['explain', 'groups', 'compare', 'traverse'] as const;
export type PanelTab = (typeof PANEL_TABS)[number];

/**
 * A per-cell numeric column any part of the app can publish for colouring (TF activity, a gene's
 * attribution, a latent dimension...). The colour-by picker lists every published column.
 */
export interface PublishedColumn {
  title: string;
  /** [nCells] float32, one value per cell of the current dataset; NaN means "no value". */
  values: Float32Array;
  /** Signed values get a diverging map centred on 0; others a sequential one. */
  isSigned: boolean;
  units?: string;
}

/** Browser storage as the Data section reports it. */
export interface StorageInfo {
  usageBytes: number;
  quotaBytes: number;
  isPersisted: boolean;
}

const PROBE_KEY = 'glasswing.backendProbe.v1';

/** Where the demo's files live, relative to the page. */
export const DEMO = {
  dataset: './data/pbmc3k',
  classifier: './models/pbmc3k-classifier',
  vae: './models/pbmc3k-vae',
  grn: './data/grn/collectri_human.csv',
};

const abs = (path: string) => new URL(path, location.href).href.replace(/\/$/, '');

export class AppState {
  backend = $state<BackendChoice | null>(null);
  dataset = $state.raw<DatasetView | null>(null);
  models = $state.raw<ModelsView | null>(null);
  predictions = $state.raw<Predictions | null>(null);
  latent = $state.raw<Latent | null>(null);
  /** The open regressor's or embedding's output for every cell (regressor columns are also published as `pred:NAME`). */
  extraOutputs = $state.raw<ExtraOutputs | null>(null);
  latentPca = $state.raw<{ coords: Float32Array; explained: Float64Array } | null>(null);
  layout = $state<LayoutKey>('obsm:X_umap');
  colorBy = $state<ColorKey>('label');
  cached = $state.raw<CachedDatasetView[]>([]);
  storage = $state<StorageInfo | null>(null);
  hiddenCategories = $state.raw<ReadonlySet<number>>(new Set());
  hoveredCell = $state<number | null>(null);
  selectedCell = $state<number | null>(null);
  explainSettings = $state<Omit<ExplainRequest, 'cell'>>({ baseline: 'zeros', steps: 50, rule: 'gauss-legendre', target: 'logit' });
  explain = $state.raw<ExplainResult | null>(null);
  tasks = $state<Task[]>([]);
  errors = $state<string[]>([]);
  status = $state('Starting…');
  /** Numeric columns published for colouring, keyed like `tf:STAT1` or `attr:CD74`. */
  columns = $state.raw<Record<string, PublishedColumn>>({});
  /** Lasso/box/category selections and the saved, named ones. */
  readonly selection = new SelectionState();
  /** The attribution of the last "Explain the selection" run (the graph view can seed from it). */
  explainSelection = $state.raw<SelectionExplanation | null>(null);
  /** Many-cell attribution: method settings, selection runs, colour-by attribution, decoder Jacobian. */
  readonly attribution: AttributionState;
  /** Story steps and annotations (named clusters, gene notes); kept across datasets. */
  readonly story = new StoryState();
  /** The right panel's open tab. */
  panel = $state<PanelTab>('explain');

  /** The Compare tab (DE, volcano, gene plots). */
  readonly compare: CompareState;
  /** The Traverse tab (latent traversal through the VAE decoder). */
  readonly traverse: TraverseState;
  /** Layouts, colour-by resolution and scatter settings of the latent-space explorer. */
  readonly explore: ExploreState;

  constructor(private engine: EngineRemote) {
    // Made here, outside any reactive context: state created inside a template or $derived would not be tracked by it.
    this.explore = new ExploreState(this, engine);
    this.compare = new CompareState(this, engine);
    this.traverse = new TraverseState(this, engine);
    this.attribution = new AttributionState(
      {
        selection: () => this.selection,
        selectedCell: () => this.selectedCell,
        predictedClasses: () => this.predictions?.predicted ?? null,
        nCells: () => this.dataset?.nCells ?? 0,
        genes: () => this.models?.classifier.input.genes ?? [],
        models: () => this.models,
        classes: () => this.models?.classifier.output.classes ?? [],
        setExplainSelection: (v) => (this.explainSelection = v),
        publishColumn: (k, c) => this.publishColumn(k, c),
        track: (label, call) => this.track(label, call),
        fail: (err) => this.fail(err),
      },
      engine,
    );
  }

  /** Whether explanations may be untrustworthy here (poor gene alignment, or most cells uncertain). */
  get trust(): TrustReport | null {
    const m = this.models;
    if (!m) return null;
    const a = m.alignment;
    return assessTrust(
      a.nModelGenes > 0 ? a.nMatched / a.nModelGenes : 0,
      this.predictions?.probabilities ?? null,
      m.classifier.output.classes.length,
    );
  }

  /** The input genes of the model the Explain tab explains: the regressor's / embedding's for an 'output' target, else the classifier's. */
  get explainGenes(): string[] {
    const m = this.models;
    if (!m) return [];
    return this.explainSettings.target === 'output' && m.extra ? m.extra.input.genes : m.classifier.input.genes;
  }

  /** Single-cell targets beside the classes: the open regressor's outputs or embedding's dimensions. */
  get explainOutputTargets(): string[] {
    const extra = this.models?.extra;
    if (!extra) return [];
    return extra.kind === 'regressor' ? extra.output.names : Array.from({ length: extra.output.dim }, (_, k) => `dim ${k + 1}`);
  }

  /** Layouts on offer: the latent PCA once computed, and every obsm embedding of the file. */
  get layouts(): { key: LayoutKey; label: string }[] {
    const out: { key: LayoutKey; label: string }[] = [];
    if (this.latentPca) out.push({ key: 'latent_pca', label: 'VAE latent (PCA)' });
    for (const [key, emb] of Object.entries(this.dataset?.obsm ?? {})) {
      if (emb.dim >= 2) out.push({ key: `obsm:${key}`, label: `${key.replace(/^X_/, '').toUpperCase()} (file)` });
    }
    out.push(...this.explore.layoutOptions());
    return out;
  }

  /** Positions `[n * 2]` of the current layout; the file's own embedding until the latent PCA is ready. */
  get positions(): Float32Array | null {
    const computed = this.explore.positionsFor(this.layout);
    if (computed !== undefined) return computed;
    if (this.layout === 'latent_pca') return this.latentPca?.coords ?? null;
    const emb = this.dataset?.obsm[this.layout.slice('obsm:'.length)];
    if (!emb || emb.dim < 2) return null;
    if (emb.dim === 2) return emb.values;
    const n = emb.values.length / emb.dim;
    const xy = new Float32Array(n * 2);
    for (let i = 0; i < n; i++) {
      xy[2 * i] = emb.values[i * emb.dim];
      xy[2 * i + 1] = emb.values[i * emb.dim + 1];
    }
    return xy;
  }

  /** Categorical obs columns that can colour the scatter (up to 60 categories each). */
  get categoricalColumns(): string[] {
    return Object.entries(this.dataset?.obs ?? {})
      .filter(([, c]) => c.type === 'categorical' && c.categories.length <= 60)
      .map(([k]) => k);
  }

  /** Boots the demo: backend, dataset (first paint), models, predictions, encoder, latent PCA. */
  async start(override: BackendName | null): Promise<void> {
    try {
      this.status = 'Choosing a compute backend…';
      const cachedProbe = readProbe();
      this.backend = await this.engine.init({ override, cachedProbe });
      if (!this.backend.isProbeCached && Object.keys(this.backend.probe).length > 0) writeProbe(this.backend.probe);
      this.status = 'Loading PBMC 3k…';
      this.showDataset(await this.engine.loadDataset(abs(DEMO.dataset)));
      this.status = 'Loading models…';
      this.models = await this.engine.loadModels(abs(DEMO.classifier), abs(DEMO.vae), new URL('./', location.href).href);
      await this.runModels();
      void this.refreshCache();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Opens the user's files (h5ad, loom, 10x h5 / MTX folder, CSV) in the worker; nothing is uploaded. */
  async openFiles(files: File[]): Promise<void> {
    if (files.length === 0) return;
    try {
      this.status = `Reading ${files.length === 1 ? files[0].name : `${files.length} files`}…`;
      const view = await this.track(`Reading ${files[0].name}`, (id, p) => this.engine.openFiles(id, files, p));
      await this.afterDatasetChange(view);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Reads the open files again with another matrix or orientation. */
  async reread(choices: ReadChoices): Promise<void> {
    try {
      const view = await this.track('Reading again', (id, p) => this.engine.rereadFiles(id, choices, p));
      await this.afterDatasetChange(view);
    } catch (err) {
      this.fail(err);
    }
  }

  /** Model files waiting for their gene list (a model without manifest.json): the Model section asks for it. */
  pendingModelFiles = $state.raw<File[] | null>(null);
  /** The sentence that asked for the gene list, shown beside the picker. */
  geneListPrompt = $state<string | null>(null);

  /**
   * Opens the user's own model (model.json + shards, manifest.json or a gene list; a VAE folder) and
   * reruns predictions and the encoder on it. A bad model leaves the previous one active; its
   * sentence goes to the error area. Without a manifest and gene list, the app asks for the list.
   */
  async openModel(files: File[]): Promise<void> {
    if (files.length === 0) return;
    const all = this.pendingModelFiles ? [...this.pendingModelFiles, ...files] : files;
    this.pendingModelFiles = null;
    this.geneListPrompt = null;
    try {
      this.status = 'Checking the model…';
      const models = await this.track('Opening the model', () => this.engine.openUserModel(all));
      await this.afterModelChange(models);
    } catch (err) {
      if (err instanceof Error && err.name === 'GeneListNeededError') {
        this.pendingModelFiles = all;
        this.geneListPrompt = err.message;
        this.status = 'Pick the gene list for this model.';
        return;
      }
      this.fail(err);
    }
  }

  /** Goes back to the bundled demo classifier and VAE. */
  async useBundledModels(): Promise<void> {
    try {
      this.pendingModelFiles = null;
      this.geneListPrompt = null;
      const models = await this.engine.loadModels(abs(DEMO.classifier), abs(DEMO.vae), new URL('./', location.href).href);
      await this.afterModelChange(models);
    } catch (err) {
      this.fail(err);
    }
  }

  private async afterModelChange(models: ModelsView): Promise<void> {
    this.models = models;
    // An output target of a model that left (or has fewer outputs now) falls back to the class logit.
    const outputIndex = this.explainSettings.outputIndex ?? 0;
    if (this.explainSettings.target === 'output' && outputIndex >= this.explainOutputTargets.length) {
      this.explainSettings = { ...this.explainSettings, target: 'logit', outputIndex: undefined };
    }
    this.explain = null;
    this.explainSelection = null;
    this.selectedCell = null;
    await this.runModels();
  }

  /** Reopens the bundled demo dataset (a session or link saved on it). */
  async openDemo(): Promise<void> {
    try {
      await this.afterDatasetChange(await this.engine.loadDataset(abs(DEMO.dataset)));
    } catch (err) {
      this.fail(err);
    }
  }

  /** Opens a dataset embedded in a session file; it is cached like a dropped-in file. */
  async openEmbedded(bytes: Uint8Array, fileName: string): Promise<void> {
    try {
      await this.afterDatasetChange(await this.engine.importDataset(bytes, fileName));
    } catch (err) {
      this.fail(err);
    }
  }

  /** Reopens a cached dataset. */
  async reopen(hash: string): Promise<void> {
    try {
      this.status = 'Reopening from the cache…';
      await this.afterDatasetChange(await this.engine.openCached(hash));
    } catch (err) {
      this.fail(err);
      // A damaged copy is dropped by the cache; the list should stop offering it.
      await this.refreshCache();
    }
  }

  /** Maps mouse genes to their human orthologs (or back), then reruns the models. */
  async setOrthologMapping(isOn: boolean): Promise<void> {
    try {
      const alignment = await this.engine.setOrthologMapping(isOn);
      if (this.models) this.models = { ...this.models, alignment };
      this.selectedCell = null;
      this.explain = null;
      await this.runModels();
    } catch (err) {
      this.fail(err);
    }
  }

  /** Deletes a cached dataset. */
  async forget(hash: string): Promise<void> {
    await this.engine.deleteCached(hash);
    await this.refreshCache();
  }

  /** Re-reads the cache list and the storage estimate; asks once for persistent storage. */
  async refreshCache(): Promise<void> {
    this.cached = await this.engine.listCached();
    try {
      const estimate = await navigator.storage?.estimate?.();
      const isPersisted = (await navigator.storage?.persisted?.()) ?? false;
      this.storage = { usageBytes: estimate?.usage ?? 0, quotaBytes: estimate?.quota ?? 0, isPersisted };
    } catch {
      this.storage = null;
    }
  }

  /** Asks the browser not to evict the cache under storage pressure. */
  async persistStorage(): Promise<void> {
    await navigator.storage?.persist?.();
    await this.refreshCache();
  }

  /** Publish (or replace) a per-cell column under `key`; it appears in the colour-by picker. */
  publishColumn(key: string, column: PublishedColumn): void {
    this.columns = { ...this.columns, [key]: column };
  }

  /** Provenance for an export of the current view (see core/provenance.ts). */
  provenance(fields: Partial<Provenance> = {}): Provenance {
    return {
      app: `glasswing ${__APP_VERSION__}`,
      datasetName: this.dataset?.name,
      datasetHash: this.dataset?.hash,
      modelName: this.models
        ? [this.models.classifier.name, this.models.vae.name, ...(this.models.extra ? [this.models.extra.name] : [])].join(' + ')
        : undefined,
      modelHash: this.models?.modelHash,
      backend: this.backend?.backend,
      date: new Date().toISOString(),
      ...fields,
    };
  }

  private showDataset(view: DatasetView): void {
    this.dataset = view;
    this.selectedCell = null;
    this.explain = null;
    this.explainSelection = null;
    this.latent = null;
    this.latentPca = null;
    this.predictions = null;
    this.hiddenCategories = new Set();
    this.selection.reset();
    this.explore.reset();
    this.compare?.reset();
    this.traverse?.reset();
    this.columns = {};
    const firstEmbedding = Object.keys(view.obsm).find((k) => view.obsm[k].dim >= 2);
    this.layout = firstEmbedding ? `obsm:${firstEmbedding}` : 'latent_pca';
    const categorical = this.categoricalColumns;
    this.colorBy = categorical.includes('label') ? 'label' : (categorical[0] ?? 'predicted');
  }

  private async afterDatasetChange(view: DatasetView): Promise<void> {
    this.showDataset(view);
    await this.refreshCache();
    const alignment = await this.engine.alignmentReport();
    if (this.models && alignment) this.models = { ...this.models, alignment };
    await this.runModels();
  }

  /** Predictions, encoder over every cell, latent PCA; then the latent layout animates in. */
  private async runModels(): Promise<void> {
    this.predictions = await this.track('Predicting cell types', (id, p) => this.engine.predict(id, p));
    if (!this.categoricalColumns.includes(this.colorBy)) this.colorBy = 'predicted';
    const latent = await this.track('Encoding every cell', (id, p) => this.engine.encode(id, p));
    this.explore.onModelOutputsChanged();
    this.latent = latent;
    await this.runExtraModel();
    const n = latent.z.length / latent.latentDim;
    const res = pca(latent.z, n, latent.latentDim, 2);
    this.latentPca = { coords: res.coords, explained: res.explained };
    this.layout = 'latent_pca';
    this.status = 'Ready. Click a cell to explain its prediction.';
  }

  /** Runs the open regressor / embedding over every cell; a regressor's outputs become `pred:NAME` colour columns. */
  private async runExtraModel(): Promise<void> {
    this.extraOutputs = null;
    for (const key of Object.keys(this.columns)) if (key.startsWith('pred:')) this.dropColumn(key);
    if (!this.models?.extra) return;
    const out = await this.track(`Running ${this.models.extra.name}`, (id, p) => this.engine.predictExtra(id, p));
    this.extraOutputs = out;
    if (out?.kind !== 'regressor') return;
    out.names.forEach((name, j) => {
      this.publishColumn(`pred:${name}`, {
        title: `${name} (${out.name} prediction)`,
        values: Float32Array.from({ length: out.values.length / out.nOut }, (_, i) => out.values[i * out.nOut + j]),
        isSigned: false,
        units: 'model output units',
      });
    });
  }

  /** Removes a published column (e.g. a regressor's outputs when another model replaces it). */
  dropColumn(key: string): void {
    if (!(key in this.columns)) return;
    const { [key]: _dropped, ...rest } = this.columns;
    this.columns = rest;
  }

  /** Explains `cell` with integrated gradients (the regulation view follows app.explain). */
  async explainCell(cell: number | null): Promise<void> {
    this.selectedCell = cell;
    if (cell === null || !this.models) return;
    for (const t of this.tasks) if (t.label.startsWith('Integrated')) t.cancel();
    try {
      const request: ExplainRequest = { ...$state.snapshot(this.explainSettings), cell };
      const result = await this.track('Integrated gradients', (id, p) => this.engine.explainCell(id, request, p));
      if (this.selectedCell !== cell) return;
      this.explain = result;
    } catch (err) {
      if ((err as Error).name !== 'AbortError' && !String(err).includes('cancelled')) this.fail(err);
    }
  }

  /** Re-runs the explanation of the selected cell with new settings. */
  async updateExplainSettings(patch: Partial<Omit<ExplainRequest, 'cell'>>): Promise<void> {
    this.explainSettings = { ...this.explainSettings, ...patch };
    if (this.selectedCell !== null) await this.explainCell(this.selectedCell);
  }

  toggleCategory(code: number): void {
    const next = new Set(this.hiddenCategories);
    if (next.has(code)) next.delete(code);
    else next.add(code);
    this.hiddenCategories = next;
  }

  /** Wraps an engine call as a visible, cancellable task. */
  async track<T>(label: string, call: (jobId: number, progress: (f: number, l: string) => void) => Promise<T>): Promise<T> {
    const job: Job<T> = runJob(this.engine, call, (fraction) => {
      const t = this.tasks.find((x) => x.id === job.id);
      if (t) t.fraction = fraction;
    });
    this.tasks.push({ id: job.id, label, fraction: 0, cancel: job.cancel });
    try {
      return await job.result;
    } finally {
      this.tasks = this.tasks.filter((x) => x.id !== job.id);
    }
  }

  private fail(err: unknown): void {
    const message = err instanceof Error ? err.message : String(err);
    this.errors = [...this.errors, message];
    this.status = 'Something went wrong; see the message above.';
  }
}

function readProbe(): ProbeTimes | null {
  try {
    const raw = localStorage.getItem(PROBE_KEY);
    return raw ? (JSON.parse(raw) as ProbeTimes) : null;
  } catch {
    return null;
  }
}

function writeProbe(probe: ProbeTimes): void {
  try {
    localStorage.setItem(PROBE_KEY, JSON.stringify(probe));
  } catch {
    // Storage can be unavailable (private mode); the probe simply runs again next time.
  }
}
