/**
 * The `differentialExpression` section of npm run bench (issue 5): differential expression of a
 * 1,000-cell selection against the other 1,638 cells of pbmc3k (13,714 genes), in the app's worker,
 * next to a naive dense implementation measured in the same run on the same groups: densify the
 * two groups to a cells × genes float64 matrix, then per gene a full pooled sort for the ranks,
 * sums for the means, the same p-value functions and BH (what a line-by-line port of a NumPy script does).
 *
 * Alone: npx vite build && npx tsx scripts/bench_de.ts (prints the section as JSON).
 */
import { pathToFileURL } from 'node:url';
import { openBrowser, startServer, waitForReady } from '../test/browser/harness.ts';
import { median, round, withTimeout } from './bench_util.ts';
import { mulberry32 } from '../src/core/random.ts';

const SELECTION_CELLS = 1000;
const SEED = 20261126;
const REPS = 3;
const TIMEOUT_MS = 180_000;

/** Runs the section against the app served at `appUrl`. */
export async function benchDe(appUrl: string, log: (m: string) => void = () => {}): Promise<Record<string, unknown>> {
  const session = await openBrowser(appUrl);
  try {
    await session.page.goto(appUrl, { waitUntil: 'load' });
    await waitForReady(session.page);
    log('de: app ready');
    // A seeded pick of the selection (mulberry32), the rest as group B; built here, sent as masks.
    const nCells = await session.page.evaluate(
      () => (globalThis as unknown as { glasswing: { app: { dataset: { nCells: number } } } }).glasswing.app.dataset.nCells,
    );
    const rand = mulberry32(SEED);
    const order = Array.from({ length: nCells }, (_, i) => i);
    for (let i = nCells - 1; i > 0; i--) {
      const j = Math.floor(rand() * (i + 1));
      [order[i], order[j]] = [order[j], order[i]];
    }
    const inA = new Array<number>(nCells).fill(0);
    for (const i of order.slice(0, SELECTION_CELLS)) inA[i] = 1;
    // No named functions inside evaluate: tsx would wrap them in a helper the page does not have.
    const run = session.page.evaluate(
      async ({ inA, reps }) => {
        type Eng = {
          differentialExpression: (
            id: number,
            a: Uint8Array,
            b: Uint8Array,
          ) => Promise<{ ms: number; indexMs: number; gene: Uint32Array; wilcoxonU: Float64Array; welchT: Float64Array }>;
          benchDenseDe: (a: Uint8Array, b: Uint8Array) => Promise<{ ms: number; nGenes: number; uSum: number; tSum: number }>;
        };
        const g = (globalThis as unknown as { glasswing: { engine: Eng; app: { dataset: { nCells: number; nGenes: number } } } }).glasswing;
        const a = Uint8Array.from(inA);
        const b = Uint8Array.from(a, (v) => 1 - v);
        const sparse: { ms: number; indexMs: number }[] = [];
        let last: Awaited<ReturnType<Eng['differentialExpression']>> | null = null;
        for (let r = 0; r < reps + 1; r++) {
          const t0 = performance.now();
          last = await g.engine.differentialExpression(-100 - r, a, b);
          sparse.push({ ms: performance.now() - t0, indexMs: last.indexMs });
        }
        const t0 = performance.now();
        const dense = await g.engine.benchDenseDe(a, b);
        const denseWallMs = performance.now() - t0;
        let uSum = 0;
        for (const u of last!.wilcoxonU) uSum += u;
        return { n: a.length, nGenes: g.app.dataset.nGenes, sparse, dense, denseWallMs, genesTested: last!.gene.length, uSum };
      },
      { inA, reps: REPS },
    );
    const r = await withTimeout(run, TIMEOUT_MS, 'differential expression bench');
    const warm = r.sparse.slice(1).map((x) => x.ms);
    const warmMedian = median(warm);
    log(`de: sparse ${round(warmMedian)} ms, dense ${round(r.dense.ms)} ms`);
    return {
      dataset: `pbmc3k (${r.n} cells x ${r.nGenes} genes)`,
      groups: `${SELECTION_CELLS} seeded random cells (mulberry32 seed ${SEED}) vs the other ${r.n - SELECTION_CELLS}`,
      genesTested: r.genesTested,
      sparseWorker: {
        firstCallMs: round(r.sparse[0].ms),
        cscIndexMs: round(r.sparse[0].indexMs),
        warmMsMedian: round(warmMedian),
        warmMs: warm.map((x) => round(x)),
      },
      denseNaive: { ms: round(r.dense.ms), wallMs: round(r.denseWallMs), genes: r.dense.nGenes },
      speedUp: round(r.dense.ms / warmMedian),
      // Both compute the same rank sums where no last-bit ties occur; the sums tell whether they agree.
      uSumSparse: r.uSum,
      uSumDense: r.dense.uSum,
      notes: [
        'sparseWorker: engine.differentialExpression called from the page (Welch, Wilcoxon with ties, BH for both, logFC), wall time including the reply; firstCallMs includes building the CSC index (cscIndexMs), which later calls reuse; warm = median of the following calls.',
        'denseNaive: engine.benchDenseDe in the same worker on the same groups: dense float64 log1p CP10k of both groups, then per gene a full comparator sort of the pooled values (ranks, ties), two-pass sums (Welch), both p-values with the same special functions, and BH.',
      ],
    };
  } finally {
    await session.close();
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const server = await startServer('dist');
  try {
    const t0 = performance.now();
    const section = await benchDe(server.url, (m) => process.stderr.write(`[de ${((performance.now() - t0) / 1000).toFixed(1)}s] ${m}\n`));
    process.stdout.write(`${JSON.stringify(section, null, 2)}\n`);
  } finally {
    await server.close();
  }
}
