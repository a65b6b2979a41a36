/**
 * Attribution over selections and the model (the Explain tab's second half): the method settings,
 * "explain the selection" → AppState.explainSelection, colour cells by one gene's attribution
 * (published as an `attr:GENE` column), and the VAE decoder Jacobian.
 */
import type { EngineRemote } from '../workers/client.ts';
import type { AttributeRequest, AttributeResult, AttributionMethod, ModelsView, ProgressFn } from '../workers/protocol.ts';
import type { QuadratureRuleName } from '../core/attribution/quadrature.ts';
import type { BaselineKind } from '../core/attribution/baselines.ts';
import type { PublishedColumn } from './app.svelte.ts';
import type { SelectionState } from './selection.svelte.ts';
import { maskToIndices } from './selection.svelte.ts';

/**
 * What a target picker offers: a class (predicted or fixed) as logit or probability, z_k, a decoded
 * gene, a regressor output (`index`), or an embedding dimension (`k`, 0-based).
 */
export type TargetChoice =
  | { kind: 'class'; classIndex: number | 'predicted'; output: 'logit' | 'probability' }
  | { kind: 'latent'; k: number }
  | { kind: 'decoded'; gene: number }
  | { kind: 'output'; index: number }
  | { kind: 'dim'; k: number };

/** The input genes a target's attributions are over: the explained model's own list. */
export function genesForTarget(t: TargetChoice, models: ModelsView | null): string[] {
  if (!models) return [];
  if (t.kind === 'class') return models.classifier.input.genes;
  if (t.kind === 'latent' || t.kind === 'decoded') return models.vae.input.genes;
  return models.extra?.input.genes ?? [];
}

/** Method settings shared by selection runs and colour-by. */
export interface AttributionSettings {
  method: AttributionMethod;
  target: TargetChoice;
  baseline: BaselineKind;
  steps: number;
  rule: QuadratureRuleName;
  samples: number;
  noiseFraction: number;
  seed: number;
}

/** Which cells a selection run explains. */
export type Scope = { kind: 'selection' } | { kind: 'predicted'; classIndex: number } | { kind: 'cell' };

/** The selection aggregate the graph view can seed from. */
export interface SelectionExplanation {
  label: string;
  genes: string[];
  meanSigned: Float32Array;
  meanAbs: Float32Array;
}

/** Decoder Jacobian summary for display. */
export interface JacobianView {
  label: string;
  latentDim: number;
  nOut: number;
  meanSigned: Float32Array;
  meanAbs: Float32Array;
  /** The decoder's output genes (the VAE's list). */
  genes: string[];
  path: string;
  ms: number;
}

/** What this class needs from AppState (kept narrow so it does not import the app). */
export interface AttributionHost {
  selection(): SelectionState;
  selectedCell(): number | null;
  predictedClasses(): Int32Array | null;
  nCells(): number;
  genes(): string[];
  /** The open models (for each target's own gene list and output names). */
  models(): ModelsView | null;
  classes(): string[];
  setExplainSelection(v: SelectionExplanation | null): void;
  publishColumn(key: string, column: PublishedColumn): void;
  track<T>(label: string, call: (jobId: number, progress: ProgressFn) => Promise<T>): Promise<T>;
  fail(err: unknown): void;
}

/** Human words for a target; `extra` is the open regressor / embedding manifest, when there is one. */
export function targetLabel(t: TargetChoice, classes: string[], genes: string[], extra?: ModelsView['extra']): string {
  if (t.kind === 'class') return `${t.classIndex === 'predicted' ? 'predicted class' : classes[t.classIndex]} ${t.output}`;
  if (t.kind === 'latent') return `latent z${t.k}`;
  if (t.kind === 'output') return `${extra?.kind === 'regressor' ? extra.output.names[t.index] : `output ${t.index + 1}`} (regressor)`;
  if (t.kind === 'dim') return `${extra?.name ?? 'embedding'} dim ${t.k + 1}`;
  return `decoded ${genes[t.gene] ?? `gene ${t.gene}`}`;
}

export class AttributionState {
  settings = $state<AttributionSettings>({
    method: 'ig',
    target: { kind: 'class', classIndex: 'predicted', output: 'logit' },
    baseline: 'zeros',
    steps: 50,
    rule: 'gauss-legendre',
    samples: 25,
    noiseFraction: 0.15,
    seed: 0,
  });
  scope = $state<Scope>({ kind: 'selection' });
  /** The last selection run's numbers (delta, chunk, path), for the panel's footnote. */
  lastRun = $state.raw<(AttributeResult & { label: string; settings: AttributionSettings }) | null>(null);
  jacobian = $state.raw<JacobianView | null>(null);
  isBusy = $state(false);
  /** A sentence about the last run the user must know (e.g. the GPU was lost and wasm finished it). */
  notice = $state<string | null>(null);

  constructor(
    private host: AttributionHost,
    private engine: EngineRemote,
  ) {}

  /** The cells of `scope`, `[n]` int32, and a label; null with a reason when there are none. */
  cellsOf(scope: Scope): { cells: Int32Array; label: string } | { reason: string } {
    const h = this.host;
    if (scope.kind === 'cell') {
      const cell = h.selectedCell();
      if (cell === null) return { reason: 'Click a cell first.' };
      return { cells: Int32Array.of(cell), label: `cell ${cell}` };
    }
    if (scope.kind === 'predicted') {
      const pred = h.predictedClasses();
      if (!pred) return { reason: 'Predictions are not ready yet.' };
      const cells = Int32Array.from([...pred.keys()].filter((i) => pred[i] === scope.classIndex));
      if (cells.length === 0) return { reason: `No cell is predicted ${h.classes()[scope.classIndex]}.` };
      return { cells, label: `predicted ${h.classes()[scope.classIndex]} (${cells.length} cells)` };
    }
    const mask = h.selection().primary;
    if (!mask) return { reason: 'Select cells in the scatter first (lasso, box or a category), or pick a predicted class.' };
    const cells = Int32Array.from(maskToIndices(mask));
    if (cells.length === 0) return { reason: 'The selection is empty.' };
    return { cells, label: `selection (${cells.length} cells)` };
  }

  private request(cells: Int32Array, reduce: AttributeRequest['reduce']): AttributeRequest {
    const s = $state.snapshot(this.settings) as AttributionSettings;
    return {
      ...s,
      cells,
      reduce,
      baselineSelection: s.baseline === 'selection' ? (this.host.selection().primary ?? undefined) : undefined,
      baselineCell: s.baseline === 'cell' ? (this.host.selectedCell() ?? undefined) : undefined,
    };
  }

  /** Explains the cells of the current scope; the mean signed / mean |attr| table lands on AppState.explainSelection. */
  async explainScope(): Promise<void> {
    const picked = this.cellsOf(this.scope);
    if ('reason' in picked) return this.host.fail(new Error(picked.reason));
    const settings = $state.snapshot(this.settings) as AttributionSettings;
    this.isBusy = true;
    try {
      const req = this.request(picked.cells, 'aggregate');
      const res = await this.host.track('Explaining the selection', (id, p) => this.engine.attribute(id, req, p));
      if (!res.aggregate) return;
      this.notice = res.notice ?? null;
      const label = `${picked.label} · ${METHOD_NAMES[settings.method]} · ${this.label(settings.target)}`;
      this.lastRun = { ...res, label, settings };
      this.host.setExplainSelection({
        label,
        genes: res.genes,
        meanSigned: res.aggregate.meanSigned,
        meanAbs: res.aggregate.meanAbs,
      });
    } catch (err) {
      if (!isCancel(err)) this.host.fail(err);
    } finally {
      this.isBusy = false;
    }
  }

  /** Words for a target, with the open models' class, gene and output names. */
  label(t: TargetChoice): string {
    return targetLabel(t, this.host.classes(), genesForTarget(t, this.host.models()), this.host.models()?.extra);
  }

  /** Computes gene `gene`'s attribution in every cell with the chosen method and target and publishes it as `attr:GENE`. */
  async colourByGene(geneName: string): Promise<void> {
    const settings = $state.snapshot(this.settings) as AttributionSettings;
    // The gene is looked up in the explained model's own inputs (the VAE's or a regressor's may differ from the classifier's).
    const genes = genesForTarget(settings.target, this.host.models());
    const gene = genes.findIndex((g) => g.toUpperCase() === geneName.trim().toUpperCase());
    if (gene < 0)
      return this.host.fail(new Error(`"${geneName}" is not one of the model's ${genes.length} input genes; pick one from the list.`));
    const cells = Int32Array.from({ length: this.host.nCells() }, (_, i) => i);
    this.isBusy = true;
    try {
      const req = this.request(cells, { gene });
      const res = await this.host.track(`Attribution of ${genes[gene]} in every cell`, (id, p) => this.engine.attribute(id, req, p));
      if (!res.column) return;
      if (res.notice) this.notice = res.notice;
      const target = this.label(settings.target);
      this.host.publishColumn(`attr:${genes[gene]}`, {
        title: `${METHOD_NAMES[settings.method]} attribution of ${genes[gene]} (${target})`,
        values: res.column,
        isSigned: settings.method !== 'saliency',
        units: settings.method === 'saliency' || settings.method === 'smoothgrad' ? `${target} per expression unit` : `${target} units`,
      });
    } catch (err) {
      if (!isCancel(err)) this.host.fail(err);
    } finally {
      this.isBusy = false;
    }
  }

  /** Decoder Jacobian at the clicked cell or averaged over the scope's cells. */
  async runJacobian(scope: Scope): Promise<void> {
    const picked = this.cellsOf(scope);
    if ('reason' in picked) return this.host.fail(new Error(picked.reason));
    this.isBusy = true;
    try {
      const res = await this.host.track('Decoder Jacobian', (id, p) => this.engine.decoderJacobian(id, picked.cells, p));
      this.jacobian = {
        label: picked.label,
        latentDim: res.latentDim,
        nOut: res.nOut,
        meanSigned: res.meanSigned,
        meanAbs: res.meanAbs,
        genes: res.genes,
        path: res.path,
        ms: res.ms,
      };
    } catch (err) {
      if (!isCancel(err)) this.host.fail(err);
    } finally {
      this.isBusy = false;
    }
  }
}

/** Display names of the methods. */
export const METHOD_NAMES: Record<AttributionMethod, string> = {
  ig: 'Integrated gradients',
  saliency: 'Saliency',
  gradxinput: 'Gradient × input',
  smoothgrad: 'SmoothGrad',
  gradshap: 'GradientSHAP',
};

function isCancel(err: unknown): boolean {
  return (err as Error)?.name === 'AbortError' || String(err).includes('cancelled');
}
