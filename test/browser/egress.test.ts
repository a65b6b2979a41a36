/**
 * The egress test (issue 7): the whole journey with every request recorded. Open the demo, drop in
 * a dataset file, run the models and an attribution, open the graph, export PNG, SVG, CSV and a
 * session (each checked for provenance), and assert that no request left the app's origin. Then
 * stop the server, go offline, reload, and check the app still works from the service worker.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import type { Download, Page } from 'playwright-core';
import { openBrowser, startServer, waitForReady, type BrowserSession } from './harness.ts';
import { readPngText } from '../../src/core/export/png_text.ts';
import { parseSession } from '../../src/core/session/session_file.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;
let datasetHash = '';
const dialogs: string[] = [];

type Handle = {
  glasswing: {
    app: {
      dataset: {
        hash: string;
        name: string;
        source: string;
        nCells: number;
        obs: Record<string, { categories: string[]; codes: Int32Array }>;
      };
      latentPca: unknown;
      explain: unknown;
      selection: { apply(mask: Uint8Array, mode: string): void };
    };
    scatter: { screenPositionOf(i: number): [number, number] | null };
  };
};

/** Waits until the open dataset is `predicate`'s and the models have run over it. */
async function waitForDataset(page: Page, source: string): Promise<void> {
  await page.waitForFunction(
    (src) => {
      const g = (globalThis as unknown as Handle).glasswing;
      return g?.app.dataset?.source === src && g.app.latentPca !== null;
    },
    source,
    { timeout: 240_000, polling: 250 },
  );
  await page.waitForSelector('[data-testid="latent-scatter"][data-animating="false"]');
}

/** Clicks the first cell and waits for its integrated-gradients bars. */
async function explainFirstCell(page: Page): Promise<void> {
  await page.waitForSelector('[data-testid="latent-scatter"][data-animating="false"]');
  const box = (await page.locator('[data-testid="latent-scatter"]').boundingBox())!;
  const at = await page.evaluate(() => (globalThis as unknown as Handle).glasswing.scatter.screenPositionOf(0));
  expect(at).not.toBeNull();
  await page.mouse.click(box.x + at![0], box.y + at![1]);
  await page.waitForSelector('[data-testid="ig-bars"] .gene-row', { timeout: 120_000 });
}

/** Clicks `selector` and returns the download it starts, as bytes. */
async function download(page: Page, selector: string): Promise<{ name: string; bytes: Buffer }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }) as Promise<Download>, page.click(selector)]);
  const path = await dl.path();
  return { name: dl.suggestedFilename(), bytes: readFileSync(path!) };
}

async function exportFrom(page: Page, target: string, format: 'png' | 'svg', scale?: string) {
  await page.click(`[data-testid="export-${target}"] summary`);
  if (scale) await page.selectOption(`[data-testid="export-${target}"] select`, scale);
  const file = await download(page, `[data-testid="export-${target}-${format}"]`);
  await page.click(`[data-testid="export-${target}"] summary`);
  return file;
}

function pngSize(png: Buffer): [number, number] {
  return [png.readUInt32BE(16), png.readUInt32BE(20)];
}

beforeAll(async () => {
  server = await startServer('dist');
  session = await openBrowser(server.url);
  session.page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await session.page.goto(server.url, { waitUntil: 'load' });
  await waitForReady(session.page);
});

afterAll(async () => {
  await session?.close();
  await server?.close();
});

describe('zero egress over the whole journey, then offline', () => {
  it('opens a dropped-in h5ad, runs the models and an attribution, and draws the graph', async () => {
    const { page } = session;
    await page.setInputFiles('[data-testid="file-input"]', 'test/data/pbmc3k/pbmc3k.h5ad');
    await waitForDataset(page, 'file');
    datasetHash = await page.evaluate(() => (globalThis as unknown as Handle).glasswing.app.dataset.hash);
    expect(datasetHash).toMatch(/^[0-9a-f]{64}$/);
    expect(await page.getAttribute('[data-testid="latent-scatter"]', 'data-points')).toBe('2638');
    await explainFirstCell(page);
    await expect
      .poll(async () => Number(await page.getAttribute('[data-testid="regulation-graph"]', 'data-nodes')), { timeout: 60_000 })
      .toBeGreaterThan(5);
  });

  it('exports the scatter as PNG (2×) and SVG with legend, title and provenance', async () => {
    const { page } = session;
    const png = await exportFrom(page, 'scatter', 'png');
    expect(png.name).toBe('glasswing-scatter@2x.png');
    mkdirSync('test/output', { recursive: true });
    writeFileSync('test/output/export-scatter@2x.png', png.bytes);
    const text = Object.fromEntries(readPngText(new Uint8Array(png.bytes)));
    expect(text.dataset_sha256).toBe(datasetHash);
    expect(text.app).toMatch(/^glasswing \d/);
    expect(text.model_sha256).toMatch(/^[0-9a-f]{64}$/);
    expect(text.scale).toBe('2');
    expect(text.backend).toMatch(/wasm|webgl|webgpu|cpu/);
    const [w, h] = pngSize(png.bytes);
    const svg = (await exportFrom(page, 'scatter', 'svg')).bytes.toString('utf8');
    const svgW = Number(/<svg [^>]*width="(\d+)"/.exec(svg.slice(svg.indexOf('<svg')))![1]);
    const svgH = Number(/<svg [^>]*height="(\d+)"/.exec(svg.slice(svg.indexOf('<svg')))![1]);
    // The PNG is the same figure at twice the size.
    expect([w, h]).toEqual([svgW * 2, svgH * 2]);
    expect(svg).toContain(`key="dataset_sha256" value="${datasetHash}"`);
    // Every cell is a vector circle (2,638 < 50k), plus one swatch per legend entry.
    const nLegend = (svg.match(/<g transform="translate\(0,\d+\)"/g) ?? []).length;
    expect(nLegend).toBe(9);
    expect((svg.match(/<circle /g) ?? []).length).toBe(2638 + nLegend);
    expect(svg).toContain('Every one of the 2638 cells drawn as a vector circle.');
    expect(svg).toContain('>Naive CD4 T');
  });

  it('exports the Explain chart and the regulation graph as SVG and 4× PNG', async () => {
    const { page } = session;
    const explainSvg = (await exportFrom(page, 'explain', 'svg')).bytes.toString('utf8');
    expect(explainSvg).toContain('key="method" value="integrated gradients"');
    expect(explainSvg).toContain('key="steps" value="50"');
    expect(explainSvg).toMatch(/<text[^>]*>Why [^<]+\? Cell /);
    expect((explainSvg.match(/class="gene-row"/g) ?? []).length).toBe(20);
    // The regulation view exports through its own menu (src/views/graph/GraphPanel.svelte).
    await page.click('[data-testid="grn-export"]');
    const graphSvg = (await download(page, '.export .menu button:has-text("SVG")')).bytes.toString('utf8');
    expect(graphSvg).toContain(`key="dataset_sha256" value="${datasetHash}"`);
    await page.click('[data-testid="grn-export"]');
    const graphPng = await download(page, '.export .menu button:has-text("PNG 4×")');
    expect(graphPng.name).toBe('regulation_graph_4x.png');
    writeFileSync('test/output/export-graph@4x.png', graphPng.bytes);
    writeFileSync('test/output/export-explain.svg', explainSvg);
    expect(Object.fromEntries(readPngText(new Uint8Array(graphPng.bytes))).dataset_sha256).toBe(datasetHash);
    const graphW = Number(/<svg [^>]*width="(\d+)"/.exec(graphSvg.slice(graphSvg.indexOf('<svg')))![1]);
    expect(pngSize(graphPng.bytes)[0]).toBe(graphW * 4);
  });

  it('exports CSVs (attribution, a saved selection, annotations) and a session, all with provenance', async () => {
    const { page } = session;
    const ig = (await download(page, '[data-testid="explain-panel"] button.ghost')).bytes.toString('utf8');
    expect(ig.split('\n')[0]).toBe('# Glasswing integrated gradients');
    expect(ig).toContain(`dataset_sha256=${datasetHash}`);
    expect(ig.split('\n').filter((l) => l && !l.startsWith('#')).length).toBe(2001);
    // A selection (the B cells), saved under a name, exported as cell ids.
    await page.evaluate(() => {
      const app = (globalThis as unknown as Handle).glasswing.app;
      const label = app.dataset.obs.label;
      const b = label.categories.indexOf('B');
      app.selection.apply(
        Uint8Array.from(label.codes, (c) => (c === b ? 1 : 0)),
        'replace',
      );
    });
    await page.fill('[data-testid="selection-name"]', 'B cells, for the wet lab');
    const sel = (await download(page, '[data-testid="selection-export"]')).bytes.toString('utf8');
    await page.click('[data-testid="selection-save"]');
    const selLines = sel.trim().split('\n');
    expect(selLines[0]).toBe('# Cell ids of selection "B cells, for the wet lab"');
    expect(selLines).toContain(`# dataset_sha256=${datasetHash}`);
    expect(selLines.filter((l) => !l.startsWith('#')).length).toBe(1 + 344);
    // A gene note, then the annotations CSV.
    await page.evaluate(() => ((document.querySelector('[data-testid="annotations-section"]') as HTMLDetailsElement).open = true));
    await page.fill('[data-testid="gene-note-gene"]', 'CD74');
    await page.click('[data-testid="save-gene-note"]');
    // A note on the explanation's top gene shows as a badge in the Explain view.
    const top = await page.evaluate(
      () => (globalThis as unknown as { glasswing: { app: { explain: { top: { gene: string }[] } } } }).glasswing.app.explain.top[0].gene,
    );
    await page.fill('[data-testid="gene-note-gene"]', top);
    await page.click('[data-testid="save-gene-note"]');
    expect(await page.textContent('[data-testid="explain-gene-notes"]')).toContain(`${top}wet-lab follow-up`);
    const ann = (await download(page, '[data-testid="export-annotations"]')).bytes.toString('utf8');
    expect(ann).toContain(`# dataset_sha256=${datasetHash}`);
    expect(ann).toContain('gene,CD74,CD74,wet-lab follow-up,,');
    expect(ann).toMatch(/selection,sel-[^,]+,"B cells, for the wet lab",,,344/);
    // A story step and the session file.
    await page.click('[data-testid="save-step"]');
    const file = await download(page, '[data-testid="save-session"]');
    expect(file.name).toMatch(/\.glasswing\.json$/);
    const saved = parseSession(file.bytes.toString('utf8'));
    expect(saved.dataset.hash).toBe(datasetHash);
    expect(saved.dataset.fileName).toBe('pbmc3k.h5ad');
    expect(saved.provenance.dataset_sha256).toBe(datasetHash);
    expect(saved.provenance.app).toMatch(/^glasswing /);
    expect(saved.steps).toHaveLength(1);
    expect(saved.selections[0].nCells).toBe(344);
    expect(saved.annotations.genes[0]).toEqual({ gene: 'CD74', tags: ['wet-lab follow-up'], note: '' });
    expect(saved.data).toBeUndefined();
  });

  it('a session saved with its raw data brings the dataset back after it left the cache', async () => {
    const { page } = session;
    const plain = await download(page, '[data-testid="save-session"]');
    // A second, small dataset (the demo and pbmc3k.h5ad are the same content, hence one hash).
    await page.setInputFiles('[data-testid="file-input"]', [
      'test/fixtures/injected/expression.csv',
      'test/fixtures/injected/metadata.csv',
    ]);
    await page.waitForFunction(
      (h5adHash) => {
        const app = (globalThis as unknown as Handle).glasswing.app;
        return app.dataset?.source === 'file' && app.dataset.hash !== h5adHash && app.latentPca !== null;
      },
      datasetHash,
      { timeout: 240_000 },
    );
    const fixtureHash = await page.evaluate(() => (globalThis as unknown as Handle).glasswing.app.dataset.hash);
    await page.check('[data-testid="include-data"]');
    const file = await download(page, '[data-testid="save-session"]');
    await page.uncheck('[data-testid="include-data"]');
    const saved = parseSession(file.bytes.toString('utf8'));
    expect(saved.dataset.hash).toBe(fixtureHash);
    expect(saved.data?.format).toBe('glasswing-compact');
    console.log(JSON.stringify({ sessionBytes: plain.bytes.length, fixtureSessionWithDataBytes: file.bytes.length }));
    // Back to the demo, and the fixture's copy deleted from the cache.
    await page.evaluate(async (hash) => {
      const app = (globalThis as unknown as { glasswing: { app: { openDemo(): Promise<void>; forget(h: string): Promise<void> } } })
        .glasswing.app;
      await app.openDemo();
      await app.forget(hash);
    }, fixtureHash);
    expect(await page.evaluate(() => (globalThis as unknown as Handle).glasswing.app.dataset.source)).toBe('demo');
    await page.setInputFiles('[data-testid="open-session"]', { name: file.name, mimeType: 'application/json', buffer: file.bytes });
    await page.waitForFunction(
      (hash) => {
        const app = (globalThis as unknown as Handle).glasswing.app;
        return app.dataset?.hash === hash && app.dataset.source === 'file' && app.latentPca !== null;
      },
      fixtureHash,
      { timeout: 240_000 },
    );
    // Cached again, like a dropped-in file.
    expect(await page.textContent('[data-testid="dataset-note"]')).toContain('Saved in this browser');
    await expect.poll(() => page.locator('[data-testid="cached-entry"]').count()).toBeGreaterThan(0);
  });

  it('sent no request to any host but the app’s own, and fired no dialog', () => {
    expect(session.foreign).toEqual([]);
    expect(dialogs).toEqual([]);
    expect(session.pageErrors).toEqual([]);
    const origin = new URL(server.url).origin;
    expect(session.requests.length).toBeGreaterThan(20);
    for (const u of session.requests) if (!/^(data|blob):/.test(u)) expect(new URL(u).origin).toBe(origin);
  });

  it('works offline after the first load: server stopped, network off, reload, still cross-origin isolated, model runs', async () => {
    const { page, context } = session;
    // The service worker has precached the build once it controls the page.
    await page.waitForFunction(() => navigator.serviceWorker?.controller?.state === 'activated', undefined, { timeout: 120_000 });
    const cached = await page.evaluate(async () => {
      const names = await caches.keys();
      const cache = await caches.open(names.find((n) => n.startsWith('glasswing-'))!);
      return { names, n: (await cache.keys()).length };
    });
    expect(cached.names.filter((n) => n.startsWith('glasswing-'))).toHaveLength(1);
    expect(cached.n).toBeGreaterThan(20);
    await server.close();
    await context.setOffline(true);
    const before = session.requests.length;
    await page.reload({ waitUntil: 'load' });
    await waitForReady(page);
    expect(await page.evaluate(() => crossOriginIsolated)).toBe(true);
    expect(await page.getAttribute('[data-testid="latent-scatter"]', 'data-points')).toBe('2638');
    await explainFirstCell(page);
    const deltaRel = Number(await page.getAttribute('[data-testid="ig-delta"]', 'data-delta-rel'));
    expect(deltaRel).toBeLessThan(0.01);
    // Requests after going offline stayed on the origin too (served by the service worker).
    expect(session.requests.length).toBeGreaterThan(before);
    expect(session.foreign).toEqual([]);
    await context.setOffline(false);
  });
});
