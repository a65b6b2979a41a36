/**
 * Attribution over groups of cells in the built app: explain a predicted class from the panel
 * (ranked table, IG delta), the engine's many-cell path against the single-cell IG path, colour by a
 * gene's attribution for every cell, the decoder Jacobian, SmoothGrad and GradientSHAP on WebGPU
 * (SwiftShader) and wasm against cpu within 1e-3, cancel, and a screenshot of the tab.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { openBrowser, startServer, waitForReady, type BrowserSession } from './harness.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;

beforeAll(async () => {
  server = await startServer('dist');
  session = await openBrowser(server.url);
  await session.page.goto(server.url, { waitUntil: 'load' });
  await waitForReady(session.page);
});

afterAll(async () => {
  await session?.close();
  await server?.close();
});

/** A request with the panel's defaults; fields override. */
const baseRequest = {
  method: 'ig',
  target: { kind: 'class', classIndex: 'predicted', output: 'logit' },
  baseline: 'zeros',
  steps: 50,
  rule: 'gauss-legendre',
  samples: 16,
  noiseFraction: 0.15,
  seed: 1,
  reduce: 'aggregate',
};

describe('attribution over groups of cells', () => {
  it('explains every cell predicted B from the panel: 20 ranked genes, IG delta < 1 % for the worst cell', async () => {
    const { page } = session;
    await page.click('[data-testid="tab-groups"]');
    const bIndex = await page.evaluate(() => {
      const g = (globalThis as unknown as { glasswing: { app: { models: { classifier: { output: { classes: string[] } } } } } }).glasswing;
      return g.app.models.classifier.output.classes.indexOf('B');
    });
    await page.selectOption('[data-testid="attr-scope"]', `predicted:${bIndex}`);
    await page.click('[data-testid="attr-explain"]');
    await page.waitForSelector('[data-testid="attr-table"] tbody tr', { timeout: 180_000 });
    expect(await page.locator('[data-testid="attr-table"] tbody tr').count()).toBe(20);
    const run = await page.evaluate(() => {
      const g = (
        globalThis as unknown as {
          glasswing: {
            app: {
              attribution: {
                lastRun: { delta: { worst: number }; aggregate: { nCells: number }; chunk: { rows: number }; gradientPath: string };
              };
              explainSelection: { label: string; genes: string[]; meanAbs: Float32Array };
              predictions: { predicted: Int32Array };
            };
          };
        }
      ).glasswing.app;
      const e = g.explainSelection;
      const top = [...e.meanAbs.keys()].sort((a, b) => e.meanAbs[b] - e.meanAbs[a])[0];
      return {
        worst: g.attribution.lastRun.delta.worst,
        nCells: g.attribution.lastRun.aggregate.nCells,
        chunkRows: g.attribution.lastRun.chunk.rows,
        path: g.attribution.lastRun.gradientPath,
        label: e.label,
        topGene: e.genes[top],
      };
    });
    expect(run.worst).toBeLessThan(0.01);
    expect(run.nCells).toBeGreaterThan(300);
    expect(run.chunkRows).toBeGreaterThan(1000);
    expect(run.path).toBe('dense-backprop');
    expect(run.label).toMatch(/predicted B/);
    // B cells are called on MHC class II and B-cell receptor genes.
    expect(['CD74', 'HLA-DRA', 'CD79A', 'MS4A1', 'HLA-DPB1', 'HLA-DQA1', 'CD79B', 'HLA-DRB1', 'HLA-DPA1']).toContain(run.topGene);
  });

  it('the many-cell path gives the single-cell IG numbers, and every backend agrees within 1e-3', async () => {
    const r = await session.page.evaluate(async (base) => {
      type Res = { aggregate: { meanSigned: Float32Array }; delta: { worst: number } | null };
      const g = (
        globalThis as unknown as {
          glasswing: {
            engine: {
              explainCell(id: number, req: unknown): Promise<{ attributions: Float32Array }>;
              attribute(id: number, req: unknown): Promise<Res>;
              attributeOn(b: string, id: number, req: unknown): Promise<Res>;
            };
          };
        }
      ).glasswing;
      const cell = 7;
      const single = await g.engine.explainCell(300_001, { cell, baseline: 'zeros', steps: 50, rule: 'gauss-legendre', target: 'logit' });
      const many = await g.engine.attribute(300_002, { ...base, cells: Int32Array.of(cell) });
      const maxAbs = (v: ArrayLike<number>) => Math.max(...Array.from(v, Math.abs));
      const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));
      const cells = Int32Array.from([0, 1, 2, 3, 100, 200, 1000, 2000]);
      const out: Record<string, { diff: number; scale: number }> = {};
      for (const method of ['smoothgrad', 'gradshap']) {
        const req = { ...base, method, cells, samples: 8 };
        const cpu = await g.engine.attributeOn('cpu', 300_010, req);
        for (const backend of ['wasm', 'webgpu']) {
          const other = await g.engine.attributeOn(backend, 300_011, req);
          out[`${method}:${backend}`] = {
            diff: maxDiff(other.aggregate.meanSigned, cpu.aggregate.meanSigned),
            scale: maxAbs(cpu.aggregate.meanSigned),
          };
        }
      }
      return { singleVsMany: maxDiff(single.attributions, many.aggregate.meanSigned), scale: maxAbs(single.attributions), out };
    }, baseRequest);
    expect(r.scale).toBeGreaterThan(0.05);
    expect(r.singleVsMany).toBeLessThan(1e-5 * r.scale + 1e-7);
    for (const [key, { diff, scale }] of Object.entries(r.out)) {
      expect(scale, key).toBeGreaterThan(1e-3);
      expect(diff, key).toBeLessThan(1e-3 * scale);
    }
  });

  it('colours every cell by CD74 attribution (gradient × input: zero exactly where CD74 is not expressed)', async () => {
    const { page } = session;
    await page.selectOption('[data-testid="attr-method"]', 'gradxinput');
    await page.fill('[data-testid="attr-colour-gene"]', 'CD74');
    await page.click('[data-testid="attr-colour"]');
    await expect
      .poll(
        () =>
          page.evaluate(() => Object.keys((globalThis as unknown as { glasswing: { app: { columns: object } } }).glasswing.app.columns)),
        { timeout: 120_000 },
      )
      .toContain('attr:CD74');
    const check = await page.evaluate(async () => {
      const g = (
        globalThis as unknown as {
          glasswing: {
            app: {
              columns: Record<string, { values: Float32Array; isSigned: boolean; title: string }>;
              models: { classifier: { input: { genes: string[] } } };
            };
            engine: { attribute(id: number, req: unknown): Promise<{ aggregate: { meanSigned: Float32Array } }> };
          };
        }
      ).glasswing;
      const col = g.app.columns['attr:CD74'];
      const gene = g.app.models.classifier.input.genes.indexOf('CD74');
      // Independent single-cell runs for a few cells.
      const cells = [0, 5, 50, 500];
      const direct: number[] = [];
      for (const c of cells) {
        const r = await g.engine.attribute(400_000 + c, {
          method: 'gradxinput',
          target: { kind: 'class', classIndex: 'predicted', output: 'logit' },
          baseline: 'zeros',
          steps: 50,
          rule: 'gauss-legendre',
          samples: 1,
          noiseFraction: 0,
          seed: 0,
          cells: Int32Array.of(c),
          reduce: 'aggregate',
        });
        direct.push(r.aggregate.meanSigned[gene]);
      }
      return {
        n: col.values.length,
        isSigned: col.isSigned,
        title: col.title,
        nZero: col.values.filter((v) => v === 0).length,
        nNonZero: col.values.filter((v) => v !== 0).length,
        fromColumn: cells.map((c) => col.values[c]),
        direct,
      };
    });
    expect(check.n).toBe(2638);
    expect(check.isSigned).toBe(true);
    expect(check.title).toMatch(/Gradient × input attribution of CD74/);
    expect(check.nNonZero).toBeGreaterThan(1000);
    expect(check.nZero).toBeGreaterThan(0);
    check.fromColumn.forEach((v, i) => expect(Math.abs(v - check.direct[i])).toBeLessThanOrEqual(1e-6 * Math.abs(check.direct[i]) + 1e-9));
  });

  it('shows which genes a latent dimension drives, and a cancelled run rejects without a result', async () => {
    const { page } = session;
    await page.click('[data-testid="attr-jacobian"]');
    await page.waitForSelector('[data-testid="jacobian-table"] tbody tr', { timeout: 120_000 });
    expect(await page.locator('[data-testid="jacobian-table"] tbody tr').count()).toBe(12);
    const cancelled = await page.evaluate(async () => {
      const g = (
        globalThis as unknown as {
          glasswing: { engine: { attribute(id: number, req: unknown): Promise<unknown>; cancel(id: number): Promise<void> } };
        }
      ).glasswing;
      const job = g.engine.attribute(500_001, {
        method: 'ig',
        target: { kind: 'latent', k: 3 },
        baseline: 'mean',
        steps: 50,
        rule: 'gauss-legendre',
        samples: 1,
        noiseFraction: 0,
        seed: 0,
        cells: Int32Array.from({ length: 2638 }, (_, i) => i),
        reduce: 'aggregate',
      });
      await g.engine.cancel(500_001);
      try {
        await job;
        return 'finished';
      } catch (err) {
        return String(err);
      }
    });
    expect(cancelled).toMatch(/cancelled/);
    mkdirSync('test/output', { recursive: true });
    await page.screenshot({ path: 'test/output/attribution.png' });
  });
});
