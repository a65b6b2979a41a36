/**
 * The user's own model, opened in the worker: sorts the picked or dropped files (model.json, *.bin,
 * manifest.json, a gene list; encoder/ and decoder/ subfolders for a VAE), checks them with
 * core/model/load_model.ts and manifest.ts, and, without a manifest, builds one from a gene list and
 * what the model's outputs look like. The engine then swaps the checked model in (engine.openUserModel).
 */
import type * as tfjs from '@tensorflow/tfjs';
import {
  checkGeneCount,
  inferModelKind,
  loadUserModel,
  ModelFileError,
  parseGeneList,
  type LoadedUserModel,
} from '../core/model/load_model.ts';
import {
  validateManifest,
  type ClassifierManifest,
  type EmbeddingManifest,
  type RegressorManifest,
  type VaeManifest,
} from '../core/model/manifest.ts';

type Tf = typeof tfjs;

/** How a user classifier is run: its format, output, and whether its output already is a probability. */
export interface ClassifierSpec {
  format: LoadedUserModel['format'];
  outputName: string;
  /** The model ends in a softmax: the app runs log(p) as its "logits" so softmax(log p) = p. */
  isProbabilityOutput: boolean;
}

/** The user's files sorted by role. */
export interface SortedModelFiles {
  /** Files at the top of the folder (or picked one by one), by base name. */
  root: Map<string, ArrayBuffer>;
  encoder: Map<string, ArrayBuffer>;
  decoder: Map<string, ArrayBuffer>;
  manifest: { name: string; text: string } | null;
  geneList: { name: string; text: string } | null;
  /** A short name for the model: the folder's name, or the first model.json's parent. */
  label: string;
}

/** Sorts `files` by role; a .txt/.csv/.tsv is the gene list; other files (README, MODEL.md) are ignored. */
export async function sortModelFiles(files: File[]): Promise<SortedModelFiles> {
  const out: SortedModelFiles = { root: new Map(), encoder: new Map(), decoder: new Map(), manifest: null, geneList: null, label: '' };
  for (const f of files) {
    const path = (f.webkitRelativePath || f.name).replace(/\\/g, '/');
    const parts = path.split('/');
    const base = parts[parts.length - 1];
    if (!out.label && parts.length > 1) out.label = parts[0];
    if (/^manifest\.json$/i.test(base) && !parts.slice(0, -1).some((p) => /^(encoder|decoder)$/i.test(p))) {
      out.manifest = { name: path, text: await f.text() };
    } else if (/\.(txt|csv|tsv)$/i.test(base)) {
      out.geneList = { name: f.name, text: await f.text() };
    } else if (/\.(json|bin)$/i.test(base)) {
      const dir = parts.length > 1 ? parts[parts.length - 2].toLowerCase() : '';
      const set = dir === 'encoder' ? out.encoder : dir === 'decoder' ? out.decoder : out.root;
      set.set(base, await f.arrayBuffer());
    }
    // Anything else (a README, MODEL.md) is not part of the model: a picked folder often holds such files.
  }
  // Files picked one by one carry no folder name; "model" (from model.json) would say nothing.
  out.label ||= 'your model';
  return out;
}

/** A checked user model, ready to swap in: the manifest the app runs it by and its in-memory files. */
export type CheckedUserModel =
  | {
      kind: 'classifier';
      manifest: ClassifierManifest;
      artifacts: tfjs.io.ModelArtifacts;
      spec: ClassifierSpec;
      nIn: number;
      /** Sentences said on screen when the app had to assume something (no manifest). */
      assumptions: string[];
    }
  | {
      kind: 'regressor' | 'embedding';
      manifest: RegressorManifest | EmbeddingManifest;
      artifacts: tfjs.io.ModelArtifacts;
      spec: ClassifierSpec;
      nIn: number;
      assumptions: string[];
    }
  | {
      kind: 'vae';
      manifest: VaeManifest;
      encoder: tfjs.io.ModelArtifacts;
      decoder: tfjs.io.ModelArtifacts;
      assumptions: string[];
    };

/** Thrown when a model came without manifest.json and without a gene list: the UI asks for one. */
export class GeneListNeededError extends ModelFileError {
  override name = 'GeneListNeededError';
}

/**
 * Checks the sorted files and returns the model to swap in. `sampleRows(genes, n)` gives real
 * model input (the open dataset aligned to `genes`, log1p CP10k) for inferring an unlabelled model's kind.
 * Every failure is a ModelFileError whose message is the sentence to show.
 */
export async function checkUserModel(
  tf: Tf,
  sorted: SortedModelFiles,
  sampleRows: (genes: string[], nRows: number) => Promise<Float32Array>,
): Promise<CheckedUserModel> {
  if (sorted.manifest) {
    let json: unknown;
    try {
      json = JSON.parse(sorted.manifest.text);
    } catch (err) {
      throw new ModelFileError(`manifest.json is not valid JSON (${(err as Error).message}); fix it or leave it out and give a gene list.`);
    }
    const checked = validateManifest(json);
    if (!checked.ok) throw new ModelFileError(`manifest.json is not valid: ${checked.errors.join(' ')}`);
    const m = checked.manifest;
    if (m.input.covariates?.length) {
      throw new ModelFileError(
        `The model reads covariates (${m.input.covariates.map((c) => c.name).join(', ')}) besides genes; Glasswing can run only gene-input models for now.`,
      );
    }
    if (m.kind === 'classifier' || m.kind === 'regressor' || m.kind === 'embedding') {
      // One model whose outputs are class logits, named quantities or embedding dimensions.
      const model = await loadUserModel(tf, sorted.root);
      try {
        checkGeneCount(model.nIn, m.input.genes, 'in manifest.json');
        const declared = m.kind === 'classifier' ? m.output.classes.length : m.kind === 'regressor' ? m.output.names.length : m.output.dim;
        if (model.nOut !== declared) {
          const fix = {
            classifier: `names ${declared} classes; list one class per output column`,
            regressor: `names ${declared} (output.names); give one name per output column`,
            embedding: `says output.dim ${declared}; set output.dim to ${model.nOut}`,
          }[m.kind];
          throw new ModelFileError(`The model has ${model.nOut} outputs but manifest.json ${fix}.`);
        }
        const common = {
          artifacts: model.artifacts,
          spec: { format: model.format, outputName: model.outputName, isProbabilityOutput: false },
          nIn: model.nIn,
          assumptions: [],
        };
        return m.kind === 'classifier' ? { kind: 'classifier', manifest: m, ...common } : { kind: m.kind, manifest: m, ...common };
      } finally {
        model.dispose();
      }
    }
    if (m.kind === 'vae') {
      if (sorted.encoder.size === 0 || sorted.decoder.size === 0) {
        throw new ModelFileError(
          'manifest.json describes a VAE, but the encoder/ and decoder/ subfolders are missing; open the whole model folder with "Model folder…".',
        );
      }
      const encoder = await loadUserModel(tf, sorted.encoder);
      const decoder = await loadUserModel(tf, sorted.decoder).catch((err: unknown) => {
        encoder.dispose();
        throw err;
      });
      try {
        if (encoder.format !== 'layers-model' || decoder.format !== 'layers-model') {
          throw new ModelFileError('A VAE must be a tfjs LayersModel (encoder and decoder); graph-model VAEs are not supported yet.');
        }
        checkGeneCount(encoder.nIn, m.input.genes, 'in manifest.json');
        if (decoder.nIn !== m.output.latentDim || decoder.nOut !== m.input.genes.length) {
          throw new ModelFileError(
            `The decoder maps ${decoder.nIn} to ${decoder.nOut} values, but manifest.json says latentDim ${m.output.latentDim} and ${m.input.genes.length} genes; export the decoder that belongs to this encoder.`,
          );
        }
        return { kind: 'vae', manifest: m, encoder: encoder.artifacts, decoder: decoder.artifacts, assumptions: [] };
      } finally {
        encoder.dispose();
        decoder.dispose();
      }
    }
    throw new ModelFileError(`manifest.json describes an unknown kind of model; use "classifier", "vae", "regressor" or "embedding".`);
  }

  if (sorted.root.size === 0 && (sorted.encoder.size > 0 || sorted.decoder.size > 0)) {
    throw new ModelFileError('A VAE needs its manifest.json (latentDim, genes) next to the encoder/ and decoder/ folders; add it.');
  }
  const model = await loadUserModel(tf, sorted.root);
  try {
    if (!sorted.geneList) {
      throw new GeneListNeededError(
        `This model has no manifest.json, so Glasswing needs its gene list: pick a file with the ${model.nIn.toLocaleString('en')} input genes in order (one per line, or a CSV column).`,
      );
    }
    const genes = parseGeneList(sorted.geneList.text);
    checkGeneCount(model.nIn, genes, sorted.geneList.name);
    if (new Set(genes).size !== genes.length) {
      throw new ModelFileError(`The gene list ${sorted.geneList.name} names a gene twice; give each input column its own gene.`);
    }
    const sample = await sampleRows(genes, 64);
    const inferred = inferModelKind(tf, model, sample);
    if (inferred.kind !== 'classifier') {
      throw new ModelFileError(
        `${inferred.assumptions[inferred.assumptions.length - 1]} Without a manifest.json Glasswing opens only a classifier; add a manifest.json with kind "regressor" (output.names) or "embedding" (output.dim) to open this model.`,
      );
    }
    const manifest: ClassifierManifest = {
      schemaVersion: 1,
      name: sorted.label,
      kind: 'classifier',
      description: 'Opened without a manifest; kind, classes and preprocessing were assumed.',
      input: { genes, geneIdType: genes.every((g) => /^ENS[A-Z]*G\d+/.test(g)) ? 'ensembl' : 'symbol' },
      preprocessing: { steps: [{ op: 'normalize_total', targetSum: 10000 }, { op: 'log1p' }, { op: 'select_genes' }] },
      output: { type: 'logits', classes: inferred.classes },
      files: { model: 'model.json' },
    };
    return {
      kind: 'classifier',
      manifest,
      artifacts: model.artifacts,
      spec: { format: model.format, outputName: model.outputName, isProbabilityOutput: inferred.isProbabilityOutput },
      nIn: model.nIn,
      assumptions: inferred.assumptions,
    };
  } finally {
    model.dispose();
  }
}

/**
 * Loads a checked user classifier on the active backend as something the engine can call like its
 * bundled LayersModel (`apply`, `predict`, `dispose`). A GraphModel, or a model whose output is a
 * probability (run as log p), gets an adapter; tfjs.grad still differentiates through it, and the
 * Dense fast path (extractDenseStack) sees no layers and steps aside.
 */
export async function loadClassifierOnBackend(
  tf: Tf,
  artifacts: tfjs.io.ModelArtifacts,
  spec: ClassifierSpec | null,
): Promise<tfjs.LayersModel> {
  if (!spec || (spec.format === 'layers-model' && !spec.isProbabilityOutput)) return tf.loadLayersModel(tf.io.fromMemory(artifacts));
  let run: (x: tfjs.Tensor) => tfjs.Tensor;
  let dispose: () => void;
  let nIn: number;
  if (spec.format === 'graph-model') {
    const g = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    run = (x) => g.execute(x, spec.outputName) as tfjs.Tensor;
    dispose = () => g.dispose();
    nIn = g.inputs[0].shape![1];
  } else {
    const l = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
    run = (x) => l.apply(x) as tfjs.Tensor;
    dispose = () => l.dispose();
    nIn = l.inputs[0].shape[1]!;
  }
  // Probabilities become log-probabilities: softmax(log p) = p, so predictions keep the model's own numbers.
  const forward = spec.isProbabilityOutput ? (x: tfjs.Tensor) => tf.tidy(() => tf.log(tf.maximum(run(x), 1e-30))) : run;
  const adapter = {
    apply: (x: tfjs.Tensor | tfjs.Tensor[]) => forward(Array.isArray(x) ? x[0] : x),
    predict: (x: tfjs.Tensor | tfjs.Tensor[]) => forward(Array.isArray(x) ? x[0] : x),
    dispose,
    // No layers to walk: the engine's Dense backprop declines and tf.grad is used.
    inputs: [{ shape: [null, nIn], dtype: 'float32' }, null],
    outputs: [null],
    outputLayers: [{ name: spec.outputName }],
    layers: [],
  };
  return adapter as unknown as tfjs.LayersModel;
}
