/**
 * tsx scripts/bench_gradient.ts [rows]: input-gradient cost on the tfjs wasm backend in Node, for
 * the shipped classifier (models/pbmc3k-classifier) and a 2000→512→128→32 relu MLP, at 3,200 rows
 * by default. Times the forward pass (model.apply), the input gradient by tf.grad (as integrated
 * gradients runs it: the gradient of Σ logit_class), and the explicit Dense backprop of
 * src/core/attribution/dense_backprop.ts; plus the matMul behind the difference (Wᵀ by transpose
 * flag against a pre-transposed copy), integrated gradients end to end on the classifier through
 * both paths, and a square matMul for the backend's peak GFLOP/s.
 * Prints one JSON document (medians of 5 interleaved runs after 2 warm-ups, in ms) on stdout;
 * not asserted anywhere. Results are summed on device, not downloaded.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import { loadLayersModelFromDisk, useWasmBackend } from './node_tf.ts';
import { denseLogitGradient, extractDenseStack, type DenseStack } from '../src/core/attribution/dense_backprop.ts';
import { integratedGradients } from '../src/core/attribution/integrated_gradients.ts';
import { logitTarget } from '../src/core/attribution/targets.ts';

const ROWS = Number(process.argv[2] ?? 3200);
const WARMUP = 2;
const REPS = 5;

const r3 = (v: number) => Number(v.toPrecision(3));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/**
 * Median wall time in ms of each function (each must finish its work, e.g. by reading a result
 * back). Rounds interleave the functions so a machine whose load drifts slows all of them alike.
 */
function timeEach<K extends string>(fns: Record<K, () => void>): Record<K, number> {
  const keys = Object.keys(fns) as K[];
  const ms = Object.fromEntries(keys.map((k) => [k, [] as number[]])) as Record<K, number[]>;
  for (let rep = 0; rep < WARMUP + REPS; rep++) {
    for (const k of keys) {
      const t0 = performance.now();
      fns[k]();
      if (rep >= WARMUP) ms[k].push(performance.now() - t0);
    }
  }
  return Object.fromEntries(keys.map((k) => [k, median(ms[k])])) as Record<K, number>;
}

/**
 * Runs `make` in a tidy and reads back the sum of its result, so the work is done on any backend
 * without timing a large download (integrated gradients also reduces gradients on device).
 */
function run(make: () => tf.Tensor): void {
  tf.tidy(() => {
    tf.sum(make()).dataSync();
  });
}

function mlp(): tf.LayersModel {
  const seed = 7;
  return tf.sequential({
    layers: [
      tf.layers.dense({ inputShape: [2000], units: 512, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed }) }),
      tf.layers.dense({ units: 128, activation: 'relu', kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 1 }) }),
      tf.layers.dense({ units: 32, kernelInitializer: tf.initializers.glorotUniform({ seed: seed + 2 }) }),
    ],
  });
}

function benchModel(name: string, model: tf.LayersModel) {
  const stack = extractDenseStack(tf, model) as DenseStack;
  if (stack === null) throw new Error(`${name} is not a plain Dense stack`);
  const nIn = stack.nIn;
  const x = tf.keep(tf.randomUniform([ROWS, nIn], 0, 3, 'float32', 11) as Tensor2D);
  const rowCells = Int32Array.from({ length: ROWS }, (_, r) => r);
  const classes = Int32Array.from({ length: ROWS }, (_, r) => r % stack.nOut);
  const apply = (b: Tensor2D) => model.apply(b) as Tensor2D;
  const target = logitTarget(tf, apply, classes);
  const fast = denseLogitGradient(tf, stack, classes);

  // Same numbers first: a fast wrong answer is no answer.
  const maxRelDiff = tf.tidy(() => {
    const a = tf.grad((b) => tf.sum(target(b as Tensor2D, rowCells)))(x);
    const b = fast(x, rowCells).grad;
    return tf.div(tf.max(tf.abs(tf.sub(a, b))), tf.max(tf.abs(a))).dataSync()[0];
  });

  const t = timeEach({
    forward: () => run(() => apply(x)),
    tfGrad: () => run(() => tf.grad((b) => tf.sum(target(b as Tensor2D, rowCells)))(x)),
    dense: () => run(() => fast(x, rowCells).grad),
  });
  const [forwardMs, tfGradMs, denseMs] = [t.forward, t.tfGrad, t.dense];
  const flopsForward = 2 * ROWS * stack.layers.reduce((s, l) => s + l.kernel.shape[0] * l.kernel.shape[1], 0);
  x.dispose();
  stack.dispose();
  return {
    model: name,
    layers: [nIn, ...stack.layers.map((l) => l.kernel.shape[1])].join('→'),
    rows: ROWS,
    forwardMs: r3(forwardMs),
    tfGradMs: r3(tfGradMs),
    denseBackpropMs: r3(denseMs),
    tfGradOverForward: r3(tfGradMs / forwardMs),
    denseBackpropOverForward: r3(denseMs / forwardMs),
    speedup: r3(tfGradMs / denseMs),
    forwardGflops: r3(flopsForward / forwardMs / 1e6),
    // forward + backward products: twice the forward FLOPs (element-wise work not counted).
    denseBackpropGflops: r3((2 * flopsForward) / denseMs / 1e6),
    maxRelDiffVsTfGrad: Number(maxRelDiff.toExponential(2)),
  };
}

/**
 * Integrated gradients end to end on the classifier (64 cells × 50 steps = 3,200 gradient rows,
 * zero baseline), through tf.grad and through the dense gradientFn: medians of 3 interleaved runs.
 */
async function igEndToEnd(model: tf.LayersModel) {
  const stack = extractDenseStack(tf, model) as DenseStack;
  const nCells = 64;
  const steps = 50;
  const x = new Float32Array(nCells * stack.nIn);
  tf.tidy(() => x.set(tf.randomUniform([nCells, stack.nIn], 0, 3, 'float32', 21).dataSync()));
  const classes = Int32Array.from({ length: nCells }, (_, c) => c % stack.nOut);
  const target = logitTarget(tf, (b) => model.apply(b) as Tensor2D, classes);
  const opts = { nGenes: stack.nIn, steps };
  const paths = {
    tfGrad: () => integratedGradients(tf, target, x, new Float32Array(stack.nIn), opts),
    dense: () =>
      integratedGradients(tf, target, x, new Float32Array(stack.nIn), { ...opts, gradientFn: denseLogitGradient(tf, stack, classes) }),
  };
  const ms: Record<keyof typeof paths, number[]> = { tfGrad: [], dense: [] };
  for (let rep = 0; rep < 4; rep++) {
    for (const k of ['tfGrad', 'dense'] as const) {
      const t0 = performance.now();
      await paths[k]();
      if (rep > 0) ms[k].push(performance.now() - t0);
    }
  }
  stack.dispose();
  const [tfGradMs, denseMs] = [median(ms.tfGrad), median(ms.dense)];
  return {
    cells: nCells,
    steps,
    tfGradMs: r3(tfGradMs),
    denseMs: r3(denseMs),
    speedup: r3(tfGradMs / denseMs),
    denseCellStepsPerSecond: r3((nCells * steps) / (denseMs / 1000)),
  };
}

/** The classifier's first backward product, d [rows, 128] · Wᵀ with W [2000, 128]: by flag, and against Wᵀ held. */
function transposeFlag() {
  const d = tf.keep(tf.randomNormal([ROWS, 128], 0, 1, 'float32', 3) as Tensor2D);
  const w = tf.keep(tf.randomNormal([2000, 128], 0, 1, 'float32', 4) as Tensor2D);
  const wt = tf.keep(tf.transpose(w) as Tensor2D);
  const { flag: flagMs, held: heldMs } = timeEach({
    flag: () => run(() => tf.matMul(d, w, false, true)),
    held: () => run(() => tf.matMul(d, wt)),
  });
  tf.dispose([d, w, wt]);
  return { shape: `[${ROWS},128]·[128,2000]`, transposeFlagMs: r3(flagMs), preTransposedMs: r3(heldMs), ratio: r3(flagMs / heldMs) };
}

function matMulPeak(n = 1024) {
  const a = tf.keep(tf.randomNormal([n, n], 0, 1, 'float32', 5) as Tensor2D);
  const b = tf.keep(tf.randomNormal([n, n], 0, 1, 'float32', 6) as Tensor2D);
  const { ms } = timeEach({ ms: () => run(() => tf.matMul(a, b)) });
  tf.dispose([a, b]);
  return { n, ms: r3(ms), gflops: r3((2 * n ** 3) / ms / 1e6) };
}

async function main() {
  const backend = await useWasmBackend();
  const classifier = await loadLayersModelFromDisk('models/pbmc3k-classifier');
  const wide = mlp();
  const startTensors = tf.memory().numTensors;
  const results = [benchModel('pbmc3k-classifier', classifier), benchModel('mlp', wide)];
  const ig = await igEndToEnd(classifier);
  const flag = transposeFlag();
  const peak = matMulPeak();
  if (tf.memory().numTensors !== startTensors) throw new Error(`leaked ${tf.memory().numTensors - startTensors} tensors`);
  classifier.dispose();
  wide.dispose();
  const out = {
    backend,
    tfjs: tf.version.tfjs,
    wasm: { simd: tf.env().getBool('WASM_HAS_SIMD_SUPPORT'), threads: tf.env().getBool('WASM_HAS_MULTITHREAD_SUPPORT') },
    reps: REPS,
    results,
    integratedGradients: ig,
    transposeFlag: flag,
    matMulPeak: peak,
  };
  process.stdout.write(JSON.stringify(out, null, 2) + '\n');
}

await main();
