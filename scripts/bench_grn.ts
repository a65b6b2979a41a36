/**
 * The `grn` section of npm run bench (issue 6, the gene-regulation view):
 * - layout: the seeded d3-force layout (core/graph/layout.ts, the code the worker runs) of seeded
 *   random graphs of 1k genes / 4k links and 5k genes / 20k links, in Node;
 * - draw: frames per second while panning those graphs in headless Chromium, on the canvas
 *   renderer and on the SVG renderer (the baseline) in the same page;
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
/** Each renderer gets at most this long per graph: SVG at 5k genes can take seconds per frame. */
const FRAME_BUDGET_MS = 20_000;
const DENSE_SAMPLE_CELLS = 24;
const FPS_GOAL = 30;

interface PageGrn {
  showSynthetic(n: number, e: number, seed?: number): Promise<number>;
  rendererOverride: 'svg' | 'canvas' | null;
  benchFrames: ((frames: number, maxMs?: number) => Promise<{ frameMs: number[]; drawMs: number[]; renderer: string }>) | null;
  size: { widthPx: number; heightPx: number };
}
type BenchGlobal = {
  glasswing: {
    grn: PageGrn;
    engine: {
      regulation: {
        tfActivity(jobId: number, sourceId: string): Promise<{ ms: number; tfs: string[] }>;
        loadShipped(id: string, url: string): Promise<unknown>;
      };
    };
  };
};

function layoutSection(): Rec[] {
  return SIZES.map(({ nodes, edges }) => {
    const sub = syntheticSubgraph(nodes, edges, 1);
    const t0 = performance.now();
    const ticks = nodes > 1000 ? 150 : 300; // as the worker (grn_engine.ts largeGraphTicks)
    layoutGraph(sub, { seed: 1, width: 1200, height: 400, ticks });
    return { nodes, edges, ticks, ms: round(performance.now() - t0) };
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
      const row: Rec = { nodes, edges, workerLayoutMs: round(layoutMs) };
      for (const renderer of ['canvas', 'svg'] as const) {
        log(`grn draw: ${nodes} genes on ${renderer}`);
        try {
          const t0 = performance.now();
          await page.evaluate((r) => ((globalThis as unknown as BenchGlobal).glasswing.grn.rendererOverride = r), renderer);
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
            `${FRAMES} frames on ${renderer}`,
          );
          const med = median(res.frameMs);
          row[renderer] = {
            firstDrawMs: round(firstDrawMs),
            frames: FRAMES,
            medianFrameMs: round(med),
            fps: round(1000 / med),
            meetsGoal: 1000 / med >= FPS_GOAL,
            ...(res.drawMs.length ? { medianCanvasDrawCallMs: round(median(res.drawMs)) } : {}),
          };
        } catch (err) {
          row[renderer] = { error: message(err) };
        }
      }
      out.push(row);
    }
    await page.evaluate(() => ((globalThis as unknown as BenchGlobal).glasswing.grn.rendererOverride = null));
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
export async function benchGrn(url: string, log: (m: string) => void): Promise<Rec> {
  const notes = [
    `Frame time = rAF-to-rAF interval while the view pans/zooms one step per frame (up to ${FRAMES} frames or ${FRAME_BUDGET_MS / 1000} s, median); headless Chromium caps rAF at the display rate (about 60 fps). This machine has no GPU: Chromium rasterises on the CPU, shared with other jobs.`,
    'Both renderers draw every gene and every link (no sampling); SVG is the baseline measured in the same page.',
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
