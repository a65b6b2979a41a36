/**
 * A fast input gradient for models that are a plain chain of Dense layers (the demo classifier,
 * the VAE encoder's z_mean branch): forward pass keeping each layer's activations, then explicit
 * backprop g ← (g ⊙ act'(z)) · Wᵀ against a copy of each kernel transposed once when the stack is
 * extracted.
 *
 * Why: `tf.grad` of `matMul(x, W)` computes `matMul(dy, W, false, true)`, and the wasm backend runs
 * a transpose flag on a slow path: measured 866 ms against 72 ms for the same product with a
 * pre-transposed W, so plain `tf.grad` costs ~13× the forward pass there (ISSUE-NOTES, "Models and
 * attribution engine"). With Wᵀ cached every product here is a plain `matMul`, and the cached
 * tensor keeps one identity, which backends can key their packed-weight caches on.
 *
 * Everything returns plain tensors and leaves ownership to the caller: call inside `tf.tidy`
 * (the `GradientFn` builders tidy their own intermediates).
 */
import type { LayersModel, SymbolicTensor, Tensor1D, Tensor2D, layers } from '@tensorflow/tfjs';
import type { GradientFn } from './batching.ts';
import type { Tf } from './targets.ts';

/** Element-wise (or, for softmax, row-wise) activations the explicit backprop knows. */
export type DenseActivation = 'relu' | 'relu6' | 'elu' | 'tanh' | 'sigmoid' | 'softplus' | 'softmax';

const SUPPORTED_ACTIVATIONS: ReadonlySet<string> = new Set<DenseActivation>([
  'relu',
  'relu6',
  'elu',
  'tanh',
  'sigmoid',
  'softplus',
  'softmax',
]);

/** Activations tfjs-layers' Dense fuses into its matMul (mapActivationToFusedKernel); we do the same so the forward pass matches `model.apply`. */
type FusedActivation = 'relu' | 'elu';

/**
 * Layers that are the identity at inference (`model.apply`/`predict` run with training = false):
 * skipped. The fast path therefore computes the inference-time gradient, which is what
 * attribution explains; it must not be used for a training-mode forward pass.
 */
const INFERENCE_IDENTITY_LAYERS: ReadonlySet<string> = new Set(['Dropout']);

/** One Dense layer: y = act_k(… act_1(x · W + b)), with any following Activation layers folded in. */
export interface DenseLayerParams {
  /** The Dense layer's name in the model. */
  readonly name: string;
  /** `[in, out]` float32: a snapshot of the layer's kernel (shares its data; kept). */
  readonly kernel: Tensor2D;
  /** `[out, in]` float32: the kernel transposed once, for the backward products (kept). */
  readonly kernelT: Tensor2D;
  /** `[out]` float32, or null for `useBias: false`. */
  readonly bias: Tensor1D | null;
  /** Activations applied in order after x · W + b; empty for a linear layer. */
  readonly activations: readonly DenseActivation[];
}

/** A chain Input → Dense … Dense from the model input to one output, with its kernels held. */
export interface DenseStack {
  readonly layers: readonly DenseLayerParams[];
  /** Input features (genes). */
  readonly nIn: number;
  /** Output units of the chosen output. */
  readonly nOut: number;
  /** The output layer's name (e.g. 'logits', 'z_mean'). */
  readonly outputName: string;
  /** Frees the held tensors (kernels, their transposes, biases); the model is untouched. */
  dispose(): void;
}

/** The forward pass kept for backprop: per layer, the pre-activation and output of each activation. */
export interface DenseTape {
  /** `[rows, nOut]` float32: the stack's output, equal to the model's. */
  readonly output: Tensor2D;
  /** Per layer, per activation: its input (null where fused into the matMul and not needed) and output. */
  readonly steps: readonly (readonly { act: DenseActivation; input: Tensor2D | null; output: Tensor2D }[])[];
}

/**
 * Reads `model` as a chain Input → Dense(+activation) → … → Dense leading to the output named
 * `outputName` (a layer name, e.g. 'z_mean' for the VAE encoder; optional for a one-output model).
 * Activation layers fold into the Dense before them; Dropout is skipped (identity at inference).
 * Returns null when the path holds anything else — a BatchNormalization (not folded into the
 * kernel, though it could be), a convolution, a merge, a nested model, an activation without a
 * known derivative (selu, swish, …) — or the input is not `[rows, features]`: the caller then
 * falls back to `tf.grad`. A layer also used elsewhere is fine: the walk follows this model's nodes.
 * Throws when `outputName` names no output, or is missing for a model with several outputs.
 * The stack holds snapshots of the weights: re-extract after training. Call `dispose()` when done.
 */
export function extractDenseStack(tf: Tf, model: LayersModel, outputName?: string): DenseStack | null {
  const outputNames = model.outputLayers.map((l) => l.name);
  let outIndex: number;
  if (outputName === undefined) {
    if (model.outputs.length !== 1) {
      throw new Error(
        `The model has ${model.outputs.length} outputs (${outputNames.join(', ')}); name the one to explain, for example '${outputNames[0]}'.`,
      );
    }
    outIndex = 0;
  } else {
    outIndex = outputNames.indexOf(outputName);
    if (outIndex < 0) {
      throw new Error(`The model has no output named '${outputName}'; its outputs are ${outputNames.join(', ')}.`);
    }
  }
  if (model.inputs.length !== 1) return null;
  const input = model.inputs[0];
  const nIn = input.shape[1];
  if (input.shape.length !== 2 || input.dtype !== 'float32' || typeof nIn !== 'number') return null;

  // Walk from the output back to the input through each tensor's producing node (exact even when
  // a layer is also used elsewhere), collecting layers output-first.
  const chain: layers.Layer[] = [];
  let t: SymbolicTensor = model.outputs[outIndex];
  for (let guard = 0; t.id !== input.id; guard++) {
    const layer = t.sourceLayer;
    const node = layer.inboundNodes[t.nodeIndex];
    if (guard > 10_000 || node === undefined || node.inputTensors.length !== 1 || node.outputTensors.length !== 1) return null;
    chain.push(layer);
    t = node.inputTensors[0];
  }
  chain.reverse();

  // Interpret the chain: Dense starts a layer; Activation appends to the last Dense; Dropout is skipped.
  interface Pending {
    layer: layers.Layer;
    activations: DenseActivation[];
  }
  const pending: Pending[] = [];
  for (const layer of chain) {
    const cls = layer.getClassName();
    const config = layer.getConfig() as { activation?: unknown };
    if (INFERENCE_IDENTITY_LAYERS.has(cls)) continue;
    if (cls === 'Dense') {
      const act = activationOf(config.activation);
      if (act === null) return null;
      pending.push({ layer, activations: act === 'linear' ? [] : [act] });
    } else if (cls === 'Activation') {
      const act = activationOf(config.activation);
      if (act === null || pending.length === 0) return null;
      if (act !== 'linear') pending[pending.length - 1].activations.push(act);
    } else {
      return null;
    }
  }
  if (pending.length === 0) return null;

  // Weights: Dense holds [kernel [in, out], bias [out]] (bias absent with useBias: false).
  const shapes: { kernel: Tensor2D; bias: Tensor1D | null }[] = [];
  let width = nIn;
  for (const p of pending) {
    const weights = p.layer.getWeights();
    const kernel = weights[0];
    const bias = weights.length > 1 ? weights[1] : null;
    if (kernel === undefined || kernel.rank !== 2 || kernel.dtype !== 'float32' || kernel.shape[0] !== width) return null;
    const units = (kernel as Tensor2D).shape[1];
    if (bias !== null && (bias.rank !== 1 || bias.shape[0] !== units)) return null;
    if (weights.length > 2) return null;
    shapes.push({ kernel: kernel as Tensor2D, bias: bias as Tensor1D | null });
    width = units;
  }

  // tf.keep: the stack outlives any tidy its caller runs it in. clone: a new handle on the same
  // data, so the stack also outlives model.dispose().
  const stackLayers: DenseLayerParams[] = shapes.map(({ kernel, bias }, i) => ({
    name: pending[i].layer.name,
    kernel: tf.keep(tf.clone(kernel)),
    kernelT: tf.keep(tf.transpose(kernel)),
    bias: bias === null ? null : tf.keep(tf.clone(bias)),
    activations: pending[i].activations,
  }));
  let disposed = false;
  return {
    layers: stackLayers,
    nIn,
    nOut: width,
    outputName: outputNames[outIndex],
    dispose: () => {
      if (disposed) return;
      disposed = true;
      for (const l of stackLayers) tf.dispose([l.kernel, l.kernelT, ...(l.bias ? [l.bias] : [])]);
    },
  };
}

/** 'linear' | a supported activation | null (unsupported or not a name). */
function activationOf(name: unknown): DenseActivation | 'linear' | null {
  if (name === undefined || name === null || name === 'linear') return 'linear';
  return typeof name === 'string' && SUPPORTED_ACTIVATIONS.has(name) ? (name as DenseActivation) : null;
}

/**
 * Forward pass through `stack` for `x` `[rows, nIn]` float32, keeping what backprop needs.
 * Dense layers run as tfjs-layers runs them (fused matMul + bias, with relu/elu fused), so the
 * output equals `model.apply(x)` for the chosen output.
 */
export function denseForward(tf: Tf, stack: DenseStack, x: Tensor2D): DenseTape {
  if (x.rank !== 2 || x.shape[1] !== stack.nIn) {
    throw new Error(`The input has shape [${x.shape.join(', ')}], but the model takes [rows, ${stack.nIn}]; check the gene alignment.`);
  }
  let h = x;
  const steps: { act: DenseActivation; input: Tensor2D | null; output: Tensor2D }[][] = [];
  for (const layer of stack.layers) {
    const acts = layer.activations;
    const record: { act: DenseActivation; input: Tensor2D | null; output: Tensor2D }[] = [];
    const first = acts[0];
    const fused: FusedActivation | null = first === 'relu' || first === 'elu' ? first : null;
    if (fused !== null || acts.length === 0) {
      h = tf.fused.matMul({ a: h, b: layer.kernel, bias: layer.bias ?? undefined, activation: fused ?? 'linear' }) as Tensor2D;
    } else {
      // As tfjs-layers does for activations it does not fuse: matMul, then a separate bias add
      // (fusing the bias rounds differently on wasm).
      h = tf.matMul(h, layer.kernel);
      if (layer.bias !== null) h = tf.add(h, layer.bias);
    }
    // relu' and elu' read off the output, so the fused pre-activation is not needed.
    if (fused !== null) record.push({ act: fused, input: null, output: h });
    for (let k = fused !== null ? 1 : 0; k < acts.length; k++) {
      const y = applyActivation(tf, acts[k], h);
      record.push({ act: acts[k], input: h, output: y });
      h = y;
    }
    steps.push(record);
  }
  return { output: h, steps };
}

/**
 * Backprop of `gOut` `[rows, nOut]` (∂target/∂output per row) through the taped forward pass:
 * returns ∂target/∂x `[rows, nIn]`. Only plain matMuls against the cached transposed kernels.
 */
export function denseBackward(tf: Tf, stack: DenseStack, tape: DenseTape, gOut: Tensor2D): Tensor2D {
  const rows = tape.output.shape[0];
  if (gOut.rank !== 2 || gOut.shape[0] !== rows || gOut.shape[1] !== stack.nOut) {
    throw new Error(
      `The output weights have shape [${gOut.shape.join(', ')}], but they must be [${rows}, ${stack.nOut}] (one per output).`,
    );
  }
  let g = gOut;
  for (let l = stack.layers.length - 1; l >= 0; l--) {
    const record = tape.steps[l];
    for (let k = record.length - 1; k >= 0; k--) g = activationBackward(tf, record[k].act, g, record[k].input, record[k].output);
    g = tf.matMul(g, stack.layers[l].kernelT);
  }
  return g;
}

/**
 * ∂(Σ_j outputWeights[r, j] · output[r, j]) / ∂x for every row `r`: `grad` `[rows, nIn]`, plus the
 * stack's `output` `[rows, nOut]`. With a one-hot `outputWeights` this is a logit's gradient.
 * Tidies its intermediates; the caller owns (and disposes) `grad` and `output`.
 */
export function denseInputGradient(tf: Tf, stack: DenseStack, x: Tensor2D, outputWeights: Tensor2D): { grad: Tensor2D; output: Tensor2D } {
  return tf.tidy(() => {
    const tape = denseForward(tf, stack, x);
    return { grad: denseBackward(tf, stack, tape, outputWeights), output: tape.output };
  });
}

/** `GradientFn` of the logit of one class per cell (same target as `logitTarget`). */
export function denseLogitGradient(tf: Tf, stack: DenseStack, classIndex: Int32Array | number): GradientFn {
  return columnGradient(tf, stack, classIndex, 'class');
}

/** `GradientFn` of latent dimension z_k per cell of an encoder stack extracted for 'z_mean' (same target as `latentTarget`). */
export function denseLatentGradient(tf: Tf, stack: DenseStack, k: Int32Array | number): GradientFn {
  return columnGradient(tf, stack, k, 'latent dimension');
}

/**
 * `GradientFn` of the softmax probability of one class per cell (same target as
 * `probabilityTarget`; the stack must output logits). With p = softmax(o) and m the one-hot mask,
 * value = Σ p ⊙ m and ∂value/∂o = p ⊙ (m − value) (the softmax Jacobian times m).
 */
export function denseProbabilityGradient(tf: Tf, stack: DenseStack, classIndex: Int32Array | number): GradientFn {
  return (batch, rowCells) =>
    tf.tidy(() => {
      const tape = denseForward(tf, stack, batch);
      const mask = rowMask(tf, classIndex, rowCells, batch.shape[0], stack.nOut, 'class');
      const p = tf.softmax(tape.output);
      const value = tf.sum(tf.mul(p, mask), 1) as Tensor1D;
      const gOut = tf.mul(p, tf.sub(mask, tf.expandDims(value, 1))) as Tensor2D;
      return { grad: denseBackward(tf, stack, tape, gOut), value };
    });
}

function columnGradient(tf: Tf, stack: DenseStack, index: Int32Array | number, what: string): GradientFn {
  return (batch, rowCells) =>
    tf.tidy(() => {
      const mask = rowMask(tf, index, rowCells, batch.shape[0], stack.nOut, what);
      const { grad, output } = denseInputGradient(tf, stack, batch, mask);
      return { grad, value: tf.sum(tf.mul(output, mask), 1) as Tensor1D };
    });
}

/**
 * `[rows, nCols]` float32 one-hot: row r has a 1 at `index` (shared) or `index[rowCells[r]]`.
 * Built in JS, not with tf.oneHot, whose dtype the wasm backend ignores in the browser (see targets.ts).
 */
function rowMask(tf: Tf, index: Int32Array | number, rowCells: Int32Array, rows: number, nCols: number, what: string): Tensor2D {
  const mask = new Float32Array(rows * nCols);
  for (let r = 0; r < rows; r++) {
    let col: number;
    if (typeof index === 'number') {
      col = index;
    } else {
      const cell = rowCells[r];
      if (cell >= index.length) {
        throw new Error(`The ${what} list has ${index.length} entries but cell ${cell + 1} was asked for; give one ${what} per cell.`);
      }
      col = index[cell];
    }
    if (!Number.isInteger(col) || col < 0 || col >= nCols) {
      throw new Error(`The ${what} index ${col} is out of range: the model has ${nCols} (0 to ${nCols - 1}); pick one of those.`);
    }
    mask[r * nCols + col] = 1;
  }
  return tf.tensor2d(mask, [rows, nCols]);
}

function applyActivation(tf: Tf, act: DenseActivation, z: Tensor2D): Tensor2D {
  switch (act) {
    case 'relu':
      return tf.relu(z);
    case 'relu6':
      return tf.relu6(z);
    case 'elu':
      return tf.elu(z);
    case 'tanh':
      return tf.tanh(z);
    case 'sigmoid':
      return tf.sigmoid(z);
    case 'softplus':
      return tf.softplus(z);
    case 'softmax':
      return tf.softmax(z);
  }
}

/**
 * g ⊙ act'(z) given the activation's input `z` (null when fused; only relu6 and softplus read it)
 * and output `y`, all `[rows, width]`; the same formulas as tfjs-core's gradients, so results match `tf.grad`.
 */
export function activationBackward(tf: Tf, act: DenseActivation, g: Tensor2D, z: Tensor2D | null, y: Tensor2D): Tensor2D {
  const input = (): Tensor2D => {
    if (z === null) throw new Error(`Internal error: the ${act} backward pass needs the pre-activation.`);
    return z;
  };
  switch (act) {
    case 'relu':
      // y > 0 exactly where z > 0 (tfjs: dy · step(z)).
      return tf.mul(g, tf.step(y));
    case 'relu6': {
      const x = input();
      return tf.mul(g, tf.mul(tf.step(x), tf.cast(tf.lessEqual(x, 6), 'float32')));
    }
    case 'elu':
      // 1 for y ≥ 0, else y + 1 (= e^z): min(y, 0) + 1.
      return tf.mul(g, tf.add(tf.minimum(y, 0), 1));
    case 'tanh':
      return tf.mul(g, tf.sub(1, tf.square(y)));
    case 'sigmoid':
      return tf.mul(g, tf.mul(y, tf.sub(1, y)));
    case 'softplus':
      return tf.mul(g, tf.sigmoid(input()));
    case 'softmax': {
      const gy = tf.mul(g, y);
      return tf.sub(gy, tf.mul(tf.sum(gy, 1, true), y));
    }
  }
}
