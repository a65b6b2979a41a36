/**
 * npm run bench: drives headless Chromium against the built app (dist/) and measures, on every
 * tfjs backend, backend start-up, encoding all cells (cold and warm, next to that backend's matMul
 * peak measured in the same run) and integrated gradients batched against a per-cell loop; then
 * (section `cache`, scripts/bench_cache.ts) parsing, caching and reopening a generated 100k-cell dataset.
 * Prints one JSON document on stdout (progress on stderr) and writes it to bench/output/bench.json.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { BACKENDS, type BackendName } from '../src/compute/backend_names.ts';
import { openBrowser, startServer, waitForReady, type BrowserSession } from '../test/browser/harness.ts';
import { benchCache } from './bench_cache.ts';
import { benchAttribution } from './bench_attribution.ts';
import { benchScatter } from './bench_scatter.ts';
import { benchGrn } from './bench_grn.ts';
import { benchDe } from './bench_de.ts';
import { median, message, round, withTimeout } from './bench_util.ts';

const DIST = 'dist';
const OUTPUT = 'bench/output/bench.json';
/** Whole-bench budget: steps that would start after it are skipped and say so. */
const BUDGET_MS = 10 * 60_000;
/** One engine call that takes longer than this is abandoned (the page is reopened). */
const STEP_TIMEOUT_MS = 120_000;
const IG_STEPS = 50;
const IG_CELLS = 64;
const IG_CELLS_SLOW = 16;
/** Below this matMul rate a backend runs IG on IG_CELLS_SLOW cells to keep the bench near 10 minutes. */
const SLOW_GFLOPS = 2;
const WARM_REPS = 3;

const t0 = performance.now();
const elapsedMs = () => performance.now() - t0;
const log = (msg: string) => process.stderr.write(`[bench ${(elapsedMs() / 1000).toFixed(1)}s] ${msg}\n`);

// ---- What the page exposes (globalThis.glasswing); typed here because src/workers is browser-only.

interface AdapterSummary {
  isFallbackAdapter: boolean;
  vendor: string;
  architecture: string;
  description: string;
}
interface BackendChoice {
  backend: BackendName;
  reason: string;
  adapter: AdapterSummary | null;
  probe: Partial<Record<'webgl' | 'wasm', number>>;
  initMs: number;
  wasm: { isSimd: boolean; isThreaded: boolean; threads: number };
}
interface EngineRemote {
  encodeOn(backend: BackendName, nRows: number): Promise<{ z: Float32Array; backend: BackendName; ms: number }>;
  matMulGflops(
    backend: BackendName,
    n?: number,
    reps?: number,
  ): Promise<{ backend: BackendName; n: number; msMedian: number; gflops: number }>;
  benchIntegratedGradients(
    backend: BackendName,
    nCells: number,
    steps: number,
    mode: 'batched' | 'per-cell-loop',
  ): Promise<{ backend: BackendName; mode: string; nCells: number; steps: number; ms: number; rowsPerSecond: number; maxDeltaRel: number }>;
  /** Switches the engine's chosen backend (the IG check explains one cell on each). */
  setBackend(name: BackendName): Promise<unknown>;
  explainCell(
    jobId: number,
    req: Record<string, unknown>,
  ): Promise<{ attributions: Float32Array; fx: number; fBaseline: number; deltaAbs: number; deltaRel: number; backend: BackendName }>;
}
interface Handle {
  app: { backend: BackendChoice | null; dataset: { nCells: number } | null };
  engine: EngineRemote;
}
type BenchGlobal = { glasswing?: Handle };

// ---- Model FLOPs, read from the built models so a retrained architecture is counted right.

interface LayerJson {
  name: string;
  class_name: string;
  config: { units?: number; batch_input_shape?: (number | null)[] };
  inbound_nodes: [string, number, number, unknown][][];
}

/** Multiply-add FLOPs per row of a tfjs-layers model made of Dense layers: sum of 2·in·units. */
function denseFlopsPerRow(modelJsonPath: string): { flopsPerRow: number; layers: string[] } {
  const json = JSON.parse(readFileSync(modelJsonPath, 'utf8')) as { modelTopology: { config: { layers: LayerJson[] } } };
  const width = new Map<string, number>();
  const layers: string[] = [];
  let flops = 0;
  for (const layer of json.modelTopology.config.layers) {
    if (layer.class_name === 'InputLayer') {
      width.set(layer.name, layer.config.batch_input_shape!.at(-1)!);
    } else if (layer.class_name === 'Dense') {
      const input = width.get(layer.inbound_nodes[0][0][0]);
      if (input === undefined) throw new Error(`${modelJsonPath}: cannot tell the input width of ${layer.name}`);
      flops += 2 * input * layer.config.units!;
      width.set(layer.name, layer.config.units!);
      layers.push(`${layer.name} ${input}->${layer.config.units}`);
    } else {
      throw new Error(`${modelJsonPath}: ${layer.class_name} layers are not counted by the bench`);
    }
  }
  return { flopsPerRow: flops, layers };
}

function modelFlops(): { encoder: ReturnType<typeof denseFlopsPerRow>; classifier: ReturnType<typeof denseFlopsPerRow> } {
  const vae = JSON.parse(readFileSync(join(DIST, 'models/pbmc3k-vae/manifest.json'), 'utf8')) as { files: { encoder: string } };
  const cls = JSON.parse(readFileSync(join(DIST, 'models/pbmc3k-classifier/manifest.json'), 'utf8')) as { files: { model: string } };
  return {
    encoder: denseFlopsPerRow(join(DIST, 'models/pbmc3k-vae', vae.files.encoder)),
    classifier: denseFlopsPerRow(join(DIST, 'models/pbmc3k-classifier', cls.files.model)),
  };
}

// ---- Helpers

function git(args: string[]): string | null {
  try {
    return execFileSync('git', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return null;
  }
}

class StepTimeout extends Error {}

/** The main page: the app booted on cpu, so webgpu/webgl/wasm are cold when the bench first uses them. */
async function openMainPage(url: string): Promise<BrowserSession> {
  const session = await openBrowser(url);
  await session.page.goto(`${url}?backend=cpu`, { waitUntil: 'load' });
  await waitForReady(session.page);
  return session;
}

// ---- Phases

/** Start-up of each backend in a fresh browser profile; reads the BackendChoice as soon as it exists. */
async function measureInit(url: string, backend: BackendName) {
  let session: BrowserSession | null = null;
  try {
    session = await openBrowser(url);
    const started = performance.now();
    await session.page.goto(`${url}?backend=${backend}`, { waitUntil: 'commit' });
    await session.page.waitForFunction(() => Boolean((globalThis as BenchGlobal).glasswing?.app.backend), undefined, {
      timeout: 90_000,
      polling: 20,
    });
    const pageToChoiceMs = performance.now() - started;
    const choice = await session.page.evaluate(
      () => JSON.parse(JSON.stringify((globalThis as BenchGlobal).glasswing!.app.backend)) as BackendChoice,
    );
    const isStarted = choice.backend === backend;
    return {
      requested: backend,
      backend: choice.backend,
      isStarted,
      initMs: round(choice.initMs),
      navigationToChoiceMs: round(pageToChoiceMs),
      reason: choice.reason,
      ...(isStarted ? {} : { error: `${backend} could not start here; the app fell back to ${choice.backend}.` }),
      ...(session.pageErrors.length ? { pageErrors: session.pageErrors.slice(0, 3) } : {}),
    };
  } catch (err) {
    return { requested: backend, isStarted: false, error: message(err) };
  } finally {
    await session?.close().catch(() => undefined);
  }
}

async function environment(session: BrowserSession, choice: BackendChoice | null) {
  const { page, context } = session;
  let browserVersion: string | null;
  try {
    const cdp = await context.newCDPSession(page);
    browserVersion = ((await cdp.send('Browser.getVersion')) as { product: string }).product;
    await cdp.detach();
  } catch {
    browserVersion = null;
  }
  const nav = await page.evaluate(async () => {
    const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
    let adapter: { isFallbackAdapter: boolean; vendor: string; architecture: string; description: string } | null = null;
    try {
      const a = gpu ? await gpu.requestAdapter({ powerPreference: 'high-performance' }) : null;
      if (a) {
        const info = a.info as GPUAdapterInfo & { isFallbackAdapter?: boolean };
        adapter = {
          isFallbackAdapter: Boolean(info.isFallbackAdapter),
          vendor: info.vendor,
          architecture: info.architecture,
          description: info.description,
        };
      }
    } catch {
      adapter = null;
    }
    return {
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      crossOriginIsolated: globalThis.crossOriginIsolated,
      hasWebGpu: Boolean(gpu),
      adapter,
    };
  });
  const gitStatus = git(['status', '--porcelain']);
  return {
    chromium: browserVersion,
    userAgent: nav.userAgent,
    hardwareConcurrency: nav.hardwareConcurrency,
    crossOriginIsolated: nav.crossOriginIsolated,
    hasWebGpu: nav.hasWebGpu,
    // The worker's view is what tfjs runs on; the page's is the fallback when the worker saw none.
    webgpuAdapter: choice?.adapter ?? nav.adapter,
    wasm: choice?.wasm ?? null,
    date: new Date().toISOString(),
    git: { commit: git(['rev-parse', 'HEAD']), isDirty: gitStatus === null ? null : gitStatus.length > 0 },
    host: { cpu: cpus()[0]?.model ?? null, nCpus: cpus().length, memoryGiB: round(totalmem() / 2 ** 30, 1), node: process.version },
  };
}

type Rec = Record<string, unknown>;

/** One backend's results, filled step by step so that a step that hangs keeps what came before it. */
interface BackendRun {
  encode: Rec;
  matMul: Rec;
  ig: Rec;
  /** Latent means of the first Z_HEAD_CELLS cells `[rows * latentDim]`, to compare backends. */
  zHead?: number[];
  /** IG attributions of CHECK_CELL `[nGenes]`, to compare backends. */
  attributions?: number[];
}

/** How many cells' latent means come back to Node for the cross-backend comparison (small on purpose). */
const Z_HEAD_CELLS = 256;

/** The cell and request of the cross-backend attribution check (the demo's defaults). */
const CHECK_CELL = 0;
const CHECK_REQUEST = { baseline: 'zeros', steps: IG_STEPS, rule: 'gauss-legendre', target: 'logit' } as const;

/**
 * Encoding, matMul peak, IG timings and an IG correctness check on one backend. Each step records
 * its own error and the rest go on; a step that hangs rethrows StepTimeout after recording it.
 */
async function benchBackend(
  page: Page,
  backend: BackendName,
  nCells: number,
  flops: ReturnType<typeof modelFlops>,
  run: BackendRun,
): Promise<void> {
  const step = async (what: string, into: Rec, fn: () => Promise<void>): Promise<void> => {
    try {
      await withTimeout(fn(), STEP_TIMEOUT_MS, `${backend} ${what}`);
    } catch (err) {
      into.error = message(err);
      if (message(err).includes('was abandoned')) throw new StepTimeout(message(err));
    }
  };
  const { encode, matMul, ig } = run;

  // Encoding every cell: the first call compiles shaders / kernels, then WARM_REPS warm calls.
  encode.nCells = nCells;
  log(`${backend}: encoding ${nCells} cells, cold + ${WARM_REPS} warm`);
  await step('encoding', encode, async () => {
    const { timesMs, zHead } = await page.evaluate(
      async ({ backend, nCells, reps, headCells }) => {
        const g = globalThis as BenchGlobal;
        const times: number[] = [];
        let zHead: number[] = [];
        for (let i = 0; i <= reps; i++) {
          const r = await g.glasswing!.engine.encodeOn(backend, nCells);
          if (r.backend !== backend) throw new Error(`encodeOn ran on ${r.backend}, not ${backend}`);
          times.push(r.ms);
          if (i === 0) zHead = Array.from(r.z.subarray(0, headCells * (r.z.length / nCells)));
        }
        return { timesMs: times, zHead };
      },
      { backend, nCells, reps: WARM_REPS, headCells: Z_HEAD_CELLS },
    );
    run.zHead = zHead;
    Object.assign(encode, {
      coldMs: round(timesMs[0]),
      warmMsMedian: round(median(timesMs.slice(1))),
      warmMs: timesMs.slice(1).map((t) => round(t)),
    });
  });

  // That backend's matMul peak in the same run; slow backends (cpu, a software GPU) get one rep.
  const isSlowEncode = typeof encode.warmMsMedian !== 'number' || (encode.warmMsMedian as number) > 5000;
  const reps = backend === 'cpu' || isSlowEncode ? 1 : 3;
  log(`${backend}: matMul 1024³ × ${reps}`);
  await step('matMul', matMul, async () => {
    const r = await page.evaluate(({ backend, reps }) => (globalThis as BenchGlobal).glasswing!.engine.matMulGflops(backend, 1024, reps), {
      backend,
      reps,
    });
    Object.assign(matMul, { n: r.n, reps, msMedian: round(r.msMedian), gflops: round(r.gflops) });
  });
  encode.matMulGflops = matMul.gflops ?? null;
  if (typeof encode.warmMsMedian === 'number') {
    const achieved = (flops.encoder.flopsPerRow * nCells) / ((encode.warmMsMedian as number) * 1e6);
    encode.achievedGflops = round(achieved);
    if (typeof matMul.gflops === 'number') encode.ratioToMatMulPeak = round(achieved / (matMul.gflops as number));
  }

  // IG: batched (one computation) against the per-cell loop, same backend, same run.
  const isSlow = typeof matMul.gflops !== 'number' || (matMul.gflops as number) < SLOW_GFLOPS;
  const igCells = isSlow ? IG_CELLS_SLOW : IG_CELLS;
  Object.assign(ig, { nCells: igCells, steps: IG_STEPS });
  if (isSlow) ig.note = `matMul peak below ${SLOW_GFLOPS} GFLOP/s (or unknown): ${IG_CELLS_SLOW} cells instead of ${IG_CELLS}`;
  for (const mode of ['batched', 'per-cell-loop'] as const) {
    const result: Rec = {};
    ig[mode === 'batched' ? 'batched' : 'perCellLoop'] = result;
    if (elapsedMs() > BUDGET_MS) {
      result.error = `skipped: the bench had used its ${BUDGET_MS / 60_000}-minute budget`;
      continue;
    }
    log(`${backend}: integrated gradients ${mode}, ${igCells} cells × ${IG_STEPS} steps`);
    await step(`IG ${mode}`, result, async () => {
      const r = await page.evaluate(
        ({ backend, igCells, steps, mode }) =>
          (globalThis as BenchGlobal).glasswing!.engine.benchIntegratedGradients(backend, igCells, steps, mode),
        { backend, igCells, steps: IG_STEPS, mode },
      );
      // Forward plus the input-gradient backward pass: about twice the forward FLOPs per row.
      const gflops = (2 * flops.classifier.flopsPerRow * r.nCells * r.steps) / (r.ms * 1e6);
      Object.assign(result, {
        ms: round(r.ms),
        rowsPerSecond: round(r.rowsPerSecond),
        maxDeltaRel: round(r.maxDeltaRel),
        achievedGflopsEstimate: round(gflops),
      });
    });
  }
  const batched = ig.batched as { ms?: number; achievedGflopsEstimate?: number };
  const loop = ig.perCellLoop as { ms?: number };
  if (batched.ms && loop.ms) ig.speedUp = round(loop.ms / batched.ms);
  if (typeof matMul.gflops === 'number' && typeof batched.achievedGflopsEstimate === 'number') {
    ig.batchedRatioToMatMulPeak = round(batched.achievedGflopsEstimate / (matMul.gflops as number));
  }

  // A small completeness delta alone can't tell a right answer from a zero one (f(x) = f(b) = 0
  // gives delta 0): explain one cell here and compare with cpu at the end of the run.
  const check: Rec = { cell: CHECK_CELL };
  ig.check = check;
  log(`${backend}: IG check on cell ${CHECK_CELL} against cpu`);
  await step('IG check', check, async () => {
    const r = await page.evaluate(
      async ({ backend, cell, request }) => {
        const g = globalThis as BenchGlobal;
        const boot = g.glasswing!.app.backend!.backend;
        await g.glasswing!.engine.setBackend(backend);
        try {
          const e = await g.glasswing!.engine.explainCell(-1, { ...request, cell });
          return {
            backend: e.backend,
            fx: e.fx,
            fBaseline: e.fBaseline,
            deltaAbs: e.deltaAbs,
            deltaRel: e.deltaRel,
            attributions: Array.from(e.attributions),
          };
        } finally {
          await g.glasswing!.engine.setBackend(boot);
        }
      },
      { backend, cell: CHECK_CELL, request: CHECK_REQUEST },
    );
    if (r.backend !== backend) throw new Error(`explainCell ran on ${r.backend}, not ${backend}`);
    run.attributions = r.attributions;
    Object.assign(check, { fx: round(r.fx), fBaseline: round(r.fBaseline), deltaAbs: round(r.deltaAbs), deltaRel: round(r.deltaRel) });
  });
}

/** Largest |a − ref| over the elements (NaN when the lengths differ). */
function maxAbsDiff(a: number[], ref: number[]): number {
  if (a.length !== ref.length) return Number.NaN;
  let m = 0;
  for (let i = 0; i < ref.length; i++) m = Math.max(m, Math.abs(a[i] - ref[i]));
  return m;
}

// ---- Main

async function main(): Promise<void> {
  if (!existsSync(join(DIST, 'index.html'))) throw new Error('dist/index.html is missing: build the app first (npm run bench builds it).');
  const flops = modelFlops();
  const server = await startServer(DIST);
  log(`serving ${DIST} at ${server.url}`);
  const notes: string[] = [];
  try {
    const init: Record<string, unknown> = {};
    for (const b of BACKENDS) {
      log(`init: ${b} in a fresh browser profile`);
      init[b] = await measureInit(server.url, b);
    }

    log('opening the app on cpu and waiting until it is ready');
    let session = await openMainPage(server.url);
    const choice = await session.page.evaluate(
      () => JSON.parse(JSON.stringify((globalThis as BenchGlobal).glasswing!.app.backend)) as BackendChoice,
    );
    const nCells = await session.page.evaluate(() => (globalThis as BenchGlobal).glasswing!.app.dataset!.nCells);
    const env = await environment(session, choice);

    const encodeAllCells: Record<string, unknown> = {};
    const integratedGradients: Record<string, unknown> = {};
    const matMulPeak: Record<string, unknown> = {};
    const runs: Partial<Record<BackendName, BackendRun>> = {};
    for (const b of BACKENDS) {
      const started = init[b] as { isStarted?: boolean; error?: string };
      if (!started.isStarted) {
        const error = `not measured: ${started.error ?? `${b} could not start`}`;
        encodeAllCells[b] = { error };
        matMulPeak[b] = { error };
        integratedGradients[b] = { error };
        continue;
      }
      const run: BackendRun = { encode: {}, matMul: {}, ig: {} };
      runs[b] = run;
      encodeAllCells[b] = run.encode;
      matMulPeak[b] = run.matMul;
      integratedGradients[b] = run.ig;
      try {
        await benchBackend(session.page, b, nCells, flops, run);
      } catch (err) {
        // A hung call leaves the worker busy: keep what was measured, reopen the app, go on.
        run.encode.abandoned = message(err);
        log(`${b}: ${message(err)}; reopening the app`);
        await session.close().catch(() => undefined);
        session = await openMainPage(server.url);
      }
    }
    const pageErrors = session.pageErrors.slice(0, 5);
    await session.close();

    // Issue 3: parse / cache write / reopen of a generated 100k x 2,000 dataset, in its own browser profile.
    let cache: Record<string, unknown>;
    try {
      cache = await benchCache(server.url, log, Math.max(60_000, BUDGET_MS - elapsedMs()));
    } catch (err) {
      cache = { error: message(err) };
    }
    const grn = await benchGrn(server.url, log).catch((err: unknown) => ({ error: message(err) }));

    // Issue 5: scatter frame times (ours vs regl-scatterplot), recolour by gene at 2M cells, UMAP vs umap-js.
    const scatter = await benchScatter(server.url, log).catch((err: unknown) => ({ error: message(err) }));

    // Issue 5: differential expression of a 1,000-cell selection vs the rest, next to a naive dense implementation.
    const differentialExpression = await benchDe(server.url, log).catch((err: unknown) => ({ error: message(err) }));

    // Every backend against cpu: latent means of the first cells, and one cell's IG attributions.
    const ref = runs.cpu;
    const disagreeing: string[] = [];
    for (const [b, run] of Object.entries(runs) as [BackendName, BackendRun][]) {
      if (ref?.zHead && run.zHead) run.encode.maxAbsDiffVsCpu = round(maxAbsDiff(run.zHead, ref.zHead));
      const check = run.ig.check as Rec | undefined;
      if (!check || !ref?.attributions || !run.attributions) continue;
      const scale = Math.max(1e-12, ...ref.attributions.map(Math.abs));
      const attributionDiffRel = maxAbsDiff(run.attributions, ref.attributions) / scale;
      const fxCpu = (ref.ig.check as Rec).fx as number;
      const fxDiff = Math.abs((check.fx as number) - fxCpu);
      const isAgreeing = attributionDiffRel < 1e-2 && fxDiff < 1e-2 * Math.max(1, Math.abs(fxCpu));
      Object.assign(check, { fxCpu, maxAttributionDiffRelVsCpu: round(attributionDiffRel), isAgreeingWithCpu: isAgreeing });
      if (!isAgreeing)
        disagreeing.push(`${b} (logit ${check.fx} vs cpu ${fxCpu}, attributions off by ${round(attributionDiffRel)} of cpu's largest)`);
    }

    const adapter = env.webgpuAdapter;
    if (!adapter) notes.push('No WebGPU adapter: the webgpu rows measure nothing or report an error.');
    else if (adapter.isFallbackAdapter)
      notes.push(
        `The WebGPU adapter is a software fallback (${[adapter.vendor, adapter.architecture, adapter.description].filter(Boolean).join(' ') || 'SwiftShader'}): its webgpu numbers are for information only; the app never picks it automatically.`,
      );
    notes.push(
      `The app booted on cpu (?backend=cpu), so coldMs on webgpu, webgl and wasm includes their first kernel/shader compile; cpu's coldMs follows the app's own cpu encoding.`,
    );
    notes.push(
      `Init: each backend started in a fresh browser profile via ?backend=NAME; initMs is chooseBackend's own time in the worker, navigationToChoiceMs adds page load and worker start.`,
    );
    notes.push(
      `Encoder FLOPs per cell = ${flops.encoder.flopsPerRow} (${flops.encoder.layers.join(', ')}; 2·in·out per Dense layer, both heads); achieved GFLOP/s = FLOPs·nCells / warm median.`,
    );
    notes.push(
      `IG: zero baseline, logit of the predicted class, ${IG_STEPS} steps, Gauss–Legendre; 'per-cell-loop' is one integratedGradients call per cell (its ${IG_STEPS} rows in one call); speedUp = loop ms / batched ms; each mode is timed after a 4-step warm-up.`,
    );
    notes.push(
      `IG achievedGflopsEstimate counts 2 × the classifier's forward FLOPs per row (${flops.classifier.flopsPerRow}; forward + input-gradient backward) over nCells × steps rows.`,
    );
    notes.push(
      `matMul peak: tf.matMul 1024³, median of reps after one warm-up (1 rep on cpu and wherever encoding all cells took over 5 s).`,
    );
    notes.push(
      `Agreement: maxAbsDiffVsCpu compares the latent means of the first ${Z_HEAD_CELLS} cells; ig.check explains cell ${CHECK_CELL} (engine.explainCell, demo defaults) on each backend and compares logit and attributions with cpu (agree: < 1 % of cpu's largest attribution).`,
    );
    if (disagreeing.length)
      notes.push(
        `WRONG RESULTS: integrated gradients disagree with cpu on ${disagreeing.join('; ')}. Those IG timings time a wrong computation, and their tiny maxDeltaRel is not evidence of accuracy.`,
      );

    const result = {
      bench: 'glasswing',
      environment: env,
      init,
      matMulPeak,
      encodeAllCells,
      integratedGradients,
      cache,
      attribution: await benchAttribution(server.url, log).catch((err: unknown) => ({ error: message(err) })),
      scatter,
      grn,
      differentialExpression,
      ...(pageErrors.length ? { pageErrors } : {}),
      notes,
      totalMs: round(elapsedMs()),
    };
    const json = JSON.stringify(result, null, 2);
    mkdirSync('bench/output', { recursive: true });
    writeFileSync(OUTPUT, `${json}\n`);
    process.stdout.write(`${json}\n`);
    log(`wrote ${OUTPUT}`);
  } finally {
    await server.close();
  }
}

main().catch((err) => {
  process.stderr.write(`bench failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
  process.exit(1);
});
