/**
 * Attribution timings on the active backend, for `npm run bench` (scripts/bench_attribution.ts):
 * matMul peak, integrated gradients batched (chunk rows from the backend's limits) against a loop of
 * one row per call, and the input gradient (explicit Dense backprop and tf.grad) against the forward pass.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import { medianMatMulMs } from '../compute/backend.ts';
import { activeBackendLimits } from '../compute/limits.ts';
import { chunkRowsFor } from '../core/attribution/chunk_size.ts';
import { denseLogitGradient } from '../core/attribution/dense_backprop.ts';
import { integratedGradients } from '../core/attribution/integrated_gradients.ts';
import { logitTarget } from '../core/attribution/targets.ts';
import type { AttributionContext } from './attribution_jobs.ts';

/** Sizes of one backend's attribution bench. */
export interface AttributionBenchOptions {
  /** Cells of the batched IG run. */
  nCells: number;
  steps: number;
  /** Cells of the one-row-per-call loop (each of its `steps` rows is its own gradient call). */
  loopCells: number;
  /** Rows of the forward / gradient timing. */
  gradientRows: number;
  /** Timed repetitions after one warm-up (median reported). */
  reps: number;
  matMulN: number;
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** Times `fn` once to warm up, then `reps` times; returns the median ms. Errors name the phase. */
async function timed(reps: number, fn: () => Promise<unknown>, phase = 'bench'): Promise<number> {
  try {
    return await timedInner(reps, fn);
  } catch (err) {
    throw new Error(`${phase}: ${(err as Error).message}`, { cause: err });
  }
}

async function timedInner(reps: number, fn: () => Promise<unknown>): Promise<number> {
  await fn();
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await fn();
    times.push(performance.now() - t0);
  }
  return median(times);
}

/** Runs the attribution bench on the backend now active; every number is measured here, in this call. */
export async function runAttributionBench(ctx: AttributionContext, o: AttributionBenchOptions) {
  const stack = ctx.stack('classifier');
  if (!stack) throw new Error('The bench needs the classifier as a Dense stack.');
  const G = ctx.nGenes;
  const flopsPerRowForward = stack.layers.reduce((a, l) => a + 2 * l.kernel.shape[0] * l.kernel.shape[1], 0);
  // IG per row: forward plus the input-gradient backward (one product per layer against Wᵀ of the same size).
  const flopsPerRowIg = 2 * flopsPerRowForward;
  const widths = [G, ...stack.layers.map((l) => l.kernel.shape[1])];
  const chunk = chunkRowsFor(activeBackendLimits(), widths);

  const matMulMs = await medianMatMulMs(o.matMulN, o.reps);
  const matMulGflops = (2 * o.matMulN ** 3) / (matMulMs * 1e6);

  const cells = Uint32Array.from({ length: o.nCells }, (_, i) => i);
  const x = ctx.rowsAt(cells);
  const classes = Int32Array.from(cells, (c) => ctx.predicted[c]);
  const net = (t: Tensor2D) => ctx.classifier.apply(t) as Tensor2D;
  const baseline = new Float32Array(G);
  let worstDelta = 0;
  const batchedMs = await timed(
    o.reps,
    async () => {
      const r = await integratedGradients(tf, logitTarget(tf, net, classes), x, baseline, {
        nGenes: G,
        steps: o.steps,
        gradientFn: denseLogitGradient(tf, stack, classes),
        maxRowsPerChunk: chunk.rows,
      });
      worstDelta = Math.max(...r.deltaRel);
    },
    'IG batched',
  );
  const xLoop = x.subarray(0, o.loopCells * G);
  const loopClasses = classes.subarray(0, o.loopCells);
  // The loop: the same IG with one (cell, step) row per gradient call.
  const loopMs = await timed(
    1,
    () =>
      integratedGradients(tf, logitTarget(tf, net, loopClasses), xLoop, baseline, {
        nGenes: G,
        steps: o.steps,
        gradientFn: denseLogitGradient(tf, stack, loopClasses),
        maxRowsPerChunk: 1,
      }),
    'IG loop',
  );
  const batchedRowsPerS = (o.nCells * o.steps) / (batchedMs / 1000);
  const loopRowsPerS = (o.loopCells * o.steps) / (loopMs / 1000);
  const achievedGflops = (flopsPerRowIg * batchedRowsPerS) / 1e9;

  // Forward against the input gradient on the same rows (cells repeated to fill them).
  const R = o.gradientRows;
  const rows = new Float32Array(R * G);
  for (let r = 0; r < R; r++) rows.set(x.subarray((r % o.nCells) * G, ((r % o.nCells) + 1) * G), r * G);
  const rowCells = Int32Array.from({ length: R }, (_, r) => r);
  const rowClasses = Int32Array.from({ length: R }, (_, r) => classes[r % o.nCells]);
  const xs = tf.tensor2d(rows, [R, G]);
  try {
    const read = async (t: tf.Tensor) => {
      await t.data();
      t.dispose();
    };
    const dense = denseLogitGradient(tf, stack, rowClasses);
    // Forward and gradient alternate, round by round, and the ratio is the median of the rounds'
    // ratios: on a shared machine a load spike then hits both sides of one ratio alike
    // (timed back to back, the ratio moved between 1.8× and 4.0× from run to run; measured).
    const forward = () => read(tf.tidy(() => net(xs)));
    const gradient = () => read(tf.tidy(() => dense(xs, rowCells).grad));
    await forward();
    await gradient();
    const rounds = Math.max(5, o.reps);
    const fTimes: number[] = [];
    const gTimes: number[] = [];
    const ratios: number[] = [];
    for (let i = 0; i < rounds; i++) {
      const t0 = performance.now();
      await forward();
      const t1 = performance.now();
      await gradient();
      const t2 = performance.now();
      fTimes.push(t1 - t0);
      gTimes.push(t2 - t1);
      ratios.push((t2 - t1) / (t1 - t0));
    }
    const forwardMs = median(fTimes);
    const denseMs = median(gTimes);
    const target = logitTarget(tf, net, rowClasses);
    const tfGradMs = await timed(Math.min(o.reps, 2), () =>
      read(tf.tidy(() => tf.grad((b) => tf.sum(target(b as Tensor2D, rowCells)))(xs))),
    );
    return {
      backend: tf.getBackend(),
      matMul: { n: o.matMulN, msMedian: matMulMs, gflops: matMulGflops },
      chunk,
      ig: {
        nCells: o.nCells,
        steps: o.steps,
        batchedMs,
        batchedCellStepsPerS: batchedRowsPerS,
        loopCells: o.loopCells,
        loopMs,
        loopCellStepsPerS: loopRowsPerS,
        speedUp: batchedRowsPerS / loopRowsPerS,
        flopsPerRow: flopsPerRowIg,
        achievedGflops,
        ratioToMatMulPeak: achievedGflops / matMulGflops,
        worstDeltaRel: worstDelta,
      },
      gradient: {
        rows: R,
        forwardMs,
        denseBackpropMs: denseMs,
        tfGradMs,
        rounds,
        denseToForward: median(ratios),
        tfGradToForward: tfGradMs / forwardMs,
      },
    };
  } finally {
    xs.dispose();
  }
}
