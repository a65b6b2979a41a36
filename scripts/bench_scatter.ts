/**
 * The `scatter` section of npm run bench (issue 5, latent-space explorer), in headless Chromium:
 * - frame time (p50/p95 of frame-to-frame intervals while the camera pans every frame) at 100k and
 *   1M synthetic cells for our WebGL2 scatter (discs, and the density view at 1M), next to
 *   regl-scatterplot measured in the same run on the same points;
 * - recolour-by-gene at 2M cells: one gene read from a synthetic sparse 2M x 2,000 count matrix
 *   in the engine worker (CSC copy), transferred, colour-mapped and drawn (goal < 100 ms);
 * - UMAP at 10k and 50k points (12 Gaussian blobs in 30-D, the app's "UMAP of 30 expression PCs"
 *   input size): exact kNN by matMul on the engine's backend + umap-js against umap-js alone, same
 *   15 neighbours, same epochs, same seed, with the kNN preservation of both.
 *
 * regl-scatterplot compiles its shaders through `new Function`, which our CSP forbids, so its page
 * is served by this script ONLY, from node_modules, with a relaxed CSP ('unsafe-eval'); the app's
 * own page keeps the shipped CSP. On SwiftShader (no GPU) frame times are for information only.
 *
 * Alone: npx vite build && npx tsx scripts/bench_scatter.ts (prints the section as JSON).
 */
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { openBrowser, startServer, type BrowserSession } from '../test/browser/harness.ts';
import { message, round, withTimeout } from './bench_util.ts';

/** Frames panned per size: fewer at 1M, where a SwiftShader frame takes about a second. */
const panFrames = (n: number) => (n >= 1_000_000 ? 40 : 120);
const FRAME_SIZES = [100_000, 1_000_000];
const RECOLOUR_CELLS = 2_000_000;
const RECOLOUR_GENES = 2_000;
const RECOLOUR_REPS = 5;
const UMAP_SIZES = [10_000, 50_000];
/** Seeds per size: one seed moves kNN preservation by about ±0.002, so quality is compared over several. */
const UMAP_SEEDS: Record<number, number[]> = { 10_000: [1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 50_000: [1, 2, 3] };
const UMAP_DIM = 30;
/** Cells whose neighbour lists are compared for kNN preservation (a regular subsample at 50k). */
const UMAP_CHECK_CELLS = 5_000;
const STEP_TIMEOUT_MS = 600_000;
/** umap-js alone at 50k points took 2-4 minutes on this 2-core machine; a run that does not finish gives a lower bound. */
const UMAP_JS_TIMEOUT_MS = 1_200_000;
/** `BENCH_SCATTER_PARTS=frames,recolour,umap,regl` runs only those parts (default: all). */
const PARTS = (process.env.BENCH_SCATTER_PARTS ?? 'frames,recolour,umap,regl').split(',');
const isPart = (name: string) => PARTS.includes(name);

type Rec = Record<string, unknown>;
type Log = (msg: string) => void;

const mean = (v: number[]) => v.reduce((a, b) => a + b, 0) / v.length;
const sd = (v: number[]) => (v.length > 1 ? Math.sqrt(v.reduce((a, b) => a + (b - mean(v)) ** 2, 0) / (v.length - 1)) : NaN);

/**
 * Time and quality of both UMAPs over seeds: means and sample SDs, the speed-up of the mean total
 * times, and the kNN-preservation difference (ours - umap-js) with its standard error.
 */
function umapSummary(runs: Rec[]): Rec {
  const pick = (key: 'ours' | 'umapJs', field: string) =>
    runs.map((r) => (r[key] as Rec)?.[field]).filter((v): v is number => typeof v === 'number');
  const side = (key: 'ours' | 'umapJs') => {
    const ms = pick(key, 'totalMs');
    const q = pick(key, 'knnPreservation');
    return {
      finished: ms.length,
      totalMsMean: round(mean(ms)),
      totalMsSd: round(sd(ms)),
      knnPreservationMean: round(mean(q), 4),
      knnPreservationSd: round(sd(q), 4),
      q,
    };
  };
  const ours = side('ours');
  const base = side('umapJs');
  const seDiff = Math.sqrt(sd(ours.q) ** 2 / ours.q.length + sd(base.q) ** 2 / base.q.length);
  const diff = mean(ours.q) - mean(base.q);
  const unfinished = runs.length - base.finished;
  return {
    seeds: runs.length,
    ours: { ...ours, q: undefined },
    umapJs: { ...base, q: undefined, ...(unfinished ? { didNotFinish: unfinished } : {}) },
    [unfinished ? 'speedupAtLeast' : 'speedup']: round(base.totalMsMean / ours.totalMsMean),
    knnPreservationDiff: round(diff, 4),
    knnPreservationDiffSe: round(seDiff, 4),
    /** "No worse": ours is not below umap-js by more than two standard errors of the difference of means. */
    knnPreservationNoWorse: diff >= -2 * seDiff,
  };
}

const REGL_PAGE = `<!doctype html><html><head><meta charset="utf-8"><title>regl-scatterplot bench</title>
<style>html,body{margin:0;height:100%}canvas{position:fixed;inset:0;width:100%;height:100%}</style></head>
<body><canvas></canvas>
<script src="/nm/regl/dist/regl.min.js"></script>
<script type="module">
import createPubSub from '/nm/pub-sub-es/dist/index.js';
window.createPubSub = createPubSub;
const s = document.createElement('script');
s.src = '/nm/regl-scatterplot/dist/regl-scatterplot.min.js';
s.onload = () => { window.reglReady = true; };
document.body.appendChild(s);
</script></body></html>`;

/** Serves the regl-scatterplot page and its node_modules files with a relaxed CSP (this bench only). */
async function startReglServer(): Promise<{ url: string; close: () => Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const headers = {
      // regl builds its shaders' JS with new Function: 'unsafe-eval' here, and only here.
      'Content-Security-Policy': "default-src 'self'; script-src 'self' 'unsafe-eval' 'unsafe-inline'; style-src 'self' 'unsafe-inline'",
      'Cache-Control': 'no-cache',
    };
    if (path === '/' || path === '/index.html') {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/html' });
      res.end(REGL_PAGE);
      return;
    }
    const allowed = ['/nm/regl/dist/regl.min.js', '/nm/pub-sub-es/dist/index.js', '/nm/regl-scatterplot/dist/regl-scatterplot.min.js'];
    if (allowed.includes(path)) {
      res.writeHead(200, { ...headers, 'Content-Type': 'text/javascript' });
      res.end(readFileSync(`node_modules/${path.slice(4)}`));
      return;
    }
    res.writeHead(404);
    res.end();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  if (!address || typeof address === 'string') throw new Error('server has no port');
  return { url: `http://127.0.0.1:${address.port}/`, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** regl-scatterplot on `n` points (the same 12 blobs, scaled into [-1, 1]), panned like ours. */
/**
 * The page side of the regl-scatterplot run, as plain JavaScript source: tsx compiles functions
 * passed to page.evaluate with a `__name` helper that does not exist in the page.
 */
const REGL_FRAMES_SOURCE = String.raw`async ({ n, frames }) => {
      const w = globalThis;
      // Same generator as src/core/data/synthetic.ts gaussianBlobs(n, 2, 12, 5) (mulberry32, Box–Muller).
      let a = 5 >>> 0;
      const rand = () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
      };
      const gauss = () => Math.sqrt(-2 * Math.log(rand() + 1e-12)) * Math.cos(2 * Math.PI * rand());
      const centres = Array.from({ length: 24 }, () => gauss() * 6);
      const x = new Float32Array(n);
      const y = new Float32Array(n);
      const z = new Float32Array(n);
      for (let i = 0; i < n; i++) {
        const c = Math.floor(rand() * 12);
        z[i] = c;
        x[i] = centres[2 * c] + gauss();
        y[i] = centres[2 * c + 1] + gauss();
      }
      let m = 0;
      for (let i = 0; i < n; i++) m = Math.max(m, Math.abs(x[i]), Math.abs(y[i]));
      for (let i = 0; i < n; i++) {
        x[i] /= m;
        y[i] /= m;
      }
      w.plot?.destroy();
      const canvas = document.querySelector('canvas');
      const create = w.createScatterplot.default ?? w.createScatterplot.createScatterplot;
      const plot = create({ canvas, width: innerWidth, height: innerHeight, pointSize: n > 200_000 ? 1.5 : 2, colorBy: 'category' });
      w.plot = plot;
      const t0 = performance.now();
      await plot.draw({ x, y, z });
      const drawMs = performance.now() - t0;
      const next = () => new Promise((r) => requestAnimationFrame(r));
      await next();
      const times = [];
      let last = await next();
      for (let f = 0; f < frames; f++) {
        const ang = (2 * Math.PI * f) / frames;
        plot.set({ cameraTarget: [0.2 * Math.cos(ang), 0.2 * Math.sin(ang)], cameraDistance: 1 / 1.5 });
        const now = await next();
        times.push(now - last);
        last = now;
      }
      const sorted = [...times].sort((p, q) => p - q);
      return {
        n,
        firstDrawMs: drawMs,
        p50: sorted[Math.floor(0.5 * sorted.length)],
        p95: sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))],
        mean: times.reduce((p, q) => p + q, 0) / times.length,
        frames,
      };
    }`;

async function reglFrames(page: Page, n: number): Promise<Rec> {
  return page.evaluate(`(${REGL_FRAMES_SOURCE})(${JSON.stringify({ n, frames: panFrames(n) })})`) as Promise<Rec>;
}

const roundAll = (r: Rec): Rec => Object.fromEntries(Object.entries(r).map(([k, v]) => [k, typeof v === 'number' ? round(v) : v]));

/** Runs the section against the app served at `appUrl`; returns its JSON. */
export async function benchScatter(appUrl: string, log: Log): Promise<Rec> {
  const t0 = performance.now();
  const out: Rec = {};
  const notes: string[] = [];
  const session: BrowserSession = await openBrowser(appUrl, { width: 1280, height: 800 });
  // regl-scatterplot runs in a second tab of the SAME browser, so both renderers share one GPU
  // process and are panned in the same run, size by size (served apart: it needs a relaxed CSP).
  const regl = isPart('regl') ? await startReglServer() : null;
  const reglErrors: string[] = [];
  try {
    const page = session.page;
    await page.goto(`${appUrl}?bench=scatter`, { waitUntil: 'load' });
    await page.waitForFunction(() => 'scatterBench' in globalThis, undefined, { timeout: 60_000 });
    out.renderer = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const ext = gl?.getExtension('WEBGL_debug_renderer_info');
      return ext ? String(gl!.getParameter(ext.UNMASKED_RENDERER_WEBGL)) : 'unknown';
    });

    // Frame times, ours.
    const frames: Rec = {};
    const umap: Rec = {};
    const reglPage = regl ? await session.context.newPage() : null;
    if (regl && reglPage) {
      reglPage.on('pageerror', (e) => reglErrors.push(String(e)));
      await reglPage.goto(regl.url, { waitUntil: 'load' });
      await reglPage.waitForFunction(() => (globalThis as unknown as { reglReady?: boolean }).reglReady === true, undefined, {
        timeout: 60_000,
      });
    }
    for (const n of isPart('frames') ? FRAME_SIZES : []) {
      // Each tab is brought to the front before it pans: a background tab gets no animation frames.
      await page.bringToFront();
      log(`scatter: ${n.toLocaleString()} points, panning`);
      const setup = (await page.evaluate((k) => (globalThis as any).scatterBench.setup(k), n)) as Rec; // eslint-disable-line @typescript-eslint/no-explicit-any
      const pan = (await page.evaluate((f) => (globalThis as any).scatterBench.pan(f), panFrames(n))) as Rec; // eslint-disable-line @typescript-eslint/no-explicit-any
      const pick = (await page.evaluate(() => (globalThis as any).scatterBench.pickTiming())) as Rec; // eslint-disable-line @typescript-eslint/no-explicit-any
      frames[`glasswing_${n}`] = roundAll({ ...setup, ...pan, hoverIndexBuildMs: pick.buildMs, hoverQueryMedianUs: pick.queryMedianUs });
      log(`  ${JSON.stringify(frames[`glasswing_${n}`])}`);
      if (reglPage) {
        await reglPage.bringToFront();
        log(`scatter: regl-scatterplot ${n.toLocaleString()} points, panning`);
        try {
          frames[`reglScatterplot_${n}`] = roundAll(await withTimeout(reglFrames(reglPage, n), 300_000, `regl-scatterplot at ${n}`));
        } catch (err) {
          frames[`reglScatterplot_${n}`] = { error: message(err) };
        }
        log(`  ${JSON.stringify(frames[`reglScatterplot_${n}`])}`);
        // Free its buffers before our next size.
        await reglPage
          .evaluate(() => {
            const w = globalThis as unknown as { plot?: { destroy(): void } };
            w.plot?.destroy();
            w.plot = undefined;
          })
          .catch(() => {});
        await page.bringToFront();
      }
    }
    if (reglPage) await reglPage.close();
    if (isPart('frames')) {
      const n = FRAME_SIZES[FRAME_SIZES.length - 1];
      log(`scatter: ${n.toLocaleString()} points, density view, panning`);
      const setup = (await page.evaluate((k) => (globalThis as any).scatterBench.setup(k, true), n)) as Rec; // eslint-disable-line @typescript-eslint/no-explicit-any
      const pan = (await page.evaluate((f) => (globalThis as any).scatterBench.pan(f), panFrames(n))) as Rec; // eslint-disable-line @typescript-eslint/no-explicit-any
      frames[`glasswing_density_${n}`] = roundAll({ ...setup, ...pan });
    }

    // Recolour by gene at 2M cells.
    if (isPart('recolour')) await recolour();
    async function recolour(): Promise<void> {
      log(`scatter: recolour by gene at ${RECOLOUR_CELLS.toLocaleString()} cells`);
      await page.evaluate((k) => (globalThis as any).scatterBench.setup(k), RECOLOUR_CELLS); // eslint-disable-line @typescript-eslint/no-explicit-any
      const prepared = (await withTimeout(
        page.evaluate(([c, g]) => (globalThis as any).scatterBench.prepareGenes(c, g), [RECOLOUR_CELLS, RECOLOUR_GENES]), // eslint-disable-line @typescript-eslint/no-explicit-any
        STEP_TIMEOUT_MS,
        'building the synthetic matrix',
      )) as Rec;
      const reps: Rec[] = [];
      // One warm-up per path (first allocation of the value buffer, shader warm-up), not counted.
      for (const path of ['cpu', 'gpu']) await page.evaluate(([s, p]) => (globalThis as any).scatterBench.recolour(s, p), ['G20', path]); // eslint-disable-line @typescript-eslint/no-explicit-any
      for (let r = 0; r < RECOLOUR_REPS; r++) {
        // Alternate genes so each rep reads and draws a different column: G10 (~10 % of cells), G40 (~3 %).
        const gene = r % 2 === 0 ? 'G10' : 'G40';
        // Both paths in every rep, in alternating order, so load on the machine hits both alike.
        for (const path of r % 2 === 0 ? ['gpu', 'cpu'] : ['cpu', 'gpu'])
          reps.push({ gene, ...((await page.evaluate(([s, p]) => (globalThis as any).scatterBench.recolour(s, p), [gene, path])) as Rec) }); // eslint-disable-line @typescript-eslint/no-explicit-any
      }
      const medianOf = (path: string, key: string) => {
        const xs = reps
          .filter((r) => r.path === path)
          .map((r) => r[key] as number)
          .sort((a, b) => a - b);
        return round(xs[xs.length >> 1]);
      };
      const keys = ['totalMs', 'engineCallMs', 'workerExtractMs', 'colourMapMs', 'uploadMs', 'frameMs', 'gpuFinishMs'];
      const summary = (path: string) => Object.fromEntries(keys.map((k) => [k, medianOf(path, k)]));
      const gpu = summary('gpu');
      const cpu = summary('cpu');
      out.recolourByGene = {
        nCells: RECOLOUR_CELLS,
        nGenes: RECOLOUR_GENES,
        ...roundAll(prepared),
        goalMs: 100,
        gpuMapping: gpu,
        cpuMappingBaseline: cpu,
        medianTotalMs: gpu.totalMs,
        isGoalMet: (gpu.totalMs as number) < 100,
        speedupOverCpuMapping: round((cpu.totalMs as number) / (gpu.totalMs as number)),
        reps: reps.map(roundAll),
      };
      log(`  ${JSON.stringify(out.recolourByGene)}`);
    }

    // UMAP, ours against umap-js, in the engine worker: separate calls, each with its own time limit.
    if (isPart('umap')) {
      await page.evaluate(() => (globalThis as any).glasswing.engine.init({})); // eslint-disable-line @typescript-eslint/no-explicit-any
      for (const n of UMAP_SIZES) {
        const runs: Rec[] = [];
        // Seeds interleaved (ours, umap-js, next seed ...), so drift in the machine's load hits both.
        for (const seed of UMAP_SEEDS[n]) {
          const run: Rec = { seed };
          for (const which of ['ours', 'umap-js'] as const) {
            const key = which === 'ours' ? 'ours' : 'umapJs';
            const limitMs = which === 'ours' ? STEP_TIMEOUT_MS : UMAP_JS_TIMEOUT_MS;
            log(`scatter: UMAP of ${n.toLocaleString()} points in ${UMAP_DIM}-D, ${which}, seed ${seed}`);
            try {
              const r = (await withTimeout(
                page.evaluate(
                  ([k, d, w, c, sd]) => (globalThis as any).glasswing.engine.benchUmap(k, d, w, c, sd), // eslint-disable-line @typescript-eslint/no-explicit-any
                  [n, UMAP_DIM, which, UMAP_CHECK_CELLS, seed] as const,
                ),
                limitMs,
                `UMAP (${which}) at ${n}`,
              )) as Rec;
              run[key] = roundAll(r);
              log(`  ${JSON.stringify(run[key])}`);
            } catch (err) {
              run[key] = { error: message(err), didNotFinishWithinMs: limitMs };
              log(`  ${message(err)}`);
              // The worker is still busy with the abandoned run: reopen the page for what follows.
              await page.reload({ waitUntil: 'load' });
              await page.waitForFunction(() => 'scatterBench' in globalThis, undefined, { timeout: 60_000 });
              await page.evaluate(() => (globalThis as any).glasswing.engine.init({})); // eslint-disable-line @typescript-eslint/no-explicit-any
            }
          }
          runs.push(run);
        }
        umap[`n_${n}`] = { summary: umapSummary(runs), runs };
        log(`  summary ${JSON.stringify((umap[`n_${n}`] as Rec).summary)}`);
      }
    }
    out.umap = umap;
    out.frames = frames;
  } finally {
    await session.close();
    await regl?.close();
  }

  if (reglErrors.length) out.reglPageErrors = reglErrors.slice(0, 3);
  notes.push(
    `Frame time = interval between consecutive requestAnimationFrame callbacks while the camera moves every frame (120 frames, 40 at 1M, 1280x800 CSS px, devicePixelRatio 1); the browser caps it at the display rate (~16.7 ms), so p50 at the cap means "kept up".`,
  );
  notes.push(
    'regl-scatterplot runs in a second tab of the same browser session, size by size right after ours (same 12 blobs, same circular pan); it is served by this bench only, from node_modules, with a relaxed CSP (script-src unsafe-eval): it compiles shaders through new Function, which the app forbids.',
  );
  notes.push(
    `Recolour: totalMs = engine call (CSC column read + log1p(CP10k) in the worker, transfer) + colour mapping + upload (waited for on the GPU by a 1-pixel read-back) + the next animation frame, whose draw call shows the new colours (last session's definition). gpuFinishMs, apart, is how long the GPU then takes to finish rasterising that frame: on SwiftShader, seconds for 2M discs, the same for both paths (no hardware GPU was measured here). gpuMapping uploads the Float32 values (bufferSubData) and maps them in the vertex shader through a 256-texel viridis LUT (colourMapMs is then only the domain scan); cpuMappingBaseline is the old path (viridis lookup per cell on the main thread, RGBA upload), run in the same reps. The synthetic matrix detects gene j in ~30 %/(1 + j/5) of cells (counts 1..8); cscMs is the one-time CSC build.`,
  );
  notes.push(
    `UMAP: 12 Gaussian blobs on a 4-D structure mapped linearly into ${UMAP_DIM}-D (plus noise); both use nNeighbors 15 and umap-js ${readVersion('umap-js')}'s default epochs for n, over seeds ${JSON.stringify(UMAP_SEEDS)} (ours and umap-js alternate, seed by seed). 'ours' = exact kNN (k-means groups, then batched tf.matMul on the engine's backend only against the groups the triangle inequality cannot rule out, candidates re-ranked in float64; knnFractionComputed = share of the n^2 distances computed) + umap-js's fuzzy graph and SGD ported to typed arrays (Math.pow replaced by a 5e-13-accurate polynomial, the negative sampler inlined); 'umapJs' = umap-js alone (NN-descent). kNN preservation = mean fraction of each checked cell's 15 exact input-space neighbours among its 15 layout neighbours (checkedCells: a regular subsample). One seed moves it by about ±0.002, so the summary compares means: knnPreservationNoWorse = the difference (ours - umap-js) is above -2 standard errors.`,
  );
  if (String(out.renderer).includes('SwiftShader'))
    notes.push('WebGL runs on SwiftShader (a CPU rasteriser, no GPU): frame times are for information only (ISSUE-NOTES).');
  out.notes = notes;
  out.totalMs = round(performance.now() - t0);
  return out;
}

function readVersion(pkg: string): string {
  const file = `node_modules/${pkg}/package.json`;
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { version: string }).version : '?';
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startServer('dist');
  try {
    const result = await benchScatter(server.url, (m) => process.stderr.write(`[bench scatter] ${m}\n`));
    process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
  } finally {
    await server.close();
  }
}
