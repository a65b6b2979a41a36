/**
 * Bench section `attribution` (issue 4): on every tfjs backend, in one browser session, integrated
 * gradients in cells × steps per second batched (chunk rows from the backend's limits) against a
 * loop of one row per call; achieved GFLOP/s against that backend's matMul GFLOP/s measured in the
 * same call; and the input-gradient time ÷ the forward time (explicit Dense backprop and tf.grad).
 * Run alone: `npx vite build && npx tsx scripts/bench_attribution.ts` (prints JSON).
 */
import { BACKENDS, type BackendName } from '../src/compute/backend_names.ts';
import { openBrowser, startServer, waitForReady } from '../test/browser/harness.ts';
import { message, round, withTimeout } from './bench_util.ts';

type Rec = Record<string, unknown>;

/** Sizes per backend: cpu and a software WebGPU adapter are 10–100× slower, so they get smaller runs. */
function sizesFor(backend: BackendName, isSoftwareGpu: boolean) {
  // SwiftShader WebGPU ran out a 180 s limit even at 4 cells (measured): the smallest sizes there.
  if (backend === 'webgpu' && isSoftwareGpu) return { nCells: 2, steps: 50, loopCells: 1, gradientRows: 64, reps: 1, matMulN: 256 };
  const isSlow = backend === 'cpu';
  return isSlow
    ? // Three reps (medians): one rep under a loaded machine moved the matMul peak 2× between runs (measured).
      { nCells: 4, steps: 50, loopCells: 1, gradientRows: 128, reps: 3, matMulN: 512 }
    : { nCells: 64, steps: 50, loopCells: 2, gradientRows: 1024, reps: 3, matMulN: 1024 };
}

const GOALS = { speedUp: 10, ratioToMatMulPeak: 0.5, gradientToForward: 3 };

/** Runs the section against the built app at `url`; returns its JSON record (errors recorded per backend). */
export async function benchAttribution(url: string, log: (msg: string) => void, budgetMs = 6 * 60_000): Promise<Rec> {
  const t0 = performance.now();
  const session = await openBrowser(url);
  const out: Rec = { goals: GOALS };
  try {
    await session.page.goto(url, { waitUntil: 'load' });
    await waitForReady(session.page);
    const isSoftwareGpu = await session.page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      const adapter = gpu ? await gpu.requestAdapter() : null;
      return Boolean((adapter?.info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter);
    });
    out.webgpuIsSoftwareFallback = isSoftwareGpu;
    // webgpu last: a software adapter can outlast its timeout, and an abandoned call keeps the worker busy.
    const order = process.env.BENCH_BACKENDS
      ? (process.env.BENCH_BACKENDS.split(',') as BackendName[])
      : [...BACKENDS.filter((b) => b !== 'webgpu'), 'webgpu' as const];
    for (const backend of order) {
      if (performance.now() - t0 > budgetMs) {
        out[backend] = { error: `skipped: the section used its ${budgetMs / 60_000}-minute budget` };
        continue;
      }
      const sizes = sizesFor(backend, isSoftwareGpu);
      log(`attribution: ${backend}, IG ${sizes.nCells} cells × ${sizes.steps} steps batched, ${sizes.loopCells} cell(s) one row per call`);
      try {
        const r = await withTimeout(
          session.page.evaluate(
            ({ backend, sizes }) =>
              (
                globalThis as unknown as { glasswing: { engine: { benchAttribution(b: string, o: unknown): Promise<Rec> } } }
              ).glasswing.engine.benchAttribution(backend, sizes),
            { backend, sizes },
          ),
          180_000,
          `attribution bench on ${backend}`,
        );
        const ig = r.ig as Rec;
        const gradient = r.gradient as Rec;
        const rounded = (o: Rec) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]));
        out[backend] = {
          matMul: rounded(r.matMul as Rec),
          chunk: r.chunk,
          ig: rounded(ig),
          gradient: rounded(gradient),
          goalsMet: {
            batchedAtLeast10xLoop: (ig.speedUp as number) >= GOALS.speedUp,
            igAtLeastHalfMatMulPeak: (ig.ratioToMatMulPeak as number) >= GOALS.ratioToMatMulPeak,
            gradientAtMost3xForward: (gradient.denseToForward as number) <= GOALS.gradientToForward,
          },
        };
      } catch (err) {
        out[backend] = { error: message(err) };
      }
    }
    out.notes = [
      'IG: zero baseline, logit of the predicted class, Gauss–Legendre; batched = all cells × steps in chunks of chunk.rows rows (chunkRowsFor: memory budget, WebGPU buffer / WebGL texture limits); loop = the same IG with one (cell, step) row per gradient call (ISSUE-NOTES).',
      'IG FLOPs per row = 2 × the classifier forward (forward + input-gradient backward, 2·in·out per Dense layer each); achievedGflops = FLOPs × batched cell-steps/s; ratioToMatMulPeak divides by tf.matMul n³ GFLOP/s measured in the same engine call.',
      'gradient: input gradient of the predicted-class logit for `rows` rows; denseBackprop = explicit backprop against weights transposed once (the app’s path), tfGrad = tf.grad; ÷ forward = model.apply on the same rows. Medians after one warm-up; denseToForward is the median over `rounds` of (gradient ÷ forward) timed back to back in each round.',
      'cpu and a software (SwiftShader) WebGPU adapter run smaller sizes (see each ig.nCells, gradient.rows, matMul.n).',
    ];
  } finally {
    await session.close();
  }
  out.totalMs = round(performance.now() - t0);
  return out;
}

// Standalone: `npx tsx scripts/bench_attribution.ts` against dist/.
if (process.argv[1]?.endsWith('bench_attribution.ts')) {
  const server = await startServer('dist');
  try {
    const r = await benchAttribution(server.url, (m) => process.stderr.write(`[bench] ${m}\n`));
    process.stdout.write(`${JSON.stringify(r, null, 2)}\n`);
  } finally {
    await server.close();
  }
}
