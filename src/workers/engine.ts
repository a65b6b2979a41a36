/**
 * The compute engine that lives in the worker: it owns tfjs, the expression matrix and the
 * models, and answers the UI with small results. Core code does the maths; this file wires it.
 */
import * as tf from '@tensorflow/tfjs';
import { chooseBackend, medianMatMulMs, trySetBackend, type BackendChoice, type BackendName, type ProbeTimes } from '../compute/backend.ts';
import { decodeCompact, type CompactHeader } from '../core/data/compact_format.ts';
import type { Dataset } from '../core/data/dataset.ts';
import { modelInput } from '../core/data/preprocess.ts';
import type { AlignmentReport } from '../core/data/alignment.ts';
import { alignDataset } from './gene_alignment.ts';
import { CacheQuotaError, DatasetCache, datasetHash, derivedKey } from '../storage/dataset_cache.ts';
import { packDataset, unpackDataset } from '../core/session/embedded_dataset.ts';
import { sha256OfChunks } from '../storage/digest.ts';
import { readUserFiles, type ReadChoices } from './open_files.ts';
import { validateManifest, type ClassifierManifest, type VaeManifest, type Manifest } from '../core/model/manifest.ts';
import { explainOutputTarget, runExtraModel, type ExtraModel } from './extra_model.ts';
import { integratedGradients } from '../core/attribution/integrated_gradients.ts';
import { logitTarget, probabilityTarget, type BatchModel, type TargetFn } from '../core/attribution/targets.ts';
import { denseLogitGradient, denseProbabilityGradient, extractDenseStack, type DenseStack } from '../core/attribution/dense_backprop.ts';
import type { GradientFn } from '../core/attribution/batching.ts';
import { runAttributionBench, type AttributionBenchOptions } from './attribution_bench.ts';
import { destroyActiveDevice, deviceLostReason, deviceLostWithin, watchDeviceLoss } from '../compute/limits.ts';
import {
  DeviceLostError,
  extractStackFor,
  runAttribution,
  runDecoderJacobian,
  type InputPart,
  type ModelRows,
  type StackPart,
  type AttributeRequest,
  type AttributeResult,
} from './attribution_jobs.ts';
import * as Comlink from 'comlink';
import { ExploreCompute } from './explore_compute.ts';
import { embeddedBlobs, syntheticCounts } from '../core/data/synthetic.ts';
import { decodeLatent } from '../core/embedding/traversal.ts';
import { denseBaselineDe, runDifferentialExpression, runGeneSummaries, runGeneValues } from './compare_compute.ts';
import type { DeResult } from '../core/stats/differential_expression.ts';
import type { GeneSummary } from '../core/stats/gene_summary.ts';
import { GrnEngine } from './grn_engine.ts';
import { checkUserModel, loadClassifierOnBackend, sortModelFiles, type ClassifierSpec } from './user_model.ts';
import { alignToModel } from '../core/data/alignment.ts';
import type {
  CachedDatasetView,
  ComputedLayout,
  ExtraOutputs,
  GeneColumn,
  DatasetView,
  ExplainRequest,
  ExplainResult,
  Latent,
  ModelsView,
  Predictions,
  ProgressFn,
} from './protocol.ts';

const ROWS_PER_BATCH = 512;

type ModelPart = 'classifier' | 'encoder' | 'decoder';
/** The models on one backend: the classifier, the VAE's two halves, and the optional regressor / embedding. */
type LoadedModels = Record<ModelPart, tf.LayersModel> & { extra: tf.LayersModel | null };

/** Reads a tfjs model.json and its weight shards, with a sentence when something is missing or malformed. */
async function loadArtifacts(url: string): Promise<tf.io.ModelArtifacts> {
  try {
    const artifacts = await tf.io.http(url).load!();
    if (!artifacts.modelTopology || !artifacts.weightSpecs) throw new Error('it has no modelTopology or weightsManifest');
    return artifacts;
  } catch (err) {
    throw new Error(
      `Could not load the tfjs model ${url}: ${(err as Error).message}. Check that model.json and its .bin shards are together.`,
      { cause: err },
    );
  }
}

/** Fetches `url` and throws a sentence naming the file when the server says no. */
async function fetchOk(url: string): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (err) {
    throw new Error(`Could not read ${url}: ${(err as Error).message}. Check that the app is served from its own folder.`, { cause: err });
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

/**
 * SHA-256 over the manifests and each model's topology, weight specs and weight bytes: the model
 * half of a derived-result key, so new weights never reuse results cached for old ones.
 */
async function modelHash(manifests: Manifest[], parts: tf.io.ModelArtifacts[]): Promise<string> {
  const text = new TextEncoder();
  const chunks: Uint8Array[] = [text.encode(JSON.stringify(manifests))];
  for (const a of parts) {
    chunks.push(text.encode(JSON.stringify({ topology: a.modelTopology, weightSpecs: a.weightSpecs })));
    const data = a.weightData ?? [];
    for (const buf of Array.isArray(data) ? data : [data]) chunks.push(new Uint8Array(buf));
  }
  return sha256OfChunks(chunks);
}

/** Rows `[start, start+count)` of `x` `[n, g]` as a tensor. */
/**
 * Model input, built on demand from the sparse matrix: rows `[start, start+count)` as dense
 * `[count, nModelGenes]` float32. Never the whole dense matrix (800 MB at 100k cells x 2,000 genes).
 */
interface ModelInput {
  nCells: number;
  nGenes: number;
  /** The model's input genes, in its order. */
  genes: string[];
  rows(start: number, count: number): Float32Array;
  /** Rows at arbitrary dataset indices, `[rows.length, nGenes]`. */
  rowsAt(rows: Uint32Array): Float32Array;
}

/** A model's input over `ds`: its genes through `alignment`, preprocessed as its manifest says, built per batch. */
function modelInputOf(ds: Dataset, manifest: Manifest, alignment: AlignmentReport): ModelInput {
  const steps = manifest.preprocessing.steps;
  return {
    nCells: ds.matrix.nRows,
    nGenes: manifest.input.genes.length,
    genes: manifest.input.genes,
    rows: (start, count) =>
      modelInput(
        ds,
        steps,
        alignment,
        Uint32Array.from({ length: count }, (_, i) => start + i),
      ),
    rowsAt: (rows) => modelInput(ds, steps, alignment, rows),
  };
}

const rowsTensor = (input: ModelInput, start: number, count: number) => tf.tensor2d(input.rows(start, count), [count, input.nGenes]);
const MEAN_CHUNK_ROWS = 4096;

export class Engine {
  private choice: BackendChoice | null = null;
  private ds: Dataset | null = null;
  private hash: string | null = null;
  /** The files behind the open dataset, kept so they can be read again with other choices. */
  private lastFiles: File[] | null = null;
  /** Model files held in memory, so each backend gets its own copy of the weights. */
  private artifacts: Record<ModelPart, tf.io.ModelArtifacts> | null = null;
  /**
   * Models per backend. Weights are never shared across backends: tfjs would move them with a
   * synchronous GPU read, which on WebGPU in a worker returned zeros (measured) and lost the page's WebGL context.
   */
  private modelsByBackend = new Map<string, Promise<LoadedModels>>();
  /**
   * The classifier as a plain Dense stack per backend (weights transposed once), for explicit
   * backprop: ~2x the forward pass on wasm against ~14x for tf.grad (scripts/bench_gradient.ts).
   * null when the model is not a Dense stack; tf.grad is used then.
   */
  private classifierStacks = new Map<string, DenseStack | null>();
  /** Dense stacks of every model part, keyed `backend:part`, for many-cell attribution runs. */
  private partStacks = new Map<string, DenseStack | null>();
  private manifests: { classifier: ClassifierManifest; vae: VaeManifest } | null = null;
  /** Hash of the loaded models (see modelHash): with the dataset hash, it keys cached derived results. */
  private modelHash: string | null = null;
  private alignment: AlignmentReport | null = null;
  /** The app's base URL (where data/genes/ lives) and whether to map genes across species. */
  private appBase = '';
  private useOrthologs = false;
  /** The model input of the open dataset (log1p CP10k of the model genes), built per batch. */
  private x: ModelInput | null = null;
  /** The VAE's input when its genes differ from the classifier's (a user classifier); else null and x serves both. */
  private vaeX: ModelInput | null = null;
  /** The user's regressor or embedding model, beside the classifier and VAE; null when none is open. */
  private extraModel: ExtraModel | null = null;
  /** The extra model's own input (its genes and preprocessing), or null. */
  private extraX: ModelInput | null = null;
  /** How to run a user classifier (GraphModel, probability output); null for the bundled LayersModel. */
  private classifierSpec: ClassifierSpec | null = null;
  /** Which active models came from the user's files (the rest are the bundled demo models). */
  private userParts: ('classifier' | 'vae')[] = [];
  private meanBaseline: { input: ModelInput; mean: Float32Array } | null = null;
  private predictions: Predictions | null = null;
  private cancelled = new Set<number>();
  /** Gene columns, expression PCA and UMAP (src/workers/explore_compute.ts). */
  private explore = new ExploreCompute();
  /** GRN sources, subgraphs, TF activity and model-derived edges (the regulation view; grn_engine.ts). */
  readonly regulation = new GrnEngine({
    dataset: () => this.ds,
    signal: (jobId) => this.signal(jobId),
    modelGenes: () => this.manifests?.classifier.input.genes ?? null,
    inputRows: (cells) => {
      const x = this.requireInput();
      const out = new Float32Array(cells.length * x.nGenes);
      cells.forEach((c, i) => out.set(x.rows(c, 1), i * x.nGenes));
      return out;
    },
    decoder: async () => (await this.models()).decoder,
    classifier: async () => (await this.models()).classifier,
    classifierGradient: (classIndex) => this.classifierGradient('logit', classIndex),
  });

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

  /** Loads a compact dataset (`dataset.json` + `dataset.bin` under `baseUrl`): the bundled demo. */
  async loadDataset(baseUrl: string): Promise<DatasetView> {
    const t0 = performance.now();
    const [headerRes, bodyRes] = await Promise.all([fetchOk(`${baseUrl}/dataset.json`), fetchOk(`${baseUrl}/dataset.bin`)]);
    const header = (await headerRes.json()) as CompactHeader;
    const ds = decodeCompact(header, await bodyRes.arrayBuffer());
    return this.useDataset(ds, { source: 'demo', fileName: baseUrl.split('/').pop() ?? 'demo', cacheNote: 'Bundled with the app.' }, t0);
  }

  /** The open dataset packed for embedding in a session file (core/session/embedded_dataset). */
  async exportDataset(): Promise<Uint8Array> {
    const bytes = packDataset(this.requireDataset());
    return bytes;
  }

  /** Opens (and caches) a dataset embedded in a session file, as if its file had been dropped in. */
  async importDataset(bytes: Uint8Array, fileName: string): Promise<DatasetView> {
    const t0 = performance.now();
    return this.useDataset(unpackDataset(bytes), { source: 'file', fileName }, t0);
  }

  /** Reads the user's files (never uploaded), caches the dataset, and makes it the open one. */
  async openFiles(jobId: number, files: File[], onProgress?: ProgressFn, choices: ReadChoices = {}): Promise<DatasetView> {
    const t0 = performance.now();
    const { dataset, fileName, notes, offered } = await readUserFiles(files, {
      onProgress: (f) => onProgress?.(f, 'Reading'),
      signal: this.signal(jobId),
      choices,
    });
    this.lastFiles = files;
    const readMs = performance.now() - t0;
    const view = await this.useDataset(dataset, { source: 'file', fileName }, t0);
    return { ...view, offered, notes: [...new Set([...notes, ...view.notes])], timings: { readMs, ...view.timings } };
  }

  /** Reads the last opened files again with other choices (another h5ad matrix, the other CSV orientation). */
  async rereadFiles(jobId: number, choices: ReadChoices, onProgress?: ProgressFn): Promise<DatasetView> {
    if (!this.lastFiles) throw new Error('There is no opened file to read again; open it first.');
    return this.openFiles(jobId, this.lastFiles, onProgress, choices);
  }

  /** Datasets in the IndexedDB cache, most recent first (empty when storage is unavailable). */
  async listCached(): Promise<CachedDatasetView[]> {
    const cache = await this.openCache();
    if (!cache) return [];
    return (await cache.list()).map(({ header: _header, chunkHashes: _chunkHashes, ...view }) => view);
  }

  /** Reopens a cached dataset: the matrix is back in memory, ready to compute. */
  async openCached(hash: string): Promise<DatasetView> {
    const t0 = performance.now();
    const cache = await this.openCache();
    if (!cache)
      throw new Error('Browser storage is not available in this window (private browsing?), so there is no cache to reopen from.');
    const hit = await cache.get(hash);
    if (!hit) throw new Error('That dataset is no longer in the cache. Open its file again.');
    return this.useDataset(
      hit.dataset,
      { source: 'cache', fileName: hit.record.sourceFileName, hash, cacheNote: "Reopened from this browser's cache." },
      t0,
    );
  }

  /** Recomputes the open dataset's content hash from its arrays (tests: a reopened copy is byte-identical). */
  async recomputeHash(): Promise<string> {
    return datasetHash(this.requireDataset());
  }

  /** HDF5 read-ahead block size in bytes, 0 = off (the bench measures both in one run). */
  async setHdf5ReadAhead(bytes: number): Promise<void> {
    (await import('./hdf5_mount.ts')).setHdf5ReadAhead(bytes);
  }

  /** Removes a dataset from the cache. */
  async deleteCached(hash: string): Promise<void> {
    const cache = await this.openCache();
    await cache?.delete(hash);
  }

  /**
   * Makes `ds` the open dataset: hashes it, stores it in the cache (unless it came from there),
   * and re-aligns it to the loaded models. Returns what the UI shows.
   */
  private async useDataset(
    ds: Dataset,
    from: { source: DatasetView['source']; fileName: string; hash?: string; cacheNote?: string },
    t0: number,
  ): Promise<DatasetView> {
    const tHash = performance.now();
    const hash = from.hash ?? (await datasetHash(ds));
    const timings: Record<string, number> = { hashMs: performance.now() - tHash };
    let cacheNote = from.cacheNote ?? '';
    const tCache = performance.now();
    if (from.source === 'file') {
      const cache = await this.openCache();
      if (!cache) cacheNote = 'Kept in memory only: browser storage is not available in this window.';
      else {
        try {
          await cache.put(ds, from.fileName, hash);
          cacheNote = 'Saved in this browser: it reopens instantly next time.';
        } catch (err) {
          cacheNote = err instanceof CacheQuotaError ? err.message : `Kept in memory only: caching failed (${(err as Error).message}).`;
        }
      }
    }
    if (from.source === 'file') timings.cacheWriteMs = performance.now() - tCache;
    this.ds = ds;
    this.hash = hash;
    this.explore.reset();
    this.x = null;
    this.predictions = null;
    this.useOrthologs = false;
    if (this.manifests) await this.prepareModelInput();
    return {
      name: ds.name,
      hash,
      source: from.source,
      fileName: from.fileName,
      cacheNote,
      notes: ds.notes ?? [],
      valueKind: ds.valueKind,
      nCells: ds.matrix.nRows,
      nGenes: ds.matrix.nCols,
      nnz: ds.matrix.data.length,
      cellIds: ds.cellIds,
      genes: ds.genes,
      obs: ds.obs,
      obsm: ds.obsm,
      provenance: ds.provenance ?? '',
      loadMs: performance.now() - t0,
      timings,
    };
  }

  /** Aligns the open dataset to the models' genes and builds their input and the mean baseline. */
  private async prepareModelInput(): Promise<ModelsView['alignment']> {
    const ds = this.requireDataset();
    const cls = this.manifests!.classifier;
    const options = { base: this.appBase || self.location.href, useOrthologs: this.useOrthologs };
    this.alignment = await alignDataset(ds, cls.input.genes, options);
    this.x = modelInputOf(ds, cls, this.alignment);
    // The VAE and the extra regressor / embedding each read their own genes when they differ.
    const vae = this.manifests!.vae;
    const isSameGenes = vae.input.genes.join('\n') === cls.input.genes.join('\n');
    this.vaeX = isSameGenes ? null : modelInputOf(ds, vae, await alignDataset(ds, vae.input.genes, options));
    const extra = this.extraModel?.manifest;
    this.extraX = extra ? modelInputOf(ds, extra, await alignDataset(ds, extra.input.genes, options)) : null;
    this.meanBaseline = null;
    this.predictions = null;
    return this.alignmentReport()!;
  }

  /** Mean input of a model over every cell `[nModelGenes]` (IG's dataset-mean baseline), computed on first use. */
  private datasetMean(x: ModelInput = this.requireInput()): Float32Array {
    if (this.meanBaseline?.input === x) return this.meanBaseline.mean;
    const mean = new Float64Array(x.nGenes);
    for (let start = 0; start < x.nCells; start += MEAN_CHUNK_ROWS) {
      const count = Math.min(MEAN_CHUNK_ROWS, x.nCells - start);
      const block = x.rows(start, count);
      for (let k = 0; k < block.length; k++) mean[k % x.nGenes] += block[k];
    }
    this.meanBaseline = { input: x, mean: Float32Array.from(mean, (v) => v / Math.max(1, x.nCells)) };
    return this.meanBaseline.mean;
  }

  /** How the open dataset lines up with the models: counts, routes and the sentence the UI shows. */
  alignmentReport(): ModelsView['alignment'] | null {
    const a = this.alignment;
    if (!a) return null;
    return {
      nMatched: a.nMatched,
      nModelGenes: a.nModelGenes,
      missing: a.missing.slice(0, 200),
      byRoute: a.byRoute,
      isTrustworthy: a.isTrustworthy,
      isOrthologMappingSuggested: a.isOrthologMappingSuggested,
      isOrthologMapped: a.isOrthologMapped,
      message: a.message,
    };
  }

  /** Maps genes across species (mouse data, human model) through Ensembl orthologs, or stops doing so. */
  async setOrthologMapping(isOn: boolean): Promise<ModelsView['alignment']> {
    this.useOrthologs = isOn;
    return this.prepareModelInput();
  }

  private cachePromise: Promise<DatasetCache | null> | null = null;
  private openCache(): Promise<DatasetCache | null> {
    // Storage can be missing or blocked (private windows, disabled site data): the app then works in memory.
    this.cachePromise ??= DatasetCache.open().catch(() => null);
    return this.cachePromise;
  }

  /** Loads the classifier and the VAE (encoder + decoder) and prepares the dataset as their input. */
  async loadModels(classifierBase: string, vaeBase: string, appBase?: string): Promise<ModelsView> {
    const t0 = performance.now();
    this.requireDataset();
    const [cls, vae] = await Promise.all([loadManifest(`${classifierBase}/manifest.json`), loadManifest(`${vaeBase}/manifest.json`)]);
    if (cls.kind !== 'classifier') throw new Error(`${classifierBase}/manifest.json describes a ${cls.kind}, not a classifier.`);
    if (vae.kind !== 'vae') throw new Error(`${vaeBase}/manifest.json describes a ${vae.kind}, not a VAE.`);
    if (cls.input.genes.join('\n') !== vae.input.genes.join('\n')) {
      throw new Error('The demo classifier and VAE read different gene lists; retrain them together with npm run train.');
    }
    const [classifier, encoder, decoder] = await Promise.all(
      [`${classifierBase}/${cls.files.model}`, `${vaeBase}/${vae.files.encoder}`, `${vaeBase}/${vae.files.decoder}`].map(loadArtifacts),
    );
    this.appBase = appBase ?? '';
    this.userParts = [];
    this.extraModel = null;
    const alignment = await this.swapModels(cls, vae, { classifier, encoder, decoder }, null);
    return {
      classifier: cls,
      vae,
      alignment,
      modelHash: this.modelHash!,
      loadMs: performance.now() - t0,
      source: { classifier: 'bundled', vae: 'bundled' },
      extra: null,
    };
  }

  /** Drops every backend's copy of the old models and makes these the active ones; the hash changes with them. */
  private async swapModels(
    cls: ClassifierManifest,
    vae: VaeManifest,
    artifacts: Record<ModelPart, tf.io.ModelArtifacts>,
    spec: ClassifierSpec | null,
    userParts: ('classifier' | 'vae')[] = [],
  ): Promise<ModelsView['alignment']> {
    for (const models of this.modelsByBackend.values()) for (const m of Object.values(await models.catch(() => ({})))) m?.dispose();
    this.modelsByBackend.clear();
    for (const stack of this.classifierStacks.values()) stack?.dispose();
    this.classifierStacks.clear();
    for (const stack of this.partStacks.values()) stack?.dispose();
    this.partStacks.clear();
    this.artifacts = artifacts;
    this.classifierSpec = spec;
    // The spec changes how the same weights are run (log p), so it is part of the hash; so is whose
    // files they are, so a user's model never reads results cached for the bundled one.
    const tags = spec || userParts.length ? [{ spec, userParts } as unknown as Manifest] : [];
    const extra = this.extraModel;
    this.modelHash = await modelHash(
      [cls, vae, ...tags, ...(extra ? [extra.manifest] : [])],
      [artifacts.classifier, artifacts.encoder, artifacts.decoder, ...(extra ? [extra.artifacts] : [])],
    );
    await this.models();
    this.manifests = { classifier: cls, vae };
    return this.prepareModelInput();
  }

  /**
   * Opens the user's own model from their files (model.json + .bin shards, optional manifest.json, a
   * gene list when there is no manifest; encoder/ and decoder/ folders for a VAE) and makes it the
   * active classifier or VAE; the other model stays. Nothing changes when the files are wrong: the
   * error's message is the sentence to show. A GeneListNeededError asks the UI for the gene list.
   */
  async openUserModel(files: File[]): Promise<ModelsView> {
    const t0 = performance.now();
    const ds = this.requireDataset();
    if (!this.manifests || !this.artifacts) throw new Error('The bundled models are still loading; open your model once they are ready.');
    const sorted = await sortModelFiles(files);
    const checked = await checkUserModel(tf, sorted, async (genes, nRows) => {
      const alignment = alignToModel(ds, genes);
      const n = Math.min(nRows, ds.matrix.nRows);
      const steps = [{ op: 'normalize_total', targetSum: 10000 } as const, { op: 'log1p' } as const, { op: 'select_genes' } as const];
      return modelInput(
        ds,
        steps,
        alignment,
        Uint32Array.from({ length: n }, (_, i) => i),
      );
    });
    const old = {
      manifests: this.manifests,
      artifacts: this.artifacts,
      spec: this.classifierSpec,
      userParts: this.userParts,
      extra: this.extraModel,
    };
    try {
      let alignment: ModelsView['alignment'];
      if (checked.kind !== 'classifier' && checked.kind !== 'vae') {
        // A regressor or embedding sits beside the classifier and VAE; a second one replaces the first.
        this.extraModel = { manifest: checked.manifest, artifacts: checked.artifacts, spec: checked.spec };
        alignment = await this.swapModels(old.manifests.classifier, old.manifests.vae, old.artifacts, old.spec, old.userParts);
      } else if (checked.kind === 'classifier') {
        this.userParts = [...new Set([...old.userParts, 'classifier' as const])];
        alignment = await this.swapModels(
          checked.manifest,
          old.manifests.vae,
          { ...old.artifacts, classifier: checked.artifacts },
          checked.spec,
          this.userParts,
        );
      } else {
        alignment = await this.swapModels(
          old.manifests.classifier,
          checked.manifest,
          { ...old.artifacts, encoder: checked.encoder, decoder: checked.decoder },
          old.spec,
          (this.userParts = [...new Set([...old.userParts, 'vae' as const])]),
        );
      }
      return {
        classifier: this.manifests.classifier,
        vae: this.manifests.vae,
        alignment,
        modelHash: this.modelHash!,
        loadMs: performance.now() - t0,
        source: {
          classifier: this.userParts.includes('classifier') ? 'user' : 'bundled',
          vae: this.userParts.includes('vae') ? 'user' : 'bundled',
        },
        assumptions: checked.assumptions,
        format: checked.kind === 'vae' ? 'layers-model' : checked.spec.format,
        extra: this.extraModel?.manifest ?? null,
      };
    } catch (err) {
      // The new model did not run here: put the previous one back, so the app keeps working.
      this.userParts = old.userParts;
      this.extraModel = old.extra;
      await this.swapModels(old.manifests.classifier, old.manifests.vae, old.artifacts, old.spec, old.userParts);
      throw err;
    }
  }

  /** Encoder means z for every cell, in batches with progress; from the derived-results cache when there. */
  async encode(jobId: number, onProgress?: ProgressFn): Promise<Latent> {
    const t0 = performance.now();
    const cached = await this.getDerived<{ z: Float32Array }>(this.derivedKeyNow('encode'));
    if (cached) return { z: cached.z, latentDim: this.manifests!.vae.output.latentDim, ms: performance.now() - t0, fromCache: true };
    const { encoder } = await this.models();
    const key = this.derivedKeyNow('encode');
    const z = await this.runBatched(
      jobId,
      (t) => (encoder.apply(t) as tf.Tensor[])[0],
      'Encoding cells',
      onProgress,
      this.vaeX ?? undefined,
    );
    await this.putDerived(key, { z });
    return { z, latentDim: this.manifests!.vae.output.latentDim, ms: performance.now() - t0, fromCache: false };
  }

  /** Classifier probabilities and predicted class for every cell; from the derived-results cache when there. */
  async predict(jobId: number, onProgress?: ProgressFn): Promise<Predictions> {
    const t0 = performance.now();
    const cached = await this.getDerived<{ probabilities: Float32Array; predicted: Int32Array }>(this.derivedKeyNow('predict'));
    if (cached) {
      this.predictions = { ...cached, ms: performance.now() - t0, fromCache: true };
      return this.predictions;
    }
    const model = (await this.models()).classifier;
    const key = this.derivedKeyNow('predict');
    const probabilities = await this.runBatched(
      jobId,
      (t) => tf.softmax(model.apply(t) as tf.Tensor2D),
      'Predicting cell types',
      onProgress,
    );
    const k = this.manifests!.classifier.output.classes.length;
    const n = probabilities.length / k;
    const predicted = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      let best = 0;
      for (let c = 1; c < k; c++) if (probabilities[i * k + c] > probabilities[i * k + best]) best = c;
      predicted[i] = best;
    }
    await this.putDerived(key, { probabilities, predicted });
    this.predictions = { probabilities, predicted, ms: performance.now() - t0, fromCache: false };
    return this.predictions;
  }

  /**
   * Key of a derived result of the open dataset and models, taken when the computation reads its
   * input. Ortholog mapping changes that input, so it is a parameter (read from the alignment that built x).
   */
  private derivedKeyNow(
    method: 'encode' | 'predict' | 'ig',
    extra: Record<string, unknown> = {},
  ): { key: string; datasetHash: string } | null {
    if (!this.hash || !this.modelHash) return null;
    const params = { ...extra, ...(this.alignment?.isOrthologMapped ? { orthologs: true } : {}) };
    return { key: derivedKey(this.hash, this.modelHash, method, params), datasetHash: this.hash };
  }

  /** A cached derived result, or null; the cache is only a shortcut, so its failures mean "compute it". */
  private async getDerived<T>(key: { key: string } | null): Promise<T | null> {
    if (!key) return null;
    try {
      return (await (await this.openCache())?.getDerived<T>(key.key)) ?? null;
    } catch {
      return null;
    }
  }

  /** Stores a derived result (quota errors are swallowed by the cache; other failures only cost a recomputation). */
  private async putDerived(key: { key: string; datasetHash: string } | null, value: unknown): Promise<void> {
    if (!key) return;
    try {
      await (await this.openCache())?.putDerived(key.key, key.datasetHash, value);
    } catch {
      // Not cached: the next request computes it again.
    }
  }

  /**
   * The open regressor's or embedding's output for every cell, `[nCells, nOut]`, in batches with
   * progress and cancel; null when none is open.
   */
  async predictExtra(jobId: number, onProgress?: ProgressFn): Promise<ExtraOutputs | null> {
    const extra = this.extraModel;
    if (!extra || !this.extraX) return null;
    const model = (await this.models()).extra!;
    return runExtraModel(extra.manifest, (fn, label) => this.runBatched(jobId, fn, label, onProgress, this.extraX!), model);
  }

  /** The extra model's Dense stack on the active backend (cached), or null when it is not a Dense chain. */
  private extraStack(model: tf.LayersModel) {
    const key = `${tf.getBackend()}:extra`;
    if (!this.partStacks.has(key)) this.partStacks.set(key, extractStackFor('extra', model));
    return this.partStacks.get(key) ?? null;
  }

  /** Encoder means of the first `nRows` cells on `backend`, then restores the chosen backend (tests, bench). */
  async encodeOn(backend: BackendName, nRows: number): Promise<{ z: Float32Array; backend: BackendName; ms: number }> {
    return this.onBackend(backend, async () => {
      const x = this.vaeX ?? this.requireInput();
      const rows = Math.min(nRows, x.nCells);
      const t0 = performance.now();
      const { encoder } = await this.models();
      const out = tf.tidy(() => (encoder.apply(rowsTensor(x, 0, rows)) as tf.Tensor[])[0]);
      const z = (await out.data()) as Float32Array;
      out.dispose();
      return { z, backend, ms: performance.now() - t0 };
    });
  }

  /**
   * Integrated gradients for one cell. Target: a class logit or probability, or ('output') column
   * `outputIndex` of the open regressor (a named output) or embedding (a dimension), through that model's own input.
   */
  async explainCell(jobId: number, req: ExplainRequest, onProgress?: ProgressFn): Promise<ExplainResult> {
    const t0 = performance.now();
    const isOutput = req.target === 'output';
    const extra = this.extraModel;
    if (isOutput && (!extra || !this.extraX))
      throw new Error('No regressor or embedding model is open; open one in the Model section first.');
    const x = isOutput ? this.extraX! : this.requireInput();
    const cls = this.manifests!.classifier;
    const genes = x.genes;
    const g = genes.length;
    if (!Number.isInteger(req.cell) || req.cell < 0 || req.cell >= x.nCells)
      throw new Error(`Cell ${req.cell} does not exist in this dataset.`);
    const preds = this.predictions ?? (await this.predict(jobId));
    const models = await this.models();
    let classIndex: number;
    let className: string;
    let target: TargetFn;
    let gradientFn: GradientFn | undefined;
    if (isOutput) {
      const picked = explainOutputTarget(tf, extra!.manifest, models.extra!, req.outputIndex ?? 0, this.extraStack(models.extra!));
      ({ target, gradientFn } = picked);
      classIndex = req.outputIndex ?? 0;
      className = picked.name;
    } else {
      classIndex = req.classIndex ?? preds.predicted[req.cell];
      className = cls.output.classes[classIndex];
      const net: BatchModel = (t) => models.classifier.apply(t) as tf.Tensor2D;
      target = req.target === 'probability' ? probabilityTarget(tf, net, classIndex) : logitTarget(tf, net, classIndex);
      gradientFn = await this.classifierGradient(req.target === 'probability' ? 'probability' : 'logit', classIndex);
    }
    const cellX = x.rows(req.cell, 1);
    const backend = tf.getBackend() as BackendName;
    // The backend is part of the key: results agree across backends only to a tolerance, and tests compare them.
    const key = this.derivedKeyNow('ig', {
      cell: req.cell,
      baseline: req.baseline,
      steps: req.steps,
      rule: req.rule,
      target: req.target,
      classIndex,
      backend,
    });
    type CachedIg = Pick<ExplainResult, 'attributions' | 'fx' | 'fBaseline' | 'deltaAbs' | 'deltaRel'>;
    const hit = await this.getDerived<CachedIg>(key);
    const finish = (r: CachedIg, fromCache: boolean): ExplainResult => {
      const order = [...r.attributions.keys()].sort((a, b) => Math.abs(r.attributions[b]) - Math.abs(r.attributions[a]));
      const top = order.slice(0, 20).map((j) => ({ gene: genes[j], attribution: r.attributions[j], expression: cellX[j] }));
      return {
        ...r,
        request: req,
        classIndex,
        className,
        top,
        backend,
        ms: performance.now() - t0,
        fromCache,
      };
    };
    if (hit) return finish(hit, true);
    const baseline = req.baseline === 'mean' ? this.datasetMean(x) : new Float32Array(g);
    const ig = await integratedGradients(tf, target, cellX, baseline, {
      nGenes: g,
      gradientFn,
      steps: req.steps,
      rule: req.rule,
      signal: this.signal(jobId),
      onProgress: (f) => onProgress?.(f, 'Integrated gradients'),
    });
    const result: CachedIg = {
      attributions: ig.attributions,
      fx: ig.fx[0],
      fBaseline: ig.fBaseline[0],
      deltaAbs: ig.deltaAbs[0],
      deltaRel: ig.deltaRel[0],
    };
    await this.putDerived(key, result);
    return finish(result, false);
  }

  /** `explainCell` on a given backend, then back to the chosen one (tests compare backends with it). */
  async explainCellOn(backend: BackendName, jobId: number, req: ExplainRequest): Promise<ExplainResult> {
    return this.onBackend(backend, () => this.explainCell(jobId, req));
  }

  /**
   * Any attribution method and target over many cells (a selection, or every cell for colour-by),
   * reduced to a per-gene aggregate or one gene's value per cell; see attribution_jobs.ts.
   */
  async attribute(jobId: number, req: AttributeRequest, onProgress?: ProgressFn): Promise<AttributeResult> {
    const preds = this.predictions ?? (await this.predict(jobId));
    watchDeviceLoss();
    try {
      return await runAttribution(await this.attributionContext(jobId, preds.predicted, onProgress), req);
    } catch (err) {
      if (!(err instanceof DeviceLostError)) throw err;
      // The GPU is gone (driver reset, another tab, or simulated): finish the same run on wasm.
      await this.setBackend('wasm');
      const res = await runAttribution(await this.attributionContext(jobId, preds.predicted, onProgress), req);
      return {
        ...res,
        notice: `The WebGPU device was lost during the run (${err.message}), so it was finished on wasm; the app now runs on wasm.`,
      };
    }
  }

  /** Destroys the WebGPU device now in use, to test the device-loss path; false on other backends. */
  simulateDeviceLoss(): boolean {
    return destroyActiveDevice();
  }

  /** Why the active WebGPU device was lost (waiting up to `ms`), or null; tests. */
  deviceLostReason(ms = 0): Promise<string | null> {
    return deviceLostWithin(ms);
  }

  /** `attribute` on a given backend, then back to the chosen one (tests compare backends with it). */
  async attributeOn(backend: BackendName, jobId: number, req: AttributeRequest): Promise<AttributeResult> {
    return this.onBackend(backend, () => this.attribute(jobId, req));
  }

  /** Attribution timings on `backend` (matMul peak, IG batched vs one row per call, gradient vs forward); bench only. */
  async benchAttribution(backend: BackendName, options: AttributionBenchOptions) {
    const preds = this.predictions ?? (await this.predict(-1));
    return this.onBackend(backend, async () => runAttributionBench(await this.attributionContext(-1, preds.predicted), options));
  }

  /** The VAE decoder Jacobian averaged over the latent means of `cells` (one cell: at that point). */
  async decoderJacobian(jobId: number, cells: Int32Array, onProgress?: ProgressFn) {
    const preds = this.predictions ?? (await this.predict(jobId));
    return runDecoderJacobian(await this.attributionContext(jobId, preds.predicted, onProgress), cells);
  }

  private async attributionContext(jobId: number, predicted: Int32Array, onProgress?: ProgressFn) {
    const x = this.requireInput();
    const models = await this.models();
    const backend = tf.getBackend();
    const inputs: Record<InputPart, ModelRows | null> = { classifier: x, vae: this.vaeX ?? x, extra: this.extraX };
    return {
      nCells: x.nCells,
      nGenes: x.nGenes,
      rowsAt: x.rowsAt,
      inputFor: (part: InputPart) => inputs[part],
      ...models,
      stack: (part: StackPart) => {
        const key = `${backend}:${part}`;
        const model = models[part];
        if (!model) return null;
        if (!this.partStacks.has(key)) this.partStacks.set(key, extractStackFor(part, model));
        return this.partStacks.get(key) ?? null;
      },
      predicted,
      signal: this.signal(jobId),
      onProgress,
      deviceLost: deviceLostReason,
      deviceLostWithin,
    };
  }

  /** Differential expression of group A vs group B (`[nCells]` 0/1 masks) over every gene; see compare_compute.ts. */
  async differentialExpression(
    jobId: number,
    maskA: Uint8Array,
    maskB: Uint8Array,
    onProgress?: ProgressFn,
  ): Promise<DeResult & { ms: number; indexMs: number }> {
    return runDifferentialExpression(this.requireDataset(), maskA, maskB, this.signal(jobId), onProgress);
  }

  /** Violin / dot-plot summaries of dataset gene columns over groups `codes` `[nCells]` (-1 = none). */
  async geneSummaries(genes: number[], codes: Int32Array, nGroups: number): Promise<GeneSummary[]> {
    return runGeneSummaries(this.requireDataset(), genes, codes, nGroups);
  }

  /** One gene's expression (log1p CP10k for counts) for every cell, `[nCells]`. */
  async geneValues(gene: number): Promise<Float32Array> {
    return runGeneValues(this.requireDataset(), gene);
  }

  /** The naive dense DE (bench baseline), timed. */
  async benchDenseDe(maskA: Uint8Array, maskB: Uint8Array): Promise<{ ms: number; nGenes: number; uSum: number; tSum: number }> {
    return denseBaselineDe(this.requireDataset(), maskA, maskB);
  }

  /** VAE decoder over latent points `[m, latentDim]`: `[m, nModelGenes]` expected log1p CP10k; `ms` is the decode time. */
  async decodeLatent(jobId: number, z: Float32Array): Promise<{ decoded: Float32Array; ms: number }> {
    const t0 = performance.now();
    if (!this.manifests) throw new Error('Open a model first.');
    const { decoder } = await this.models();
    // Let a queued cancel message arrive first: a newer slider position may have superseded this one.
    await new Promise((resolve) => setTimeout(resolve, 0));
    if (this.signal(jobId).aborted) {
      const err = new Error('Decoding was superseded.');
      err.name = 'AbortError';
      throw err;
    }
    const decoded = await decodeLatent(tf, decoder, z, this.manifests.vae.output.latentDim);
    return { decoded, ms: performance.now() - t0 };
  }

  /** Runs `fn` over every cell in batches; returns the concatenated `[nCells, outDim]` result. */
  private async runBatched(
    jobId: number,
    fn: (t: tf.Tensor2D) => tf.Tensor,
    label: string,
    onProgress?: ProgressFn,
    input?: ModelInput,
  ): Promise<Float32Array> {
    const x = input ?? this.requireInput();
    const n = x.nCells;
    const parts: Float32Array[] = [];
    const signal = this.signal(jobId);
    for (let start = 0; start < n; start += ROWS_PER_BATCH) {
      if (signal.aborted) {
        const err = new Error(`${label} was cancelled.`);
        err.name = 'AbortError';
        throw err;
      }
      const count = Math.min(ROWS_PER_BATCH, n - start);
      const out = tf.tidy(() => fn(rowsTensor(x, start, count)));
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

  /** One gene's expression for every cell, `[nCells]` float32, transferred (colour by gene). */
  geneColumn(symbol: string): GeneColumn {
    const col = this.explore.geneColumn(this.requireDataset(), symbol);
    return Comlink.transfer(col, [col.values.buffer]);
  }

  /** PCA of the expression (the model input, log1p CP10k of the model genes): the first two components. */
  async expressionPca(jobId: number, onProgress?: ProgressFn): Promise<ComputedLayout> {
    const r = await this.explore.expressionPca(this.requireInput(), 2, this.signal(jobId), onProgress);
    return Comlink.transfer({ coords: r.coords, explained: [...r.explained], ms: r.ms }, [r.coords.buffer]);
  }

  /**
   * UMAP (15 exact neighbours by matMul on the active backend, then umap-js's graph and optimisation on typed arrays) of `x`
   * (`[n, dim]`, e.g. the latent means), or of the expression's first 30 principal components when `x` is null.
   */
  async umap(jobId: number, x: Float32Array | null, dim: number, onProgress?: ProgressFn): Promise<ComputedLayout> {
    const t0 = performance.now();
    const signal = this.signal(jobId);
    let data = x;
    let d = dim;
    if (!data) {
      const pcs = await this.explore.expressionPca(this.requireInput(), 30, signal, (f) => onProgress?.(0.3 * f, 'PCA of the expression'));
      data = pcs.coords;
      d = 30;
    }
    const base = x ? 0 : 0.3;
    const n = data.length / d;
    const r = await this.explore.umap(data, n, d, {}, signal, (f, label) => onProgress?.(base + (1 - base) * f, label));
    return Comlink.transfer({ coords: r.coords, ms: performance.now() - t0 }, [r.coords.buffer]);
  }

  private benchGenes: { ds: Dataset; compute: ExploreCompute } | null = null;

  /** Bench: a synthetic `[nCells, nGenes]` count matrix (genes G0, G1, ...) and its CSC copy, kept apart from the open dataset. */
  benchPrepareGenes(nCells: number, nGenes: number): { nnz: number; generateMs: number; cscMs: number } {
    const t0 = performance.now();
    const matrix = syntheticCounts(nCells, nGenes, 7);
    const generateMs = performance.now() - t0;
    const ds: Dataset = {
      name: 'synthetic',
      matrix,
      valueKind: 'counts',
      genes: Array.from({ length: nGenes }, (_, j) => `G${j}`),
      cellIds: [],
      obs: {},
      obsm: {},
    };
    const compute = new ExploreCompute();
    const first = compute.geneColumn(ds, 'G0');
    this.benchGenes = { ds, compute };
    return { nnz: matrix.indptr[nCells], generateMs, cscMs: first.prepareMs };
  }

  /** Bench: one gene of the synthetic matrix, transferred (the colour-by-gene path at scale). */
  benchGene(symbol: string): GeneColumn {
    if (!this.benchGenes) throw new Error('Call benchPrepareGenes first.');
    const col = this.benchGenes.compute.geneColumn(this.benchGenes.ds, symbol);
    return Comlink.transfer(col, [col.values.buffer]);
  }

  /** Bench: UMAP of `n` synthetic points in `dim` dimensions (12 blobs on a 4-D structure), ours against umap-js alone. */
  async benchUmap(n: number, dim: number, which: 'ours' | 'umap-js', nCheck: number, seed = 1) {
    const { x } = embeddedBlobs(n, dim, 4, 12, 3);
    return this.explore.benchUmap(x, n, dim, which, nCheck, seed);
  }

  private requireDataset(): Dataset {
    if (!this.ds) throw new Error('No dataset is open yet.');
    return this.ds;
  }
  private requireInput(): ModelInput {
    if (!this.x) throw new Error('Open a dataset and a model first.');
    return this.x;
  }
  /** The gradient of the chosen target through explicit Dense backprop, when the classifier allows it. */
  private async classifierGradient(target: 'logit' | 'probability', classIndex: Int32Array | number): Promise<GradientFn | undefined> {
    const backend = tf.getBackend();
    if (!this.classifierStacks.has(backend)) {
      const { classifier } = await this.models();
      this.classifierStacks.set(backend, extractDenseStack(tf, classifier));
    }
    const stack = this.classifierStacks.get(backend);
    if (!stack) return undefined;
    return target === 'probability' ? denseProbabilityGradient(tf, stack, classIndex) : denseLogitGradient(tf, stack, classIndex);
  }

  /** The models on the active backend, loaded from the in-memory files on first use there. */
  private models(): Promise<LoadedModels> {
    const artifacts = this.artifacts;
    if (!artifacts) return Promise.reject(new Error('Open a model first.'));
    const backend = tf.getBackend();
    let models = this.modelsByBackend.get(backend);
    const extra = this.extraModel;
    if (!models) {
      models = (async () => {
        const [classifier, encoder, decoder, extraModel] = await Promise.all([
          loadClassifierOnBackend(tf, artifacts.classifier, this.classifierSpec),
          tf.loadLayersModel(tf.io.fromMemory(artifacts.encoder)),
          tf.loadLayersModel(tf.io.fromMemory(artifacts.decoder)),
          extra ? loadClassifierOnBackend(tf, extra.artifacts, extra.spec) : Promise.resolve(null),
        ]);
        return { classifier, encoder, decoder, extra: extraModel };
      })();
      this.modelsByBackend.set(backend, models);
    }
    return models;
  }

  /** Achieved GFLOP/s of an `n`×`n`×`n` matMul on `backend` (median of `reps` after a warm-up); bench only. */
  async matMulGflops(
    backend: BackendName,
    n = 1024,
    reps = 3,
  ): Promise<{ backend: BackendName; n: number; msMedian: number; gflops: number }> {
    return this.onBackend(backend, async () => {
      const msMedian = await medianMatMulMs(n, reps);
      return { backend, n, msMedian, gflops: (2 * n ** 3) / (msMedian * 1e6) };
    });
  }

  /**
   * Integrated gradients for the first `nCells` cells on `backend` (zero baseline, logit of the
   * predicted class), either batched as one computation or as a loop of one call per cell; bench only.
   */
  async benchIntegratedGradients(
    backend: BackendName,
    nCells: number,
    steps: number,
    mode: 'batched' | 'per-cell-loop',
  ): Promise<{
    backend: BackendName;
    mode: string;
    nCells: number;
    steps: number;
    ms: number;
    rowsPerSecond: number;
    maxDeltaRel: number;
  }> {
    const x = this.requireInput();
    const g = this.manifests!.classifier.input.genes.length;
    const preds = this.predictions ?? (await this.predict(-1));
    const cells = x.rows(0, Math.min(nCells, x.nCells));
    const classes = preds.predicted.slice(0, nCells);
    const baseline = new Float32Array(g);
    return this.onBackend(backend, async () => {
      const model = (await this.models()).classifier;
      const net: BatchModel = (t) => model.apply(t) as tf.Tensor2D;
      // Warm-up: compiles shaders / kernels so the timing is steady-state.
      await integratedGradients(tf, logitTarget(tf, net, classes[0]), cells.subarray(0, g), baseline, {
        nGenes: g,
        steps: 4,
        gradientFn: await this.classifierGradient('logit', classes[0]),
      });
      const t0 = performance.now();
      let maxDeltaRel = 0;
      if (mode === 'batched') {
        const r = await integratedGradients(tf, logitTarget(tf, net, classes), cells, baseline, {
          nGenes: g,
          gradientFn: await this.classifierGradient('logit', classes),
          steps,
          maxRowsPerChunk: nCells * (steps + 2),
        });
        maxDeltaRel = Math.max(...r.deltaRel);
      } else {
        for (let i = 0; i < nCells; i++) {
          const r = await integratedGradients(tf, logitTarget(tf, net, classes[i]), cells.subarray(i * g, (i + 1) * g), baseline, {
            nGenes: g,
            gradientFn: await this.classifierGradient('logit', classes[i]),
            steps,
          });
          maxDeltaRel = Math.max(maxDeltaRel, r.deltaRel[0]);
        }
      }
      const ms = performance.now() - t0;
      return { backend, mode, nCells, steps, ms, rowsPerSecond: (nCells * steps) / (ms / 1000), maxDeltaRel };
    });
  }

  /** Runs `fn` with `backend` active, then restores the chosen backend. */
  private async onBackend<T>(backend: BackendName, fn: () => Promise<T>): Promise<T> {
    const previous = tf.getBackend() as BackendName;
    if (!(await trySetBackend(backend))) throw new Error(`The ${backend} backend cannot start in this browser.`);
    try {
      return await fn();
    } finally {
      await trySetBackend(previous);
    }
  }
}
