/**
 * Attribution runs over many cells, for the engine: any method, any target, in blocks of cells with
 * progress and cancel, reduced to what the UI needs (a selection aggregate, or one gene's attribution
 * per cell for colour-by). engine.ts owns the models and data and passes them in as a context.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import { aggregateAttributions, mergeAggregates, type AttributionAggregate } from '../core/attribution/aggregates.ts';
import { buildBaseline, type BaselineKind } from '../core/attribution/baselines.ts';
import type { GradientFn } from '../core/attribution/batching.ts';
import { chunkRowsFor, type ChunkSize } from '../core/attribution/chunk_size.ts';
import { decoderJacobian } from '../core/attribution/decoder_jacobian.ts';
import {
  denseLatentGradient,
  denseLogitGradient,
  denseProbabilityGradient,
  extractDenseStack,
  type DenseStack,
} from '../core/attribution/dense_backprop.ts';
import { gradientShap, sampleCellIndices } from '../core/attribution/gradient_shap.ts';
import { integratedGradients } from '../core/attribution/integrated_gradients.ts';
import type { QuadratureRuleName } from '../core/attribution/quadrature.ts';
import { gradientTimesInput, saliency } from '../core/attribution/saliency.ts';
import { smoothGrad } from '../core/attribution/smoothgrad.ts';
import {
  decodedGeneTarget,
  latentTarget,
  logitTarget,
  outputTarget,
  probabilityTarget,
  type BatchModel,
  type TargetFn,
} from '../core/attribution/targets.ts';
import { activeBackendLimits } from '../compute/limits.ts';

/** The attribution methods the engine runs. */
export type AttributionMethod = 'saliency' | 'gradxinput' | 'ig' | 'smoothgrad' | 'gradshap';

/**
 * What is explained: a class (its logit or probability; 'predicted' = each cell's own), z_k, a
 * decoded gene, a regressor's output column `index`, or an embedding model's dimension `k` (0-based).
 */
export type AttributionTarget =
  | { kind: 'class'; classIndex: number | 'predicted'; output: 'logit' | 'probability' }
  | { kind: 'latent'; k: number }
  | { kind: 'decoded'; gene: number }
  | { kind: 'output'; index: number }
  | { kind: 'dim'; k: number };

/** Which model's input a target reads: the classifier, the VAE, or the extra regressor / embedding model. */
export type InputPart = 'classifier' | 'vae' | 'extra';

/** The model part whose input genes a target's attributions are over. */
export function inputPartOf(target: AttributionTarget): InputPart {
  if (target.kind === 'class') return 'classifier';
  if (target.kind === 'latent' || target.kind === 'decoded') return 'vae';
  return 'extra';
}

/** One model's input over the open dataset: its genes, in its own order and preprocessing. */
export interface ModelRows {
  genes: string[];
  nGenes: number;
  /** Model input of the given dataset rows, `[rows.length, nGenes]` float32. */
  rowsAt(rows: Uint32Array): Float32Array;
}

/** Settings of a many-cell attribution run. */
export interface AttributeRequest {
  method: AttributionMethod;
  target: AttributionTarget;
  /** Cells to explain, `[n]` int32 dataset row indices. */
  cells: Int32Array;
  /** IG baseline; 'selection' uses `baselineSelection`, 'cell' uses `baselineCell`. */
  baseline: BaselineKind;
  baselineSelection?: Uint8Array;
  baselineCell?: number;
  steps: number;
  rule: QuadratureRuleName;
  /** SmoothGrad / GradientSHAP samples per cell. */
  samples: number;
  /** SmoothGrad σ as a fraction of each cell's input range. */
  noiseFraction: number;
  seed: number;
  /** 'aggregate' = mean signed and mean |attr| per gene; a gene index = that gene's attribution per cell. */
  reduce: 'aggregate' | { gene: number };
}

/** The reduced result of a run. */
export interface AttributeResult {
  aggregate: AttributionAggregate | null;
  /** `[cells.length]` float32: the chosen gene's attribution per requested cell (reduce = gene). */
  column: Float32Array | null;
  /** A sentence for the user when the run had to move backend (WebGPU device lost). */
  notice?: string;
  /** Worst and median completeness delta over the cells (IG, GradientSHAP), or null. */
  delta: { worst: number; median: number } | null;
  /** The input genes the attributions are over (the explained model's own list, in its order). */
  genes: string[];
  chunk: ChunkSize;
  gradientPath: 'dense-backprop' | 'tf.grad';
  backend: string;
  ms: number;
}

/** What the engine lends a run. */
export interface AttributionContext {
  nCells: number;
  /** The classifier's input width (the bench's model). */
  nGenes: number;
  /** The classifier's input of the given dataset rows, `[rows.length, nGenes]` float32. */
  rowsAt(rows: Uint32Array): Float32Array;
  /** Each model's own input (genes, order, preprocessing); 'extra' is null when no regressor / embedding is open. */
  inputFor(part: InputPart): ModelRows | null;
  classifier: tf.LayersModel;
  encoder: tf.LayersModel;
  decoder: tf.LayersModel;
  /** The open regressor or embedding model, or null. */
  extra: tf.LayersModel | null;
  /** Dense stacks per backend and model part (cached by the engine), null when not a Dense chain. */
  stack(part: StackPart): DenseStack | null;
  /** `[nCells]` predicted class per cell. */
  predicted: Int32Array;
  signal: { readonly aborted: boolean };
  onProgress?: (fraction: number, label: string) => void;
  /** Why the GPU device was lost mid-run, or null; checked between blocks. */
  deviceLost?: () => string | null;
  /** The same, waiting up to `ms` for the loss to be reported (after a failed GPU read). */
  deviceLostWithin?: (ms: number) => Promise<string | null>;
}

/** The GPU device was lost during a run; the engine reruns it on wasm. */
export class DeviceLostError extends Error {
  override name = 'DeviceLostError';
}

/** Cells per block: bounds host memory ([block, nGenes] attributions) and gives steady progress. */
const CELLS_PER_BLOCK = 256;
/** Reference cells GradientSHAP draws its baselines from. */
const GRADSHAP_REFERENCE_CELLS = 100;

/** Model parts that can have a Dense stack for the fast gradient. */
export type StackPart = 'classifier' | 'encoder' | 'decoder' | 'extra';

/** Layer output widths of a LayersModel chain (input first), for chunk sizing. */
function widthsOf(model: tf.LayersModel): number[] {
  const out: number[] = [];
  const input = model.inputs[0].shape[1];
  if (typeof input === 'number') out.push(input);
  for (const layer of model.layers) {
    const shape = layer.outputShape;
    const last = Array.isArray(shape[0]) ? (shape[0] as (number | null)[]).at(-1) : (shape as (number | null)[]).at(-1);
    if (typeof last === 'number' && layer.getClassName() !== 'InputLayer') out.push(last);
  }
  return out;
}

/** Target function, optional fast gradient, and the layer widths a row passes through. */
function targetFor(ctx: AttributionContext, target: AttributionTarget, classes: Int32Array | number) {
  const encMean: BatchModel = (t) => (ctx.encoder.apply(t) as tf.Tensor[])[0] as Tensor2D;
  const dec: BatchModel = (t) => ctx.decoder.apply(t) as Tensor2D;
  let fn: TargetFn;
  let gradientFn: GradientFn | undefined;
  let widths: number[];
  if (target.kind === 'class') {
    const net: BatchModel = (t) => ctx.classifier.apply(t) as Tensor2D;
    const stack = ctx.stack('classifier');
    fn = target.output === 'probability' ? probabilityTarget(tf, net, classes) : logitTarget(tf, net, classes);
    gradientFn = stack
      ? target.output === 'probability'
        ? denseProbabilityGradient(tf, stack, classes)
        : denseLogitGradient(tf, stack, classes)
      : undefined;
    widths = widthsOf(ctx.classifier);
  } else if (target.kind === 'latent') {
    const stack = ctx.stack('encoder');
    fn = latentTarget(tf, encMean, target.k);
    gradientFn = stack ? denseLatentGradient(tf, stack, target.k) : undefined;
    widths = widthsOf(ctx.encoder);
  } else if (target.kind === 'decoded') {
    fn = decodedGeneTarget(tf, encMean, dec, target.gene);
    widths = [...widthsOf(ctx.encoder), ...widthsOf(ctx.decoder).slice(1)];
  } else {
    const extra = ctx.extra;
    if (!extra) throw new Error('No regressor or embedding model is open; open one in the Model section first.');
    const net: BatchModel = (t) => {
      const y = extra.apply(t);
      return (Array.isArray(y) ? y[0] : y) as Tensor2D;
    };
    const column = target.kind === 'output' ? target.index : target.k;
    const what = target.kind === 'output' ? 'regressor output' : 'embedding dimension';
    const stack = ctx.stack('extra');
    fn = outputTarget(tf, net, column, what);
    // A regressor output or embedding dimension is one column of a linear output, like z_k.
    gradientFn = stack ? denseLatentGradient(tf, stack, column) : undefined;
    widths = widthsOf(extra);
  }
  return { fn, gradientFn, widths };
}

/**
 * Runs `req` over its cells in blocks and reduces the attributions. Rows per model call come from
 * the backend's limits (chunkRowsFor); cancel is checked between chunks.
 */
export async function runAttribution(ctx: AttributionContext, req: AttributeRequest): Promise<AttributeResult> {
  const t0 = performance.now();
  const input = ctx.inputFor(inputPartOf(req.target));
  if (!input) throw new Error('No regressor or embedding model is open; open one in the Model section first.');
  const { nGenes } = input;
  const n = req.cells.length;
  if (n === 0) throw new Error('No cells to explain: select some cells first.');
  for (const c of req.cells) {
    if (c < 0 || c >= ctx.nCells) throw new Error(`Cell ${c} does not exist in this dataset (it has ${ctx.nCells} cells).`);
  }
  if (req.reduce !== 'aggregate' && !(req.reduce.gene >= 0 && req.reduce.gene < nGenes)) {
    throw new Error(`Gene index ${req.reduce.gene} is not a model gene (0 to ${nGenes - 1}).`);
  }
  // Each model reads its own genes: a user classifier's list may differ from the VAE's in size and order.
  const read = (start: number, count: number) => input.rowsAt(Uint32Array.from({ length: count }, (_, i) => start + i));
  const baseline =
    req.method === 'ig'
      ? buildBaseline(req.baseline, read, ctx.nCells, nGenes, { selection: req.baselineSelection, cell: req.baselineCell })
      : new Float32Array(nGenes);
  const references =
    req.method === 'gradshap' ? input.rowsAt(Uint32Array.from(sampleCellIndices(ctx.nCells, GRADSHAP_REFERENCE_CELLS, req.seed))) : null;
  const probe = targetFor(ctx, req.target, 0);
  const chunk = chunkRowsFor(activeBackendLimits(), probe.widths);
  const parts: AttributionAggregate[] = [];
  const column = req.reduce === 'aggregate' ? null : new Float32Array(n);
  const deltas: number[] = [];
  const label = `${METHOD_LABELS[req.method]} over ${n.toLocaleString('en')} cells`;
  let hasFastPath = false;
  for (let b0 = 0; b0 < n; b0 += CELLS_PER_BLOCK) {
    const nb = Math.min(CELLS_PER_BLOCK, n - b0);
    const cells = req.cells.subarray(b0, b0 + nb);
    const x = input.rowsAt(Uint32Array.from(cells));
    const classes =
      req.target.kind === 'class'
        ? req.target.classIndex === 'predicted'
          ? Int32Array.from(cells, (c) => ctx.predicted[c])
          : req.target.classIndex
        : 0;
    const { fn, gradientFn } = targetFor(ctx, req.target, classes);
    hasFastPath = gradientFn !== undefined;
    const opts = {
      nGenes,
      gradientFn,
      maxRowsPerChunk: chunk.rows,
      signal: ctx.signal,
      onProgress: (f: number) => ctx.onProgress?.((b0 + f * nb) / n, label),
    };
    let attributions: Float32Array;
    try {
      switch (req.method) {
        case 'saliency':
          attributions = (await saliency(tf, fn, x, opts)).attributions;
          break;
        case 'gradxinput':
          attributions = (await gradientTimesInput(tf, fn, x, opts)).attributions;
          break;
        case 'ig': {
          const r = await integratedGradients(tf, fn, x, baseline, { ...opts, steps: req.steps, rule: req.rule });
          attributions = r.attributions;
          deltas.push(...r.deltaRel);
          break;
        }
        case 'smoothgrad':
          attributions = (
            await smoothGrad(tf, fn, x, {
              ...opts,
              samples: req.samples,
              noiseFraction: req.noiseFraction,
              seed: req.seed,
              seedKeys: cells,
            })
          ).attributions;
          break;
        case 'gradshap': {
          const r = await gradientShap(tf, fn, x, references!, { ...opts, samples: req.samples, seed: req.seed, seedKeys: cells });
          attributions = r.attributions;
          deltas.push(...r.deltaRel);
          break;
        }
      }
    } catch (err) {
      // A cancel is not a loss; any other failure on a GPU may be one whose report is still in flight.
      if (ctx.signal.aborted) throw err;
      let lost = ctx.deviceLost?.() ?? (await ctx.deviceLostWithin?.(500)) ?? null;
      // A GPU read that fails on a lost device (mapAsync aborted) before the loss is reported.
      if (!lost && tf.getBackend() === 'webgpu' && /mapAsync|device (is |was )?lost|GPUDevice/i.test(String((err as Error)?.message))) {
        lost = (err as Error).message;
      }
      if (lost) throw new DeviceLostError(lost, { cause: err });
      throw err;
    }
    // A lost device may return zeros instead of failing: check between blocks.
    const lost = ctx.deviceLost?.();
    if (lost) throw new DeviceLostError(lost);
    if (column && req.reduce !== 'aggregate') {
      for (let i = 0; i < nb; i++) column[b0 + i] = attributions[i * nGenes + req.reduce.gene];
    } else {
      parts.push(aggregateAttributions(attributions, nGenes));
    }
  }
  deltas.sort((a, b) => a - b);
  return {
    aggregate: column ? null : mergeAggregates(parts),
    column,
    delta: deltas.length ? { worst: deltas[deltas.length - 1], median: deltas[Math.floor(deltas.length / 2)] } : null,
    genes: input.genes,
    chunk,
    gradientPath: hasFastPath ? 'dense-backprop' : 'tf.grad',
    backend: tf.getBackend(),
    ms: performance.now() - t0,
  };
}

const METHOD_LABELS: Record<AttributionMethod, string> = {
  saliency: 'Saliency',
  gradxinput: 'Gradient × input',
  ig: 'Integrated gradients',
  smoothgrad: 'SmoothGrad',
  gradshap: 'GradientSHAP',
};

/**
 * Decoder Jacobian averaged over the latent means of `cells` (`[K, nGenes]` signed and |·|), forward
 * mode through the decoder's Dense stack when it has one.
 */
export async function runDecoderJacobian(ctx: AttributionContext, cells: Int32Array) {
  const t0 = performance.now();
  if (cells.length === 0) throw new Error('No cells chosen: click a cell or select some first.');
  const K = (ctx.encoder.outputs[0].shape[1] as number) ?? 0;
  const vae = ctx.inputFor('vae')!;
  const z = new Float32Array(cells.length * K);
  for (let b0 = 0; b0 < cells.length; b0 += 1024) {
    const nb = Math.min(1024, cells.length - b0);
    const x = vae.rowsAt(Uint32Array.from(cells.subarray(b0, b0 + nb)));
    const zt = tf.tidy(() => (ctx.encoder.apply(tf.tensor2d(x, [nb, vae.nGenes])) as tf.Tensor[])[0]);
    z.set((await zt.data()) as Float32Array, b0 * K);
    zt.dispose();
  }
  const r = await decoderJacobian(tf, (t) => ctx.decoder.apply(t) as Tensor2D, z, {
    latentDim: K,
    stack: ctx.stack('decoder'),
    signal: ctx.signal,
    onProgress: (f) => ctx.onProgress?.(f, `Decoder Jacobian over ${cells.length.toLocaleString('en')} cells`),
  });
  return { ...r, latentDim: K, genes: vae.genes, backend: tf.getBackend(), ms: performance.now() - t0 };
}

/** Extracts a Dense stack for a model part (encoder: its mean output), or null; the caller caches it. */
export function extractStackFor(part: StackPart, model: tf.LayersModel): DenseStack | null {
  try {
    return extractDenseStack(tf, model, part === 'encoder' ? model.outputLayers[0].name : undefined);
  } catch {
    return null;
  }
}
