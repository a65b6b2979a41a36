/**
 * Bring your own model: a tfjs LayersModel or GraphModel from model.json + weight shards, checked
 * with a sentence for each way it can be wrong (no model.json, malformed JSON, a missing or short
 * shard, an input that is not [cells, genes], an input size that does not match the gene list), and,
 * when no manifest comes with it, what the app assumes from its shapes, said in words.
 */
import type * as tfjs from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import type { BatchModel } from '../attribution/targets.ts';

type Tf = typeof tfjs;

/** The files of a model folder by base name (model.json, *.bin, manifest.json, a gene list). */
export type ModelFileSet = ReadonlyMap<string, ArrayBuffer>;

/** A loaded model, whatever its format, as a differentiable batch function. */
export interface LoadedUserModel {
  format: 'layers-model' | 'graph-model';
  /** `[rows, nIn]` → the first output `[rows, nOut]` (GraphModel: `outputNode`). */
  fn: BatchModel;
  nIn: number;
  nOut: number;
  /** The output node or layer used (GraphModels often expose several). */
  outputName: string;
  /** The LayersModel, when that is the format (for the Dense fast path). */
  layersModel: tfjs.LayersModel | null;
  dispose(): void;
}

/** A user-facing problem with a model's files: its message is the sentence to show. */
export class ModelFileError extends Error {
  override name = 'ModelFileError';
}

const BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, float16: 2, uint16: 2, int16: 2, int8: 1 };

interface WeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: string };
}

/** The bytes a weight spec takes in its shard (quantized weights count their stored dtype). */
function specBytes(w: WeightSpec): number {
  const dtype = w.quantization?.dtype ?? w.dtype;
  return w.shape.reduce((a, d) => a * d, 1) * (BYTES[dtype] ?? 4);
}

/**
 * Reads and checks model.json and its shards from `files`; loads the model with tfjs.
 * `outputName` picks a GraphModel output node or LayersModel output layer (default: the first).
 */
export async function loadUserModel(tf: Tf, files: ModelFileSet, outputName?: string): Promise<LoadedUserModel> {
  const raw = files.get('model.json');
  if (!raw) {
    const names = [...files.keys()].join(', ') || 'none';
    throw new ModelFileError(
      `There is no model.json among the files (${names}); pick the folder that holds model.json and its .bin weight shards.`,
    );
  }
  let json: {
    format?: string;
    modelTopology?: unknown;
    weightsManifest?: { paths: string[]; weights: WeightSpec[] }[];
  };
  try {
    json = JSON.parse(new TextDecoder().decode(raw));
  } catch (err) {
    throw new ModelFileError(
      `model.json is not valid JSON (${(err as Error).message}); export the model again with tensorflowjs_converter or model.save().`,
    );
  }
  if (!json || typeof json !== 'object' || !json.modelTopology || !Array.isArray(json.weightsManifest)) {
    throw new ModelFileError(
      'model.json has no modelTopology or weightsManifest, so it is not a tfjs model; export it with tensorflowjs_converter (see README).',
    );
  }
  const topology = json.modelTopology as { node?: unknown };
  const isGraph = json.format === 'graph-model' || Array.isArray(topology.node);

  // Shards: every listed path present, and together exactly as long as the weights they declare.
  const weightSpecs: WeightSpec[] = [];
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    if (!Array.isArray(group?.paths) || !Array.isArray(group?.weights)) {
      throw new ModelFileError('model.json has a weightsManifest entry without paths or weights; export the model again.');
    }
    let groupBytes = 0;
    for (const path of group.paths) {
      const base = path.split('/').pop()!;
      const shard = files.get(base);
      if (!shard) {
        throw new ModelFileError(
          `model.json lists the weight shard ${base}, which is missing; add every .bin file that sits next to model.json.`,
        );
      }
      shards.push(new Uint8Array(shard));
      groupBytes += shard.byteLength;
    }
    const needed = group.weights.reduce((a, w) => a + specBytes(w), 0);
    if (groupBytes !== needed) {
      throw new ModelFileError(
        `The weight shards ${group.paths.join(', ')} hold ${groupBytes.toLocaleString('en')} bytes, but model.json declares ${needed.toLocaleString('en')}; a shard is truncated or from another model — copy them again.`,
      );
    }
    weightSpecs.push(...group.weights);
  }
  const total = shards.reduce((a, s) => a + s.byteLength, 0);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.byteLength;
  }
  const artifacts = {
    modelTopology: json.modelTopology as object,
    weightSpecs: weightSpecs as tfjs.io.WeightsManifestEntry[],
    weightData: weightData.buffer,
    format: isGraph ? 'graph-model' : 'layers-model',
  };

  if (isGraph) {
    let model: tfjs.GraphModel;
    try {
      model = await tf.loadGraphModel(tf.io.fromMemory(artifacts));
    } catch (err) {
      throw new ModelFileError(`The graph model could not be built (${(err as Error).message}); it may use ops tfjs does not support.`);
    }
    const input = model.inputs[0];
    const shape = input?.shape ?? [];
    if (model.inputs.length !== 1 || shape.length !== 2 || !(shape[1]! > 0)) {
      model.dispose();
      throw new ModelFileError(
        `The model's input has shape [${shape.join(', ')}]${model.inputs.length > 1 ? ` (and ${model.inputs.length} inputs)` : ''}, but Glasswing needs one input of shape [cells, genes]; export a model that takes one row per cell.`,
      );
    }
    const nodes = (topology.node as { name: string }[]).map((n) => n.name);
    const out = outputName ?? model.outputNodes[0];
    if (!nodes.includes(out)) {
      model.dispose();
      throw new ModelFileError(`The graph model has no node named ${out}; its outputs are ${model.outputNodes.join(', ')}.`);
    }
    const nIn = shape[1]!;
    const fn: BatchModel = (x) => model.execute(x, out) as Tensor2D;
    return finish(tf, 'graph-model', fn, nIn, out, null, () => model.dispose());
  }

  let model: tfjs.LayersModel;
  try {
    model = await tf.loadLayersModel(tf.io.fromMemory(artifacts));
  } catch (err) {
    throw new ModelFileError(
      `The layers model could not be built (${(err as Error).message}); check that model.json and its shards come from the same export.`,
    );
  }
  const shape = model.inputs[0].shape;
  if (model.inputs.length !== 1 || shape.length !== 2 || typeof shape[1] !== 'number') {
    model.dispose();
    throw new ModelFileError(
      `The model's input has shape [${shape.map((d) => d ?? 'null').join(', ')}], but Glasswing needs one input of shape [cells, genes]; export a model that takes one row per cell.`,
    );
  }
  const names = model.outputLayers.map((l) => l.name);
  const index = outputName === undefined ? 0 : names.indexOf(outputName);
  if (index < 0) {
    model.dispose();
    throw new ModelFileError(`The model has no output named ${outputName}; its outputs are ${names.join(', ')}.`);
  }
  const fn: BatchModel = (x) => {
    const y = model.apply(x) as tfjs.Tensor | tfjs.Tensor[];
    return (Array.isArray(y) ? y[index] : y) as Tensor2D;
  };
  return finish(tf, 'layers-model', fn, shape[1], names[index], model, () => model.dispose());
}

function finish(
  tf: Tf,
  format: LoadedUserModel['format'],
  fn: BatchModel,
  nIn: number,
  outputName: string,
  layersModel: tfjs.LayersModel | null,
  dispose: () => void,
): LoadedUserModel {
  let nOut: number;
  try {
    nOut = tf.tidy(() => {
      const y = fn(tf.zeros([2, nIn]) as Tensor2D);
      if (y.rank !== 2 || y.shape[0] !== 2) throw new Error(`it returned shape [${y.shape.join(', ')}] for 2 rows`);
      return y.shape[1];
    });
  } catch (err) {
    dispose();
    throw new ModelFileError(
      `The model does not run on a [cells, ${nIn}] input (${(err as Error).message}); Glasswing needs one output row per cell.`,
    );
  }
  return { format, fn, nIn, nOut, outputName, layersModel, dispose };
}

/**
 * Gene symbols from a gene-list file: one per line, or the first column of a CSV/TSV; a header cell
 * named gene, genes, symbol or feature is skipped. Empty lines are ignored.
 */
export function parseGeneList(text: string): string[] {
  const rows = text.split(/\r?\n/).map((l) =>
    l
      .split(/[,\t]/)[0]
      .trim()
      .replace(/^"(.*)"$/, '$1'),
  );
  const genes = rows.filter((g) => g !== '');
  if (genes.length > 0 && /^(genes?|symbols?|features?|gene_symbols?|gene_ids?)$/i.test(genes[0])) genes.shift();
  return genes;
}

/** Throws a sentence when the model's input width differs from the gene list's length. */
export function checkGeneCount(nIn: number, genes: readonly string[], source: string): void {
  if (genes.length === 0)
    throw new ModelFileError(`The gene list ${source} is empty; give one gene symbol per line, in the model's input order.`);
  if (genes.length !== nIn) {
    throw new ModelFileError(
      `The model takes ${nIn.toLocaleString('en')} inputs but the gene list ${source} has ${genes.length.toLocaleString('en')} genes; give the list the model was trained on, in its input order.`,
    );
  }
}

/** What the app assumes about a model that came without a manifest. */
export interface InferredModel {
  kind: 'classifier' | 'regressor' | 'embedding';
  /** Whether the output already is a probability (rows sum to 1): then targets use it directly. */
  isProbabilityOutput: boolean;
  classes: string[];
  /** Sentences shown to the user, one per assumption. */
  assumptions: string[];
}

/**
 * Infers a manifest's kind from the output of `model` on `sample` rows `[n, nIn]` (real cells):
 * one output → regressor; rows that are non-negative and sum to 1 → classifier on probabilities;
 * otherwise up to 64 outputs → classifier on logits; more → embedding. Preprocessing is assumed to be
 * log1p of counts per 10,000, as the demo models use.
 */
export function inferModelKind(tf: Tf, model: LoadedUserModel, sample: Float32Array): InferredModel {
  const n = sample.length / model.nIn;
  const out = tf.tidy(() => model.fn(tf.tensor2d(sample, [n, model.nIn])).dataSync() as Float32Array);
  const k = model.nOut;
  const assumptions: string[] = [
    'No manifest.json came with the model, so Glasswing inferred what it could from its shapes.',
    `Input: ${model.nIn.toLocaleString('en')} genes in the gene-list order, preprocessed as log1p of counts per 10,000 (add a manifest if the model expects something else).`,
  ];
  if (k === 1) {
    assumptions.push('One output: treated as a regressor; attribution explains that value.');
    return { kind: 'regressor', isProbabilityOutput: false, classes: [], assumptions };
  }
  let isSimplex = n > 0;
  for (let r = 0; r < n && isSimplex; r++) {
    let sum = 0;
    for (let c = 0; c < k; c++) {
      const v = out[r * k + c];
      if (v < -1e-6) isSimplex = false;
      sum += v;
    }
    if (Math.abs(sum - 1) > 1e-3) isSimplex = false;
  }
  const classes = Array.from({ length: k }, (_, i) => `class ${i + 1}`);
  if (isSimplex) {
    assumptions.push(
      `${k} outputs that are non-negative and sum to 1 on every sampled cell: treated as class probabilities (classes named class 1 to class ${k}; a manifest can name them).`,
    );
    return { kind: 'classifier', isProbabilityOutput: true, classes, assumptions };
  }
  if (k <= 64) {
    assumptions.push(
      `${k} outputs that are not probabilities: treated as class logits (classes named class 1 to class ${k}). If they are embedding coordinates, add a manifest with kind "embedding".`,
    );
    return { kind: 'classifier', isProbabilityOutput: false, classes, assumptions };
  }
  assumptions.push(`${k} outputs: treated as an embedding (latent coordinates); attribution explains one coordinate at a time.`);
  return { kind: 'embedding', isProbabilityOutput: false, classes: [], assumptions };
}
