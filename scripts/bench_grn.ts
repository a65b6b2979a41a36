/**
 * The `grn` section of npm run bench (issue 6, the gene-regulation view):
 * - layout: the seeded d3-force layout (core/graph/layout.ts, the code the worker runs) of seeded
 *   random graphs of 1k genes / 4k links and 5k genes / 20k links, in Node;
 * - layout rate: ticks per second in Node and in the page's worker, and the page's frame rate
 *   while the worker lays a graph out;
 * - draw: frames per second while panning/zooming those graphs in headless Chromium on every
 *   drawing path (SVG, last session's Canvas 2D, the new Canvas 2D paths, WebGL2) in one page, with
 *   the median time of each phase of the synchronous draw call;
 * - TF activity: ULM for every CollecTRI TF over every pbmc3k cell, sparse (what the app runs), in
 *   Node and in the page's worker, against a naive dense least-squares baseline on a sample of cells
 *   (extrapolated to all cells; the sample's scores are compared with the sparse ones).
 *
 * Alone: npx vite build && npx tsx scripts/bench_grn.ts (prints the section as JSON).
 */
import { readFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { openBrowser, startServer, waitForReady, type BrowserSession } from '../test/browser/harness.ts';
import { decodeCompact, type CompactHeader } from '../src/core/data/compact_format.ts';
import { normalizeLog1p } from '../src/core/data/preprocess.ts';
import { parseCollectri } from '../src/core/graph/grn.ts';
import { layoutGraph } from '../src/core/graph/layout.ts';
import { syntheticSubgraph } from '../src/core/graph/synthetic.ts';
import { buildRegulons, tfActivity, tfActivityDense } from '../src/core/graph/tf_activity.ts';
import { median, message, round, withTimeout } from './bench_util.ts';

type Rec = Record<string, unknown>;
const SIZES = [
  { nodes: 1000, edges: 4000 },
  { nodes: 5000, edges: 20000 },
];
const FRAMES = 40;
/** Drag moves measured per way of drawing them. */
const DRAG_FRAMES = 30;
/** Each renderer gets at most this long per graph: SVG at 5k genes can take seconds per frame. */
const FRAME_BUDGET_MS = 20_000;
const DENSE_SAMPLE_CELLS = 24;
const FPS_GOAL = 30;

interface PageFrames {
  frameMs: number[];
  drawMs: number[];
  phaseMs: Record<string, number>[];
  renderer: string;
}
interface PageGrn {
  showSynthetic(n: number, e: number, seed?: number): Promise<number>;
  rendererOverride: string | null;
  canvasPath: string;
  benchFrames: ((frames: number, maxMs?: number) => Promise<PageFrames>) | null;
  benchDrag: ((frames: number, isWholeRedraw: boolean, maxMs?: number) => Promise<{ frameMs: number[]; drawMs: number[] }>) | null;
  size: { widthPx: number; heightPx: number };
  graph: { layoutTicks: number; layoutMs: number } | null;
}
type BenchGlobal = {
  glasswing: {
    grn: PageGrn;
    engine: {
      regulation: {
        tfActivity(jobId: number, sourceId: string): Promise<{ ms: number; tfs: string[] }>;
        loadShipped(id: string, url: string): Promise<unknown>;
        syntheticGraph(n: number, e: number, seed: number, w: number, h: number): Promise<{ layoutMs: number; layoutTicks: number }>;
      };
    };
  };
};

/**
 * The drawing paths measured, old first. `canvas/baseline` is last session's Canvas 2D path (every
 * bucket stroked, marks filled and stroked, a full redraw per frame); `canvas/redraw` the same
 * picture with fills instead of wide strokes; `canvas/layers` that plus cached layers while the
 * view moves (what the app uses without a GPU); `webgl` the WebGL2 path (what it uses with a GPU).
 */
const PATHS = [
  { renderer: 'svg', canvasPath: 'layers' },
  { renderer: 'canvas', canvasPath: 'baseline' },
  { renderer: 'canvas', canvasPath: 'redraw' },
  { renderer: 'canvas', canvasPath: 'layers' },
  { renderer: 'webgl', canvasPath: 'layers' },
] as const;

/**
 * One wheel zoom over the graph, then 2 s of rAF-to-rAF frame times: the zoom frame copies the
 * layers, and SETTLE_MS later they are redrawn a slice a frame; the longest frame is the stall a user sees.
 */
async function settleFrames(page: BrowserSession['page']): Promise<Rec> {
  const box = await page.locator('[data-testid="regulation-graph"]').boundingBox();
  if (!box) return { error: 'no drawing' };
  await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  // No named inner functions: tsx's keepNames would wrap them in a helper the page does not have.
  const gaps = page.evaluate(async () => {
    const out: number[] = [];
    let last = await new Promise<number>((r) => requestAnimationFrame(() => r(performance.now())));
    const t0 = last;
    while (last - t0 < 2000) {
      const now = await new Promise<number>((r) => requestAnimationFrame(() => r(performance.now())));
      out.push(now - last);
      last = now;
    }
    return out;
  });
  // Awaited below; this only keeps an early failure from being an unhandled rejection meanwhile.
  gaps.catch(() => undefined);
  await page.mouse.wheel(0, -120);
  const frameMs = await gaps;
  await page.mouse.move(1, 1);
  return {
    frames: frameMs.length,
    medianFrameMs: round(median(frameMs)),
    longestFrameMs: round(Math.max(...frameMs)),
    framesOver50Ms: frameMs.filter((f) => f > 50).length,
  };
}

/** Median of each named phase over the frames that have it. */
function phaseMedians(phases: Record<string, number>[]): Record<string, number> {
  const keys = new Set(phases.flatMap((p) => Object.keys(p)));
  return Object.fromEntries([...keys].map((k) => [k, round(median(phases.flatMap((p) => (k in p ? [p[k]] : []))))]));
}

function layoutSection(): Rec[] {
  return SIZES.map(({ nodes, edges }) => {
    const sub = syntheticSubgraph(nodes, edges, 1);
    const t0 = performance.now();
    const ticks = nodes > 1000 ? 150 : 300; // as the worker (grn_engine.ts largeGraphTicks)
    layoutGraph(sub, { seed: 1, width: 1200, height: 400, ticks });
    const ms = performance.now() - t0;
    return { nodes, edges, ticks, ms: round(ms), ticksPerS: round((ticks / ms) * 1000) };
  });
}

async function tfActivitySection(): Promise<Rec> {
  const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
  const body = readFileSync('public/data/pbmc3k/dataset.bin');
  const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  const x = normalizeLog1p(ds.matrix, 1e4);
  const grn = parseCollectri(readFileSync('public/data/grn/collectri_human.csv', 'utf8'));
  const t0 = performance.now();
  const regulons = buildRegulons(grn.edges, ds.genes);
  const buildMs = performance.now() - t0;
  const t1 = performance.now();
  const sparse = await tfActivity(x, regulons, { chunkCells: 512 });
  const sparseMs = performance.now() - t1;
  const cells = Array.from({ length: DENSE_SAMPLE_CELLS }, (_, i) => Math.floor((i * x.nRows) / DENSE_SAMPLE_CELLS));
  const t2 = performance.now();
  const dense = tfActivityDense(x, regulons, cells);
  const denseMs = performance.now() - t2;
  let maxAbsDiff = 0;
  for (let t = 0; t < regulons.tfs.length; t++)
    cells.forEach((c, k) => (maxAbsDiff = Math.max(maxAbsDiff, Math.abs(sparse.scores[t * x.nRows + c] - dense[t * cells.length + k]))));
  const denseAllMs = (denseMs / cells.length) * x.nRows;
  return {
    dataset: `pbmc3k ${x.nRows} cells x ${x.nCols} genes, ${x.data.length} stored values, log1p CP10k`,
    network: `CollecTRI ${grn.edges.length} edges`,
    nTfs: regulons.tfs.length,
    nUlm: sparse.methods.filter((m) => m === 'ulm').length,
    nWeightedMean: sparse.methods.filter((m) => m === 'wmean').length,
    regulonBuildMs: round(buildMs),
    sparseNodeMs: round(sparseMs),
    denseBaseline: { cells: cells.length, ms: round(denseMs), extrapolatedAllCellsMs: round(denseAllMs) },
    speedUpVsDense: round(denseAllMs / sparseMs),
    maxAbsDiffSparseVsDense: round(maxAbsDiff),
  };
}

async function drawSection(url: string, log: (m: string) => void): Promise<Rec> {
  let session: BrowserSession | null = null;
  const out: Rec[] = [];
  try {
    session = await openBrowser(url, { width: 1600, height: 1000 });
    await session.page.goto(`${url}?backend=cpu`, { waitUntil: 'load' });
    await waitForReady(session.page);
    const page = session.page;
    // The graph panel needs its drawing mounted: a worker-side layout is shown before measuring.
    for (const { nodes, edges } of SIZES) {
      const layoutMs = await withTimeout(
        page.evaluate(([n, e]) => (globalThis as unknown as BenchGlobal).glasswing.grn.showSynthetic(n, e, 1), [nodes, edges] as const),
        180_000,
        `layout of ${nodes} genes in the worker`,
      );
      const ticks = await page.evaluate(() => (globalThis as unknown as BenchGlobal).glasswing.grn.graph!.layoutTicks);
      const row: Rec = { nodes, edges, workerLayout: { ms: round(layoutMs), ticks, ticksPerS: round((ticks / layoutMs) * 1000) } };
      for (const { renderer, canvasPath } of PATHS) {
        const name = renderer === 'canvas' ? `canvas/${canvasPath}` : renderer;
        log(`grn draw: ${nodes} genes on ${name}`);
        try {
          const t0 = performance.now();
          await page.evaluate(
            ([r, p]) => {
              const grn = (globalThis as unknown as BenchGlobal).glasswing.grn;
              grn.rendererOverride = r;
              grn.canvasPath = p;
            },
            [renderer, canvasPath] as const,
          );
          await page.waitForFunction(
            (r) => document.querySelector('[data-testid="regulation-graph"]')?.getAttribute('data-renderer') === r,
            renderer,
          );
          await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
          const firstDrawMs = performance.now() - t0;
          const res = await withTimeout(
            page.evaluate(([f, m]) => (globalThis as unknown as BenchGlobal).glasswing.grn.benchFrames!(f, m), [
              FRAMES,
              FRAME_BUDGET_MS,
            ] as const),
            180_000,
            `${FRAMES} frames on ${name}`,
          );
          const med = median(res.frameMs);
          row[name] = {
            firstDrawMs: round(firstDrawMs),
            frames: res.frameMs.length,
            medianFrameMs: round(med),
            fps: round(1000 / med),
            meetsGoal: 1000 / med >= FPS_GOAL,
            medianDrawCallMs: round(median(res.drawMs)),
            medianPhaseMs: phaseMedians(res.phaseMs),
          };
          if (name === 'canvas/layers')
            row[name] = { ...(row[name] as Rec), afterZoom: await settleFrames(page), drag: await dragFrames(page) };
        } catch (err) {
          row[name] = { error: message(err) };
        }
      }
      // The UI while the worker lays out a graph of this size again (another seed): pan frames of the
      // graph on screen (the app's path), rAF to rAF, until the layout returns.
      log(`grn: frames while the worker lays out ${nodes} genes`);
      await page.evaluate(() => {
        const grn = (globalThis as unknown as BenchGlobal).glasswing.grn;
        grn.rendererOverride = null;
        grn.canvasPath = 'layers';
      });
      const during = await withTimeout(
        page.evaluate(
          async ([n, e]) => {
            const gw = (globalThis as unknown as BenchGlobal).glasswing;
            let isDone = false;
            const t0 = performance.now();
            const layout = gw.engine.regulation.syntheticGraph(n, e, 2, gw.grn.size.widthPx, gw.grn.size.heightPx).then((r) => {
              isDone = true;
              return { ...r, wallMs: performance.now() - t0 };
            });
            const frameMs: number[] = [];
            while (!isDone) frameMs.push(...(await gw.grn.benchFrames!(10, 5_000)).frameMs);
            return { frameMs, layout: await layout };
          },
          [nodes, edges] as const,
        ),
        300_000,
        `frames during the layout of ${nodes} genes`,
      );
      const medDuring = median(during.frameMs);
      row.whileLayoutRuns = {
        layoutMs: round(during.layout.layoutMs),
        ticksPerS: round((during.layout.layoutTicks / during.layout.layoutMs) * 1000),
        frames: during.frameMs.length,
        medianFrameMs: round(medDuring),
        fps: round(1000 / medDuring),
        drawnFramesPerS: round((during.frameMs.length / during.layout.wallMs) * 1000),
      };
      out.push(row);
    }
    await page.evaluate(() => {
      const grn = (globalThis as unknown as BenchGlobal).glasswing.grn;
      grn.rendererOverride = null;
      grn.canvasPath = 'layers';
    });
    // TF activity in the worker, as the app runs it.
    const worker = await withTimeout(
      page.evaluate(async () => {
        const g = (globalThis as unknown as BenchGlobal).glasswing;
        await g.engine.regulation.loadShipped('collectri', new URL('./data/grn/collectri_human.csv', location.href).href);
        const first = await g.engine.regulation.tfActivity(-7, 'collectri');
        const second = await g.engine.regulation.tfActivity(-8, 'collectri');
        return { firstMs: first.ms, warmMs: second.ms, nTfs: first.tfs.length };
      }),
      180_000,
      'TF activity in the worker',
    );
    return { frames: out, tfActivityWorker: { firstMs: round(worker.firstMs), warmMs: round(worker.warmMs), nTfs: worker.nTfs } };
  } finally {
    await session?.close();
  }
}

/** The section as JSON-ready data. */
/**
 * Dragging a gene on the canvas path: the app's way (layers drawn once without the gene, which is
 * drawn over them each move) against every move redrawing the layers whole (the way before), in turn.
 */
async function dragFrames(page: BrowserSession['page']): Promise<Rec> {
  const out: Rec = {};
  for (const [name, isWhole] of [
    ['layersWithoutGene', false],
    ['wholeRedrawBaseline', true],
  ] as const) {
    const r = await withTimeout(
      page.evaluate(([w, f, m]) => (globalThis as unknown as BenchGlobal).glasswing.grn.benchDrag!(f, w, m), [
        isWhole,
        DRAG_FRAMES,
        FRAME_BUDGET_MS,
      ] as const),
      180_000,
      `drag frames (${name})`,
    );
    out[name] = {
      frames: r.frameMs.length,
      medianFrameMs: round(median(r.frameMs)),
      fps: round(1000 / median(r.frameMs)),
      medianDrawCallMs: round(median(r.drawMs)),
    };
  }
  const a = out.layersWithoutGene as Rec;
  const b = out.wholeRedrawBaseline as Rec;
  out.speedup = round((b.medianFrameMs as number) / (a.medianFrameMs as number));
  return out;
}

export async function benchGrn(url: string, log: (m: string) => void): Promise<Rec> {
  const notes = [
    `Frame time = rAF-to-rAF interval while the view pans/zooms one step per frame (up to ${FRAMES} frames or ${FRAME_BUDGET_MS / 1000} s, median); headless Chromium caps rAF at the display rate (about 60 fps). This machine has no GPU: Chromium rasterises on the CPU, shared with other jobs.`,
    "Every path draws every gene and every link (no sampling), in the same page. canvas/baseline is last session's Canvas 2D path; canvas/layers is the app's path without a GPU (while the view moves it copies cached edge and disc layers and redraws labels and hover exactly; 150 ms after the view stops the layers are redrawn into spare layers 2,000 links a frame and swapped in; afterZoom gives the frames of one wheel zoom and that redraw; drag gives the frames of 30 moves of the gene nearest the view centre, drawn the app's way (layers drawn once without the gene, the gene and its links drawn over them each move) and as a whole layer redraw per move, the way before, in turn); webgl is the app's path with a hardware GPU: here it runs on SwiftShader, a CPU emulation, so its figures say nothing about a real GPU.",
    'whileLayoutRuns: the worker lays out a graph of the same size (seed 2) while the page pans the graph on screen; the layout is computed to the end, then shown (it is not animated).',
    `Dense baseline: a per-cell least-squares fit over all genes for every TF on ${DENSE_SAMPLE_CELLS} evenly spaced cells, extrapolated linearly to all cells.`,
  ];
  log('grn: layout in Node');
  const layout = layoutSection();
  log('grn: TF activity in Node');
  const tf = await tfActivitySection();
  let draw: Rec;
  try {
    draw = await drawSection(url, log);
  } catch (err) {
    draw = { error: message(err) };
  }
  return { layoutNode: layout, ...draw, tfActivityNode: tf, notes };
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const server = await startServer('dist');
  try {
    const result = await benchGrn(server.url, (m) => process.stderr.write(`[bench grn] ${m}\n`));
    process.stdout.write(JSON.stringify(result, null, 2) + '\n');
  } finally {
    await server.close();
  }
}
