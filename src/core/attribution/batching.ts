import type { Tensor1D, Tensor2D } from '@tensorflow/tfjs';
import type { TargetFn, Tf } from './targets.ts';

/** Anything with an `aborted` flag; a DOM `AbortSignal` fits. */
export interface CancelSignal {
  readonly aborted: boolean;
}

/**
 * A hand-written input gradient of a target: for a batch `[rows, nGenes]` float32 returns
 * `grad` `[rows, nGenes]` = ∂target_r/∂batch_r per row and `value` `[rows]` = the target per row.
 * `rowCells` as in `TargetFn`. It must compute the same target as the `TargetFn` it is passed
 * with (see dense_backprop.ts); rows must not interact. Call inside `tf.tidy`.
 */
export type GradientFn = (batch: Tensor2D, rowCells: Int32Array) => { grad: Tensor2D; value: Tensor1D };

/** Options every gradient method shares; `x` is `[nCells, nGenes]` float32, row-major. */
export interface GradientOptions {
  /** Genes per cell (columns of `x`). */
  nGenes: number;
  /**
   * Optional fast path for the input gradient of the same target as `targetFn`, used instead of
   * `tf.grad` (e.g. `denseLogitGradient` for a plain stack of Dense layers). The target values
   * f(x), f(b) of integrated gradients still come from `targetFn`; saliency takes f(x) from here.
   */
  gradientFn?: GradientFn;
  /** Most rows sent to the model in one call (device-memory bound); default 4096. */
  maxRowsPerChunk?: number;
  /** Called after each chunk with the fraction of work done, in [0, 1]. */
  onProgress?: (fraction: number) => void;
  /** Checked between chunks; when set, the call rejects with an Error named 'AbortError'. */
  signal?: CancelSignal;
}

/** Default rows per model call: large enough to keep a GPU busy, small enough for its memory. */
export const DEFAULT_MAX_ROWS_PER_CHUNK = 4096;

/** An Error named 'AbortError', as DOM APIs reject with when cancelled. */
export function abortError(): Error {
  const err = new Error('The computation was cancelled.');
  err.name = 'AbortError';
  return err;
}

/** Throws `abortError()` when `signal` is set. */
export function throwIfAborted(signal: CancelSignal | undefined): void {
  if (signal?.aborted) throw abortError();
}

/**
 * Lets the event loop run (a macrotask, not a microtask) so a worker can post progress and
 * receive a cancel message between chunks.
 */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, 0));
}

/** Checks `x` `[nCells, nGenes]` and the chunk size; returns nCells. */
export function checkMatrix(x: Float32Array, opts: GradientOptions): number {
  const { nGenes } = opts;
  if (!Number.isInteger(nGenes) || nGenes < 1) {
    throw new Error(`nGenes must be a whole number ≥ 1, but got ${nGenes}; pass the number of model input genes.`);
  }
  if (x.length % nGenes !== 0) {
    throw new Error(
      `The input holds ${x.length} values, which is not a whole number of cells of ${nGenes} genes; check that it is [nCells, nGenes].`,
    );
  }
  const maxRows = opts.maxRowsPerChunk ?? DEFAULT_MAX_ROWS_PER_CHUNK;
  if (!Number.isInteger(maxRows) || maxRows < 1) {
    throw new Error(`maxRowsPerChunk must be a whole number ≥ 1, but got ${maxRows}; use for example 4096.`);
  }
  return x.length / nGenes;
}

/** Counts finished rows and reports the fraction done. */
export class ProgressCounter {
  private done = 0;
  constructor(
    private readonly total: number,
    private readonly onProgress?: (fraction: number) => void,
  ) {}

  /** Records `rows` more rows as done and reports. */
  add(rows: number): void {
    this.done += rows;
    this.onProgress?.(this.total > 0 ? Math.min(1, this.done / this.total) : 1);
  }
}

/**
 * Runs `targetFn` and checks it returned one float per row: `[rows]` float32.
 * Call inside `tf.tidy` (or a gradient function).
 */
export function evalTarget(targetFn: TargetFn, batch: Tensor2D, rowCells: Int32Array): Tensor1D {
  const y = targetFn(batch, rowCells);
  const rows = batch.shape[0];
  if (y.rank !== 1 || y.shape[0] !== rows) {
    throw new Error(
      `The target returned shape [${y.shape.join(', ')}] for ${rows} rows, but it must return one number per row ([${rows}]); pick one output per row, for example with logitTarget.`,
    );
  }
  return y;
}

/**
 * Runs `gradientFn` and checks it returned `grad` shaped like `batch` and one value per row.
 * Call inside `tf.tidy`.
 */
export function evalGradient(gradientFn: GradientFn, batch: Tensor2D, rowCells: Int32Array): { grad: Tensor2D; value: Tensor1D } {
  const out = gradientFn(batch, rowCells);
  const [rows, cols] = batch.shape;
  if (out.grad.rank !== 2 || out.grad.shape[0] !== rows || out.grad.shape[1] !== cols) {
    throw new Error(
      `The gradient function returned a gradient of shape [${out.grad.shape.join(', ')}] for a batch of [${rows}, ${cols}]; it must return one gradient per input value.`,
    );
  }
  if (out.value.rank !== 1 || out.value.shape[0] !== rows) {
    throw new Error(
      `The gradient function returned values of shape [${out.value.shape.join(', ')}] for ${rows} rows, but it must return one number per row ([${rows}]).`,
    );
  }
  return out;
}

/** `[n]` int32 of consecutive cell indices start, start+1, … (one row per cell). */
export function consecutiveCells(start: number, n: number): Int32Array {
  const cells = new Int32Array(n);
  for (let i = 0; i < n; i++) cells[i] = start + i;
  return cells;
}

/**
 * Target value per cell for the rows `makeRows(cellStart, cellCount)` builds on device:
 * `[nCells]` float32, in the target's units. Runs in chunks of `maxRows` cells.
 */
export async function targetPerCell(
  tf: Tf,
  targetFn: TargetFn,
  nCells: number,
  maxRows: number,
  makeRows: (cellStart: number, cellCount: number) => Tensor2D,
  progress: ProgressCounter,
  signal: CancelSignal | undefined,
): Promise<Float32Array> {
  const out = new Float32Array(nCells);
  for (let c0 = 0; c0 < nCells; c0 += maxRows) {
    throwIfAborted(signal);
    const nc = Math.min(maxRows, nCells - c0);
    const y = tf.tidy(() => evalTarget(targetFn, makeRows(c0, nc), consecutiveCells(c0, nc)));
    try {
      out.set((await y.data()) as Float32Array, c0);
    } finally {
      y.dispose();
    }
    progress.add(nc);
    await yieldToEventLoop();
  }
  return out;
}

/** A block of the (cell, sample) grid: whole cells with all their samples, or one cell with a run of samples. */
export interface GridChunk {
  cellStart: number;
  cellCount: number;
  stepStart: number;
  stepCount: number;
}

/**
 * Splits the cells × steps grid (IG steps, SmoothGrad or GradientSHAP samples) into chunks of at
 * most `maxRows` rows: whole cells when a cell's steps fit, otherwise each cell's steps in runs of `maxRows`.
 */
export function* planChunks(nCells: number, steps: number, maxRows: number): Generator<GridChunk> {
  if (steps <= maxRows) {
    const cellsPerChunk = Math.floor(maxRows / steps);
    for (let c0 = 0; c0 < nCells; c0 += cellsPerChunk) {
      yield { cellStart: c0, cellCount: Math.min(cellsPerChunk, nCells - c0), stepStart: 0, stepCount: steps };
    }
    return;
  }
  for (let c = 0; c < nCells; c++) {
    for (let s0 = 0; s0 < steps; s0 += maxRows) {
      yield { cellStart: c, cellCount: 1, stepStart: s0, stepCount: Math.min(maxRows, steps - s0) };
    }
  }
}
