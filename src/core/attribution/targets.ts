import type * as tfjs from '@tensorflow/tfjs';
import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';

/** The tfjs namespace, passed in so core code uses the caller's engine and backend. */
export type Tf = typeof tfjs;

/**
 * What an attribution explains: maps a batch `[rows, nGenes]` float32 to one scalar per row `[rows]`.
 * `rowCells` `[rows]` gives the cell each row belongs to (IG sends many rows per cell); rows must not interact.
 */
export type TargetFn = (batch: Tensor2D, rowCells: Int32Array) => Tensor1D;

/**
 * A differentiable model: `[rows, nIn]` float32 → `[rows, nOut]` float32.
 * Wrap a LayersModel as `(x) => model.apply(x) as Tensor2D` so gradients can flow through it.
 */
export type BatchModel = (x: Tensor2D) => Tensor2D;

/**
 * Target = the logit of one class per cell; `classIndex` is one class for all cells or `[nCells]` int32.
 * Uses a one-hot mask multiply + row sum so it stays batched and differentiable on every backend.
 */
export function logitTarget(tf: Tf, model: BatchModel, classIndex: Int32Array | number): TargetFn {
  return (batch, rowCells) => pickColumn(tf, model(batch), classIndex, rowCells, 'class');
}

/**
 * Target = the softmax probability of one class per cell; `classIndex` as in `logitTarget`.
 * The model must output logits `[rows, nClasses]`; the probability is unitless in [0, 1].
 */
export function probabilityTarget(tf: Tf, model: BatchModel, classIndex: Int32Array | number): TargetFn {
  return (batch, rowCells) => pickColumn(tf, tf.softmax(model(batch)), classIndex, rowCells, 'class');
}

/**
 * Target = latent dimension z_k of a VAE encoder's mean `[rows, latentDim]`.
 * `k` is one dimension for all cells or `[nCells]` int32.
 */
export function latentTarget(tf: Tf, encoderMeanFn: BatchModel, k: Int32Array | number): TargetFn {
  return (batch, rowCells) => pickColumn(tf, encoderMeanFn(batch), k, rowCells, 'latent dimension');
}

/**
 * Target = decoded expression of one gene, decoder(encoderMean(x))[gene] (the VAE's reconstruction
 * at z = the encoder mean), in the decoder's output units; `gene` is one index for all cells or `[nCells]` int32.
 */
export function decodedGeneTarget(tf: Tf, encoderMeanFn: BatchModel, decoderFn: BatchModel, gene: Int32Array | number): TargetFn {
  return (batch, rowCells) => pickColumn(tf, decoderFn(encoderMeanFn(batch)), gene, rowCells, 'decoded gene');
}

/**
 * Target = output `index` of a model taking the latent z directly (e.g. a decoder gene as a function
 * of z), for the decoder Jacobian; `index` as in `logitTarget`.
 */
export function outputTarget(tf: Tf, model: BatchModel, index: Int32Array | number, what = 'output'): TargetFn {
  return (batch, rowCells) => pickColumn(tf, model(batch), index, rowCells, what);
}

/** Picks column `index` (or `index[rowCells[r]]`) of `values` `[rows, nCols]` → `[rows]`. */
function pickColumn(tf: Tf, values: Tensor2D, index: Int32Array | number, rowCells: Int32Array, what: string): Tensor1D {
  if (values.rank !== 2) {
    throw new Error(
      `The model returned a tensor of shape [${values.shape.join(', ')}], but a ${what} target needs [rows, columns]; make the model return one row per input row.`,
    );
  }
  const [rows, nCols] = values.shape;
  if (typeof index === 'number') {
    checkIndex(index, nCols, what);
    // One shared column: a [1, nCols] mask broadcasts over the rows.
    return tf.sum(tf.mul(values, oneHotMask(tf, [index], nCols)), 1) as Tensor1D;
  }
  const perRow = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    const cell = rowCells[r];
    if (cell >= index.length) {
      throw new Error(`The ${what} list has ${index.length} entries but cell ${cell + 1} was asked for; give one ${what} per cell.`);
    }
    perRow[r] = index[cell];
    checkIndex(perRow[r], nCols, what);
  }
  return tf.sum(tf.mul(values, oneHotMask(tf, perRow, nCols)), 1) as Tensor1D;
}

/**
 * A float32 one-hot mask `[indices.length, nCols]` built in JS. Not tf.oneHot: its dtype argument
 * is ignored by the wasm backend in the browser, which wrote int32 ones (read as 1.4e-45) and
 * turned every target into ~0 (measured).
 */
function oneHotMask(tf: Tf, indices: ArrayLike<number>, nCols: number): Tensor2D {
  const mask = new Float32Array(indices.length * nCols);
  for (let r = 0; r < indices.length; r++) mask[r * nCols + indices[r]] = 1;
  return tf.tensor2d(mask, [indices.length, nCols]);
}

function checkIndex(i: number, n: number, what: string): void {
  if (!Number.isInteger(i) || i < 0 || i >= n) {
    throw new Error(`The ${what} index ${i} is out of range: the model has ${n} (0 to ${n - 1}); pick one of those.`);
  }
}
