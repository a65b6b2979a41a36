/**
 * The demo journey in headless Chromium against the built app: first paint, encoding, a clicked
 * cell explained with integrated gradients, the regulation graph, WebGPU vs cpu, zero egress.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
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

describe('the demo screen', () => {
  it('draws every one of the 2,638 cells and a legend of the 9 cell types', async () => {
    const { page } = session;
    await expect.poll(() => page.getAttribute('[data-testid="latent-scatter"]', 'data-points')).toBe('2638');
    const entries = await page.locator('[data-testid="legend-entry"]').allTextContents();
    expect(entries).toHaveLength(9);
    expect(entries.map((e) => e.replace(/[\d,]+$/, '').trim())).toContain('Naive CD4 T');
    // Counts in the legend are the Seurat label counts.
    expect(entries.find((e) => e.startsWith('Platelet'))).toMatch(/14$/);
  });

  it('never picks the SwiftShader WebGPU adapter automatically, and says why', async () => {
    const { page } = session;
    const info = await page.evaluate(async () => {
      const gpu = (navigator as Navigator & { gpu?: GPU }).gpu;
      const adapter = gpu ? await gpu.requestAdapter() : null;
      return {
        hasAdapter: Boolean(adapter),
        isFallback: Boolean((adapter?.info as { isFallbackAdapter?: boolean } | undefined)?.isFallbackAdapter),
      };
    });
    const backend = await page.getAttribute('[data-testid="backend-badge"]', 'data-backend');
    const reason = await page.textContent('#backend-why');
    if (!info.hasAdapter || info.isFallback) {
      expect(['wasm', 'webgl']).toContain(backend);
      expect(reason).toMatch(info.hasAdapter ? /software fallback/ : /No WebGPU adapter/);
      expect(reason).toMatch(/ms/);
    } else {
      expect(backend).toBe('webgpu');
    }
  });

  it('explains a clicked cell: 20 genes and a completeness delta under 1 %', async () => {
    const { page } = session;
    // The latent layout animates in after Ready; clicks pick cells once points are at rest.
    await page.waitForSelector('[data-testid="latent-scatter"][data-animating="false"]');
    const box = (await page.locator('[data-testid="latent-scatter"]').boundingBox())!;
    // Click the on-screen position of a B cell (found through the same scale the view draws with).
    const target = await page.evaluate(() => {
      const g = (
        globalThis as unknown as {
          glasswing: {
            app: { dataset: { obs: { label: { categories: string[]; codes: Int32Array } } } };
            scatter: { screenPositionOf(i: number): [number, number] | null };
          };
        }
      ).glasswing;
      const label = g.app.dataset.obs.label;
      const b = label.categories.indexOf('B');
      const cell = label.codes.findIndex((c: number) => c === b);
      return { cell, at: g.scatter.screenPositionOf(cell) };
    });
    expect(target.at).not.toBeNull();
    await page.mouse.click(box.x + target.at![0], box.y + target.at![1]);
    await page.waitForSelector('[data-testid="ig-bars"] .gene-row', { timeout: 120_000 });
    expect(await page.locator('[data-testid="ig-bars"] .gene-row').count()).toBe(20);
    const deltaRel = Number(await page.getAttribute('[data-testid="ig-delta"]', 'data-delta-rel'));
    expect(deltaRel).toBeGreaterThanOrEqual(0);
    expect(deltaRel).toBeLessThan(0.01);
    const title = await page.textContent('[data-testid="explain-panel"] h3');
    expect(title).toMatch(/Why B\?/);
    // The explanation is about something: a real logit gap, spread over named genes.
    const numbers = await page.locator('[data-testid="explain-panel"] dd').allTextContents();
    expect(Math.abs(Number(numbers[0]) - Number(numbers[1]))).toBeGreaterThan(1);
    const firstValue = Number(await page.locator('[data-testid="ig-bars"] .gene-row .value').first().textContent());
    expect(Math.abs(firstValue)).toBeGreaterThan(0.01);
  });

  it('exports the explanation as CSV: provenance header and all 2,000 genes, summing to f(x) - f(baseline)', async () => {
    const { page } = session;
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('text=Export CSV')]);
    const text = readFileSync((await download.path())!, 'utf8');
    const lines = text.trim().split('\n');
    const meta = lines.filter((l) => l.startsWith('#'));
    const hash = await page.evaluate(
      () => (globalThis as unknown as { glasswing: { app: { dataset: { hash: string } } } }).glasswing.app.dataset.hash,
    );
    expect(meta.join('\n')).toContain(`dataset_sha256=${hash}`);
    expect(meta.join('\n')).toMatch(/models_sha256=[0-9a-f]{64}/);
    expect(meta.join('\n')).toMatch(/baseline=zeros steps=50 rule=gauss-legendre/);
    const rows = lines.filter((l) => !l.startsWith('#')).slice(1);
    expect(rows).toHaveLength(2000);
    const sum = rows.reduce((a, r) => a + Number(r.split(',')[1]), 0);
    const fx = Number(/f\(x\)=(\S+)/.exec(meta.join(' '))![1]);
    const fb = Number(/f\(baseline\)=(\S+)/.exec(meta.join(' '))![1]);
    expect(Math.abs(sum - (fx - fb))).toBeLessThan(0.01 * Math.abs(fx - fb));
  });

  it('keeps the completeness delta under 1 % for the worst of 24 cells across all types (zero baseline, 50 steps)', async () => {
    const worst = await session.page.evaluate(async () => {
      const g = (
        globalThis as unknown as {
          glasswing: {
            app: { dataset: { obs: { label: { categories: string[]; codes: Int32Array } } } };
            engine: { explainCell(id: number, req: unknown): Promise<{ deltaRel: number; fx: number; fBaseline: number }> };
          };
        }
      ).glasswing;
      const codes = g.app.dataset.obs.label.codes;
      const cells: number[] = [];
      for (let c = 0; c < 9; c++) {
        const idx = [...codes.keys()].filter((i) => codes[i] === c);
        cells.push(idx[0], idx[Math.floor(idx.length / 2)], idx[idx.length - 1]);
      }
      let max = 0;
      let minGap = Infinity;
      for (const cell of [...new Set(cells)].slice(0, 24)) {
        const r = await g.engine.explainCell(100_000 + cell, {
          cell,
          baseline: 'zeros',
          steps: 50,
          rule: 'gauss-legendre',
          target: 'logit',
        });
        max = Math.max(max, r.deltaRel);
        minGap = Math.min(minGap, Math.abs(r.fx - r.fBaseline));
      }
      return { max, minGap };
    });
    expect(worst.minGap).toBeGreaterThan(0.5);
    expect(worst.max).toBeLessThan(0.01);
  });

  it('gives the same integrated gradients on the chosen backend as on cpu (rel 1e-3 of the largest attribution)', async () => {
    const r = await session.page.evaluate(async () => {
      type Ex = { attributions: Float32Array; fx: number; backend: string };
      const g = (
        globalThis as unknown as {
          glasswing: {
            engine: { explainCellOn(b: string, id: number, req: unknown): Promise<Ex>; explainCell(id: number, req: unknown): Promise<Ex> };
          };
        }
      ).glasswing;
      const req = { cell: 5, baseline: 'mean', steps: 50, rule: 'gauss-legendre', target: 'logit' };
      const a = await g.engine.explainCell(200_001, req);
      const b = await g.engine.explainCellOn('cpu', 200_002, req);
      let maxDiff = 0;
      let maxAbs = 0;
      for (let j = 0; j < a.attributions.length; j++) {
        maxDiff = Math.max(maxDiff, Math.abs(a.attributions[j] - b.attributions[j]));
        maxAbs = Math.max(maxAbs, Math.abs(b.attributions[j]));
      }
      return { maxDiff, maxAbs, fx: [a.fx, b.fx], backends: [a.backend, b.backend] };
    });
    expect(r.backends[1]).toBe('cpu');
    expect(r.maxAbs).toBeGreaterThan(0.05);
    expect(r.maxDiff).toBeLessThan(1e-3 * r.maxAbs);
    expect(Math.abs(r.fx[0] - r.fx[1])).toBeLessThan(1e-3 * Math.abs(r.fx[1]));
  });

  it('draws a regulation graph with nodes and signed edges for the explained genes', async () => {
    const { page } = session;
    await expect
      .poll(async () => Number(await page.getAttribute('[data-testid="regulation-graph"]', 'data-nodes')), { timeout: 60_000 })
      .toBeGreaterThan(5);
    const nLinks = Number(await page.getAttribute('[data-testid="regulation-graph"]', 'data-links'));
    expect(nLinks).toBeGreaterThan(0);
    expect(await page.locator('[data-testid="regulation-graph"] g.node').count()).toBe(
      Number(await page.getAttribute('[data-testid="regulation-graph"]', 'data-nodes')),
    );
    expect(await page.locator('[data-testid="regulation-graph"] line').count()).toBe(nLinks);
  });

  it('gives the same latent means on WebGPU (SwiftShader) as on cpu, within 1e-3', async () => {
    const result = await session.page.evaluate(async () => {
      const g = (
        globalThis as unknown as {
          glasswing: { engine: { encodeOn(b: string, n: number): Promise<{ z: Float32Array; backend: string }> } };
        }
      ).glasswing;
      const gpu = await g.engine.encodeOn('webgpu', 64);
      const cpu = await g.engine.encodeOn('cpu', 64);
      let maxAbs = 0;
      let maxRef = 0;
      for (let i = 0; i < cpu.z.length; i++) {
        maxAbs = Math.max(maxAbs, Math.abs(gpu.z[i] - cpu.z[i]));
        maxRef = Math.max(maxRef, Math.abs(cpu.z[i]));
      }
      return { n: cpu.z.length, maxAbs, maxRef, backends: [gpu.backend, cpu.backend] };
    });
    expect(result.backends).toEqual(['webgpu', 'cpu']);
    expect(result.n).toBe(64 * 10);
    expect(result.maxRef).toBeGreaterThan(0.1);
    expect(result.maxAbs).toBeLessThan(1e-3);
  });

  it('made no request outside its own origin and raised no page error', async () => {
    expect(session.requests.length).toBeGreaterThan(5);
    expect(session.foreign).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });

  it('saves a screenshot of the whole screen to test/output/', async () => {
    mkdirSync('test/output', { recursive: true });
    const png = await session.page.screenshot({ path: 'test/output/demo.png' });
    expect(png.byteLength).toBeGreaterThan(50_000);
  });
});
