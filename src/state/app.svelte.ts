/**
 * The one screen's state, as Svelte 5 rune classes. Large typed arrays use $state.raw and are
 * replaced, never mutated. Every long task is listed in `tasks` with progress and cancel.
 */
import { pca } from '../core/embedding/pca.ts';
import type { EngineRemote, Job } from '../workers/client.ts';
import { runJob } from '../workers/client.ts';
import type {
  BackendChoice,
  BackendName,
  DatasetView,
  ExplainRequest,
  ExplainResult,
  GraphView,
  Latent,
  ModelsView,
  Predictions,
  ProbeTimes,
} from '../workers/protocol.ts';

/** A long operation shown with a progress bar and a Cancel button. */
export interface Task {
  id: number;
  label: string;
  fraction: number;
  cancel: () => void;
}

export type LayoutKey = 'X_umap' | 'latent_pca';
export type ColorKey = 'label' | 'predicted';

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
  latentPca = $state.raw<{ coords: Float32Array; explained: Float64Array } | null>(null);
  layout = $state<LayoutKey>('X_umap');
  colorBy = $state<ColorKey>('label');
  hiddenCategories = $state.raw<ReadonlySet<number>>(new Set());
  hoveredCell = $state<number | null>(null);
  selectedCell = $state<number | null>(null);
  explainSettings = $state<Omit<ExplainRequest, 'cell'>>({ baseline: 'zeros', steps: 50, rule: 'gauss-legendre', target: 'logit' });
  explain = $state.raw<ExplainResult | null>(null);
  graph = $state.raw<GraphView | null>(null);
  tasks = $state<Task[]>([]);
  errors = $state<string[]>([]);
  status = $state('Starting…');

  constructor(private engine: EngineRemote) {}

  /** Positions `[n * 2]` of the current layout; the file's UMAP until the latent PCA is ready. */
  get positions(): Float32Array | null {
    if (this.layout === 'latent_pca' && this.latentPca) return this.latentPca.coords;
    return this.dataset?.obsm.X_umap?.values ?? null;
  }

  /** Boots the demo: backend, dataset (first paint), models, predictions, encoder, latent PCA. */
  async start(override: BackendName | null): Promise<void> {
    try {
      this.status = 'Choosing a compute backend…';
      const cachedProbe = readProbe();
      this.backend = await this.engine.init({ override, cachedProbe });
      if (!this.backend.isProbeCached && Object.keys(this.backend.probe).length > 0) writeProbe(this.backend.probe);
      this.status = 'Loading PBMC 3k…';
      this.dataset = await this.engine.loadDataset(abs(DEMO.dataset));
      this.status = 'Loading models…';
      this.models = await this.engine.loadModels(abs(DEMO.classifier), abs(DEMO.vae));
      this.predictions = await this.track('Predicting cell types', (id, p) => this.engine.predict(id, p));
      const latent = await this.track('Encoding every cell', (id, p) => this.engine.encode(id, p));
      this.latent = latent;
      const n = latent.z.length / latent.latentDim;
      const res = pca(latent.z, n, latent.latentDim, 2);
      this.latentPca = { coords: res.coords, explained: res.explained };
      this.layout = 'latent_pca';
      this.status = 'Ready. Click a cell to explain its prediction.';
    } catch (err) {
      this.fail(err);
    }
  }

  /** Explains `cell` with integrated gradients, then refreshes the regulation graph. */
  async explainCell(cell: number | null): Promise<void> {
    this.selectedCell = cell;
    if (cell === null || !this.models) return;
    for (const t of this.tasks) if (t.label.startsWith('Integrated')) t.cancel();
    try {
      const request: ExplainRequest = { ...$state.snapshot(this.explainSettings), cell };
      const result = await this.track('Integrated gradients', (id, p) => this.engine.explainCell(id, request, p));
      if (this.selectedCell !== cell) return;
      this.explain = result;
      await this.refreshGraph(result);
    } catch (err) {
      if ((err as Error).name !== 'AbortError' && !String(err).includes('cancelled')) this.fail(err);
    }
  }

  /** Re-runs the explanation of the selected cell with new settings. */
  async updateExplainSettings(patch: Partial<Omit<ExplainRequest, 'cell'>>): Promise<void> {
    this.explainSettings = { ...this.explainSettings, ...patch };
    if (this.selectedCell !== null) await this.explainCell(this.selectedCell);
  }

  private async refreshGraph(result: ExplainResult): Promise<void> {
    const seeds = result.top.map((t) => ({ gene: t.gene, score: t.attribution }));
    this.graph = await this.engine.regulationGraph(abs(DEMO.grn), seeds, { width: 900, height: 240 });
  }

  toggleCategory(code: number): void {
    const next = new Set(this.hiddenCategories);
    if (next.has(code)) next.delete(code);
    else next.add(code);
    this.hiddenCategories = next;
  }

  /** Wraps an engine call as a visible, cancellable task. */
  private async track<T>(label: string, call: (jobId: number, progress: (f: number, l: string) => void) => Promise<T>): Promise<T> {
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
