/**
 * The compute engine that lives in the worker: it owns tfjs, the expression matrix and the
 * models, and answers the UI with small results. Core code does the maths; this file wires it.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, trySetBackend, type BackendChoice, type BackendName, type ProbeTimes } from '../compute/backend.ts';
import { decodeCompact, type CompactHeader } from '../core/data/compact_format.ts';
import type { Dataset } from '../core/data/dataset.ts';
import { alignGenes, modelInput, type GeneAlignment } from '../core/data/preprocess.ts';
import { validateManifest, type ClassifierManifest, type VaeManifest, type Manifest } from '../core/model/manifest.ts';
import { integratedGradients } from '../core/attribution/integrated_gradients.ts';
import { logitTarget, probabilityTarget, type BatchModel } from '../core/attribution/targets.ts';
import { parseCollectri, indexGrn, type GrnIndex } from '../core/graph/grn.ts';
import { extractSubgraph, type SubgraphSeed } from '../core/graph/subgraph.ts';
import { layoutGraph } from '../core/graph/layout.ts';
import type { DatasetView, ExplainRequest, ExplainResult, GraphView, Latent, ModelsView, Predictions, ProgressFn } from './protocol.ts';

const ROWS_PER_BATCH = 512;

/** Fetches `url` and throws a sentence naming the file when the server says no. */
async function fetchOk(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`Could not read ${url}: ${(err as Error).message}. Check that the app is served from its own folder.`);
  }
  if (!res.ok) throw new Error(`Could not read ${url} (HTTP ${res.status}). Check that the file exists next to the app.`);
  return res;
}

async function loadManifest(url: string): Promise<Manifest> {
  const json: unknown = await (await fetchOk(url)).json();
  const checked = validateManifest(json);
  if (!checked.ok) throw new Error(`The model manifest ${url} is not valid: ${checked.errors.join(' ')}`);
  return checked.manifest;
}

/** Rows `[start, start+count)` of `x` `[n, g]` as a tensor. */
const rowsTensor = (x: Float32Array, g: number, start: number, count: number) =>
  tf.tensor2d(x.subarray(start * g, (start + count) * g), [count, g]);

export class Engine {
  private choice: BackendChoice | null = null;
  private ds: Dataset | null = null;
  private classifier: tf.LayersModel | null = null;
  private encoder: tf.LayersModel | null = null;
  private decoder: tf.LayersModel | null = null;
  private manifests: { classifier: ClassifierManifest; vae: VaeManifest } | null = null;
  private alignment: GeneAlignment | null = null;
  /** `[nCells, nModelGenes]` model input (log1p CP10k of the model genes). */
  private x: Float32Array | null = null;
  private meanBaseline: Float32Array | null = null;
  private predictions: Predictions | null = null;
  private grn: GrnIndex | null = null;
  private cancelled = new Set<number>();

  /** Picks and starts the tfjs backend (see compute/backend.ts). */
  async init(options: { override?: BackendName | null; cachedProbe?: ProbeTimes | null }): Promise<BackendChoice> {
    this.choice = await chooseBackend(options);
    return this.choice;
  }

  /** Switches backend on request (the badge menu, tests, bench). Models move with tfjs's engine. */
  async setBackend(name: BackendName): Promise<BackendChoice> {
    return this.init({ override: name, cachedProbe: this.choice?.probe ?? null });
  }

  /** Asks a running job to stop at its next chunk boundary. */
  cancel(jobId: number): void {
    this.cancelled.add(jobId);
  }

  private signal(jobId: number) {
    const cancelled = this.cancelled;
    return {
      get aborted() {
        return cancelled.has(jobId);
      },
    };
  }

  /** Loads a compact dataset (`dataset.json` + `dataset.bin` under `baseUrl`). */
  async loadDataset(baseUrl: string): Promise<DatasetView> {
    const t0 = performance.now();
    const [headerRes, bodyRes] = await Promise.all([fetchOk(`${baseUrl}/dataset.json`), fetchOk(`${baseUrl}/dataset.bin`)]);
    const header = (await headerRes.json()) as CompactHeader;
    const ds = decodeCompact(header, await bodyRes.arrayBuffer());
    this.ds = ds;
    this.x = null;
    return {
      name: ds.name,
      nCells: ds.matrix.nRows,
      nGenes: ds.matrix.nCols,
      nnz: ds.matrix.data.length,
      cellIds: ds.cellIds,
      genes: ds.genes,
      obs: ds.obs,
      obsm: ds.obsm,
      provenance: ds.provenance ?? '',
      loadMs: performance.now() - t0,
    };
  }

  /** Loads the classifier and the VAE (encoder + decoder) and prepares the dataset as their input. */
  async loadModels(classifierBase: string, vaeBase: string): Promise<ModelsView> {
    const t0 = performance.now();
    const ds = this.requireDataset();
    const [cls, vae] = await Promise.all([loadManifest(`${classifierBase}/manifest.json`), loadManifest(`${vaeBase}/manifest.json`)]);
    if (cls.kind !== 'classifier') throw new Error(`${classifierBase}/manifest.json describes a ${cls.kind}, not a classifier.`);
    if (vae.kind !== 'vae') throw new Error(`${vaeBase}/manifest.json describes a ${vae.kind}, not a VAE.`);
    if (cls.input.genes.join('\n') !== vae.input.genes.join('\n')) {
      throw new Error('The demo classifier and VAE read different gene lists; retrain them together with npm run train.');
    }
    [this.classifier, this.encoder, this.decoder] = await Promise.all([
      tf.loadLayersModel(`${classifierBase}/${cls.files.model}`),
      tf.loadLayersModel(`${vaeBase}/${vae.files.encoder}`),
      tf.loadLayersModel(`${vaeBase}/${vae.files.decoder}`),
    ]);
    this.manifests = { classifier: cls, vae };
    this.alignment = alignGenes(ds.genes, cls.input.genes);
    this.x = modelInput(ds, cls.preprocessing.steps, this.alignment);
    const g = cls.input.genes.length;
    const mean = new Float64Array(g);
    const n = ds.matrix.nRows;
    for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) mean[j] += this.x[i * g + j];
    this.meanBaseline = Float32Array.from(mean, (v) => v / n);
    this.predictions = null;
    const { nMatched, nModelGenes, missing } = this.alignment;
    return { classifier: cls, vae, alignment: { nMatched, nModelGenes, missing }, loadMs: performance.now() - t0 };
  }

  /** Encoder means z for every cell, in batches with progress. */
  async encode(jobId: number, onProgress?: ProgressFn): Promise<Latent> {
    const t0 = performance.now();
    const z = await this.runBatched(jobId, (t) => (this.requireEncoder().predict(t) as tf.Tensor[])[0], 'Encoding cells', onProgress);
    return { z, latentDim: this.manifests!.vae.output.latentDim, ms: performance.now() - t0 };
  }

  /** Classifier probabilities and predicted class for every cell. */
  async predict(jobId: number, onProgress?: ProgressFn): Promise<Predictions> {
    const t0 = performance.now();
    const model = this.requireClassifier();
    const probabilities = await this.runBatched(jobId, (t) => tf.softmax(model.predict(t) as tf.Tensor2D), 'Predicting cell types', onProgress);
    const k = this.manifests!.classifier.output.classes.length;
    const n = probabilities.length / k;
    const predicted = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (probabilities[i * k + c] > probabilities[i * k + best]) best = c;
      predicted[i] = best;
    }
    this.predictions = { probabilities, predicted, ms: performance.now() - t0 };
    return this.predictions;
  }

  /** Encoder means of the first `nRows` cells on `backend`, then restores the chosen backend (tests, bench). */
  async encodeOn(backend: BackendName, nRows: number): Promise<{ z: Float32Array; backend: BackendName; ms: number }> {
    const previous = tf.getBackend() as BackendName;
    if (!(await trySetBackend(backend))) throw new Error(`The ${backend} backend cannot start in this browser.`);
    try {
      const x = this.requireInput();
      const g = this.manifests!.vae.input.genes.length;
      const rows = Math.min(nRows, x.length / g);
      const t0 = performance.now();
      const out = tf.tidy(() => (this.requireEncoder().predict(rowsTensor(x, g, 0, rows)) as tf.Tensor[])[0]);
      const z = (await out.data()) as Float32Array;
      out.dispose();
      return { z, backend, ms: performance.now() - t0 };
    } finally {
      await trySetBackend(previous);
    }
  }

  /** Integrated gradients for one cell (target: a class logit or probability). */
  async explainCell(jobId: number, req: ExplainRequest, onProgress?: ProgressFn): Promise<ExplainResult> {
    const t0 = performance.now();
    const x = this.requireInput();
    const cls = this.manifests!.classifier;
    const genes = cls.input.genes;
    const g = genes.length;
    if (!Number.isInteger(req.cell) || req.cell < 0 || req.cell >= x.length / g) throw new Error(`Cell ${req.cell} does not exist in this dataset.`);
    const preds = this.predictions ?? (await this.predict(jobId));
    const classIndex = req.classIndex ?? preds.predicted[req.cell];
    const model = this.requireClassifier();
    const net: BatchModel = (t) => model.apply(t) as tf.Tensor2D;
    const target = req.target === 'probability' ? probabilityTarget(tf, net, classIndex) : logitTarget(tf, net, classIndex);
    const cellX = x.slice(req.cell * g, (req.cell + 1) * g);
    const baseline = req.baseline === 'mean' ? this.meanBaseline! : new Float32Array(g);
    const ig = await integratedGradients(tf, target, cellX, baseline, {
      nGenes: g,
      steps: req.steps,
      rule: req.rule,
      signal: this.signal(jobId),
      onProgress: (f) => onProgress?.(f, 'Integrated gradients'),
    });
    const order = [...ig.attributions.keys()].sort((a, b) => Math.abs(ig.attributions[b]) - Math.abs(ig.attributions[a]));
    const top = order.slice(0, 20).map((j) => ({ gene: genes[j], attribution: ig.attributions[j], expression: cellX[j] }));
    return {
      request: req,
      classIndex,
      className: cls.output.classes[classIndex],
      top,
      attributions: ig.attributions,
      fx: ig.fx[0],
      fBaseline: ig.fBaseline[0],
      deltaAbs: ig.deltaAbs[0],
      deltaRel: ig.deltaRel[0],
      backend: tf.getBackend() as BackendName,
      ms: performance.now() - t0,
    };
  }

  /** The CollecTRI neighbourhood of the seed genes, laid out with a seeded force simulation. */
  async regulationGraph(grnUrl: string, seeds: SubgraphSeed[], size: { width: number; height: number }): Promise<GraphView> {
    if (!this.grn) this.grn = indexGrn(parseCollectri(await (await fetchOk(grnUrl)).text(), 'CollecTRI'));
    const present = new Set((this.ds?.genes ?? []).map((s) => s.toUpperCase()));
    const sub = extractSubgraph(this.grn, seeds, { hops: 1, maxNeighbours: 40, keepGene: (s) => present.has(s.toUpperCase()) });
    const layout = layoutGraph(sub, { seed: 7, width: size.width, height: size.height });
    return {
      nodes: sub.nodes.map((nd, i) => ({ ...nd, x: layout.nodes[i].x, y: layout.nodes[i].y })),
      links: sub.links.map((l, i) => ({ source: layout.links[i].source, target: layout.links[i].target, sign: l.sign, weight: l.weight, nEvidence: l.evidence.length })),
      dropped: sub.truncated.dropped,
      sourceName: 'CollecTRI',
      nEdgesInSource: this.grn.grn.edges.length,
    };
  }

  /** Runs `fn` over every cell in batches; returns the concatenated `[nCells, outDim]` result. */
  private async runBatched(jobId: number, fn: (t: tf.Tensor2D) => tf.Tensor, label: string, onProgress?: ProgressFn): Promise<Float32Array> {
    const x = this.requireInput();
    const g = this.manifests!.classifier.input.genes.length;
    const n = x.length / g;
    const parts: Float32Array[] = [];
    const signal = this.signal(jobId);
    for (let start = 0; start < n; start += ROWS_PER_BATCH) {
      if (signal.aborted) {
        const err = new Error(`${label} was cancelled.`);
        err.name = 'AbortError';
        throw err;
      }
      const count = Math.min(ROWS_PER_BATCH, n - start);
      const out = tf.tidy(() => fn(rowsTensor(x, g, start, count)));
      parts.push((await out.data()) as Float32Array);
      out.dispose();
      onProgress?.((start + count) / n, label);
    }
    const total = parts.reduce((a, p) => a + p.length, 0);
    const result = new Float32Array(total);
    let offset = 0;
    for (const p of parts) {
      result.set(p, offset);
      offset += p.length;
    }
    return result;
  }

  private requireDataset(): Dataset {
    if (!this.ds) throw new Error('No dataset is open yet.');
    return this.ds;
  }
  private requireInput(): Float32Array {
    if (!this.x) throw new Error('Open a dataset and a model first.');
    return this.x;
  }
  private requireClassifier(): tf.LayersModel {
    if (!this.classifier) throw new Error('The classifier is not loaded yet.');
    return this.classifier;
  }
  private requireEncoder(): tf.LayersModel {
    if (!this.encoder) throw new Error('The VAE encoder is not loaded yet.');
    return this.encoder;
  }

  /** Exposed for benchmarks: the decoder stays loaded for the traversal view. */
  get hasDecoder(): boolean {
    return this.decoder !== null;
  }
}
