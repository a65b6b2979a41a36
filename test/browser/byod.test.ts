/**
 * Bring your own data, through the same file input a user has: real h5ad / 10x / MTX files open
 * in the worker, line up with the demo, land in IndexedDB and reopen from it after a reload;
 * a cache written by schema v1 is upgraded in place.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { openBrowser, startServer, waitForReady, type BrowserSession } from './harness.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;
let demoHash: string;

interface View {
  name: string;
  hash: string;
  source: string;
  nCells: number;
  nGenes: number;
  valueKind: string;
  notes: string[];
  cacheNote: string;
  obs: Record<string, { type: string; categories?: string[]; codes?: Int32Array; colors?: string[] }>;
  obsm: Record<string, { dim: number }>;
}

const dataset = (page: Page) =>
  page.evaluate(() => {
    const d = (globalThis as unknown as { glasswing: { app: { dataset: View } } }).glasswing.app.dataset;
    const obs = Object.fromEntries(
      Object.entries(d.obs).map(([k, c]) => [
        k,
        c.type === 'categorical'
          ? { type: c.type, categories: c.categories, counts: countCodes(c.codes!, c.categories!.length), hasColors: Boolean(c.colors) }
          : { type: c.type },
      ]),
    );
    function countCodes(codes: Int32Array, k: number) {
      const n = new Array<number>(k).fill(0);
      for (const c of codes) if (c >= 0) n[c]++;
      return n;
    }
    return {
      ...d,
      obs,
      obsm: Object.fromEntries(Object.entries(d.obsm).map(([k, e]) => [k, { dim: e.dim }])),
      cellIds: undefined,
      genes: undefined,
    };
  });

async function openThroughInput(page: Page, files: string[]): Promise<void> {
  const before = await page.evaluate(
    () => (globalThis as unknown as { glasswing: { app: { dataset: { hash: string } | null } } }).glasswing.app.dataset?.hash ?? '',
  );
  await page.setInputFiles('[data-testid="file-input"]', files);
  await page.waitForFunction(
    (prev) => {
      const app = (globalThis as unknown as { glasswing: { app: { dataset: { hash: string } | null; status: string; errors: string[] } } })
        .glasswing.app;
      return (
        app.errors.length > 0 ||
        (app.status.startsWith('Ready') && app.dataset !== null && (app.dataset.hash !== prev || app.status.includes('Ready')))
      );
    },
    before,
    { timeout: 240_000, polling: 250 },
  );
  await waitForReady(page);
  const errors = await page.evaluate(() => (globalThis as unknown as { glasswing: { app: { errors: string[] } } }).glasswing.app.errors);
  expect(errors).toEqual([]);
}

beforeAll(async () => {
  server = await startServer('dist');
  session = await openBrowser(server.url);
  await session.page.goto(server.url, { waitUntil: 'load' });
  await waitForReady(session.page);
  demoHash = (await dataset(session.page)).hash;
});

afterAll(async () => {
  await session?.close();
  await server?.close();
});

describe('opening real files', () => {
  it('pbmc3k.h5ad (written by anndata) is the same dataset as the demo built from the MTX: same content hash', async () => {
    await openThroughInput(session.page, ['test/data/pbmc3k/pbmc3k.h5ad']);
    const d = await dataset(session.page);
    expect([d.nCells, d.nGenes]).toEqual([2638, 13714]);
    expect(d.source).toBe('file');
    expect(d.valueKind).toBe('counts');
    expect(d.hash).toBe(demoHash);
    const label = d.obs.label as unknown as { categories: string[]; counts: number[] };
    expect(Object.fromEntries(label.categories.map((c, i) => [c, label.counts[i]]))).toMatchObject({
      'Naive CD4 T': 697,
      B: 344,
      Platelet: 14,
    });
    expect(d.obsm.X_umap.dim).toBe(2);
    expect(await session.page.getAttribute('[data-testid="latent-scatter"]', 'data-points')).toBe('2638');
  });

  it('the pbmc3k 10x folder (genes x cells MTX + features + barcodes) is that same dataset again', async () => {
    const dir = 'test/data/pbmc3k/10x';
    await openThroughInput(
      session.page,
      readdirSync(dir)
        .filter((f) => !f.endsWith('.md'))
        .map((f) => join(dir, f)),
    );
    const d = await dataset(session.page);
    expect([d.nCells, d.nGenes]).toEqual([2638, 13714]);
    expect(d.hash).toBe(demoHash);
  });

  it('pbmc68k_reduced.h5ad (written by scanpy): X is scaled, so raw/X is read and never re-normalised', async () => {
    await openThroughInput(session.page, ['test/data/pbmc68k_reduced/pbmc68k_reduced.h5ad']);
    const d = await dataset(session.page);
    expect(d.nCells).toBe(700);
    expect(d.valueKind).toBe('normalized');
    expect(d.notes.join(' ')).toMatch(/raw/);
    const bulk = d.obs.bulk_labels as unknown as { categories: string[]; hasColors: boolean };
    expect(bulk.categories).toHaveLength(10);
    expect(Object.keys(d.obsm)).toEqual(expect.arrayContaining(['X_pca', 'X_umap']));
    // Every cell is drawn, in the file's own UMAP first or the model's latent once encoded.
    expect(await session.page.getAttribute('[data-testid="latent-scatter"]', 'data-points')).toBe('700');
  });

  it('offers the other matrices of an h5ad, and reads X when the user picks it', async () => {
    const { page } = session;
    const options = await page.locator('[data-testid="matrix-choice"] option').allTextContents();
    expect(options).toEqual(expect.arrayContaining(['X', 'raw/X']));
    expect(await page.inputValue('[data-testid="matrix-choice"]')).toBe('raw/X');
    const before = await dataset(page);
    await page.selectOption('[data-testid="matrix-choice"]', 'X');
    await page.waitForFunction(
      (h) => (globalThis as unknown as { glasswing: { app: { dataset: { hash: string } } } }).glasswing.app.dataset.hash !== h,
      before.hash,
      { timeout: 120_000 },
    );
    await waitForReady(page);
    expect(await page.inputValue('[data-testid="matrix-choice"]')).toBe('X');
    const after = await dataset(page);
    expect(after.nCells).toBe(700);
    expect(after.valueKind).toBe('normalized');
  });

  it('asks nothing of a clear CSV, and re-reads a table the other way round when told to', async () => {
    const { page } = session;
    // 3 cells x 4 genes, cells in rows.
    const csv = 'cell,CD3E,MS4A1,LYZ,NKG7\nAAACATACAACCAC-1,1,0,5,0\nAAACATTGAGCTAC-1,0,7,0,2\nAAACATTGATCAGC-1,3,0,0,9\n';
    const before = await dataset(page);
    await page.setInputFiles('[data-testid="file-input"]', { name: 'tiny.csv', mimeType: 'text/csv', buffer: Buffer.from(csv) });
    await page.waitForFunction(
      (h) => (globalThis as unknown as { glasswing: { app: { dataset: { hash: string } } } }).glasswing.app.dataset.hash !== h,
      before.hash,
      {
        timeout: 60_000,
      },
    );
    await waitForReady(page);
    expect([(await dataset(page)).nCells, (await dataset(page)).nGenes]).toEqual([3, 4]);
    expect(await page.inputValue('[data-testid="orientation-choice"]')).toBe('cells-x-genes');
    const mid = await dataset(page);
    await page.selectOption('[data-testid="orientation-choice"]', 'genes-x-cells');
    await page.waitForFunction(
      (h) => (globalThis as unknown as { glasswing: { app: { dataset: { hash: string } } } }).glasswing.app.dataset.hash !== h,
      mid.hash,
      {
        timeout: 60_000,
      },
    );
    await waitForReady(page);
    expect([(await dataset(page)).nCells, (await dataset(page)).nGenes]).toEqual([4, 3]);
  });

  it('the Baron mouse pancreas MTX (cells x genes + genes.txt + cells.csv) opens with its 13 labels', async () => {
    const dir = 'test/data/baron_mouse_pancreas';
    await openThroughInput(
      session.page,
      ['matrix.mtx.gz', 'genes.txt', 'cells.csv'].map((f) => join(dir, f)),
    );
    const d = await dataset(session.page);
    expect([d.nCells, d.nGenes]).toEqual([1886, 14878]);
    const label = d.obs.label as unknown as { categories: string[]; counts: number[] };
    expect(label.categories).toHaveLength(13);
    expect(label.counts[label.categories.indexOf('beta')]).toBe(894);
  });

  it('warns that mouse genes barely match the human model, and maps them through Ensembl orthologs on request', async () => {
    const { page } = session;
    const warning = await page.textContent('[data-testid="alignment-warning"]');
    expect(warning).toMatch(/mouse/i);
    expect(warning).toMatch(/not be trustworthy/);
    type A = { nMatched: number; isOrthologMapped: boolean; isTrustworthy: boolean; byRoute: Record<string, number> };
    const matched = () =>
      page.evaluate(() => (globalThis as unknown as { glasswing: { app: { models: { alignment: A } } } }).glasswing.app.models.alignment);
    const before = await matched();
    // Letter case alone lines up many mouse symbols (Cd74 ~ CD74), but not as the same genes: flagged.
    expect(before.isTrustworthy).toBe(false);
    expect(before.byRoute.ortholog).toBe(0);
    await page.click('[data-testid="ortholog-toggle"]');
    await page.waitForFunction(
      () =>
        (globalThis as unknown as { glasswing: { app: { models: { alignment: { isOrthologMapped: boolean } } } } }).glasswing.app.models
          .alignment.isOrthologMapped,
      undefined,
      { timeout: 60_000 },
    );
    await waitForReady(page);
    const after = await matched();
    // 1,467 through the ortholog table + 57 by letter case (measured in test/unit/data/alignment.test.ts).
    expect(after.nMatched).toBe(1524);
    expect(after.byRoute.ortholog).toBe(1467);
  });

  it('a non-HDF5 file named .h5ad gets a sentence, and the app keeps working', async () => {
    const { page } = session;
    await page.setInputFiles('[data-testid="file-input"]', ['test/fixtures/bad/not-hdf5.h5ad']);
    await page.waitForFunction(
      () => (globalThis as unknown as { glasswing: { app: { errors: string[] } } }).glasswing.app.errors.length > 0,
      undefined,
      { timeout: 60_000 },
    );
    const alert = await page.textContent('[role="alert"]');
    expect(alert).toMatch(/not an HDF5 file/);
    expect(Number(await page.getAttribute('[data-testid="latent-scatter"]', 'data-points'))).toBeGreaterThan(0);
    await page.evaluate(() => ((globalThis as unknown as { glasswing: { app: { errors: string[] } } }).glasswing.app.errors = []));
  });
});

describe('the IndexedDB cache', () => {
  it('lists each opened dataset once (h5ad and MTX of pbmc3k share one entry) and reopens it after a reload, byte-identical', async () => {
    const { page } = session;
    await page.reload({ waitUntil: 'load' });
    await waitForReady(page);
    const entries = await page.locator('[data-testid="cached-entry"]').allTextContents();
    expect(entries).toHaveLength(6);
    const t0 = Date.now();
    const view = await page.evaluate(async (hash) => {
      const g = (
        globalThis as unknown as {
          glasswing: { engine: { openCached(h: string): Promise<View & { loadMs: number }>; recomputeHash(): Promise<string> } };
        }
      ).glasswing;
      const v = await g.engine.openCached(hash);
      return { source: v.source, hash: v.hash, loadMs: v.loadMs, nCells: v.nCells, recomputed: await g.engine.recomputeHash() };
    }, demoHash);
    expect(Date.now() - t0).toBeLessThan(30_000);
    expect(view.source).toBe('cache');
    expect(view.nCells).toBe(2638);
    expect(view.recomputed).toBe(demoHash);
  });

  it('caches an explanation under dataset + model + cell + settings + backend, and returns it identical', async () => {
    const r = await session.page.evaluate(async () => {
      type Ex = { attributions: Float32Array; deltaRel: number; fromCache?: boolean };
      const g = (globalThis as unknown as { glasswing: { engine: { explainCell(id: number, req: unknown): Promise<Ex> } } }).glasswing;
      const req = { cell: 7, baseline: 'zeros', steps: 50, rule: 'gauss-legendre', target: 'logit' };
      const first = await g.engine.explainCell(300_001, req);
      const second = await g.engine.explainCell(300_002, req);
      const other = await g.engine.explainCell(300_003, { ...req, steps: 32 });
      let same = first.attributions.length === second.attributions.length;
      for (let j = 0; j < first.attributions.length; j++) same &&= first.attributions[j] === second.attributions[j];
      return { first: first.fromCache, second: second.fromCache, other: other.fromCache, same, n: first.attributions.length };
    });
    expect(r).toEqual({ first: false, second: true, other: false, same: true, n: 2000 });
  });

  it('upgrades a cache written by schema version 1 and reopens its dataset', async () => {
    const dir = (await import('node:fs')).mkdtempSync(join((await import('node:os')).tmpdir(), 'gw-upgrade-'));
    const fresh = await openBrowser(server.url);
    try {
      const { page } = fresh;
      // A same-origin page that is not the app, so the v1 database exists before the app opens it.
      await page.goto(`${server.url}not-the-app`);
      const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8'));
      const hash = await page.evaluate(async (header) => {
        const body = await (await fetch('/data/pbmc3k/dataset.bin')).arrayBuffer();
        const hex = async (b: ArrayBuffer) =>
          [...new Uint8Array(await crypto.subtle.digest('SHA-256', b))].map((x) => x.toString(16).padStart(2, '0')).join('');
        const db: IDBDatabase = await new Promise((resolve, reject) => {
          const req = indexedDB.open('glasswing', 1);
          req.onupgradeneeded = () => {
            req.result.createObjectStore('datasets', { keyPath: 'hash' });
            req.result.createObjectStore('chunks', { keyPath: ['datasetHash', 'index'] });
          };
          req.onsuccess = () => resolve(req.result);
          req.onerror = () => reject(req.error);
        });
        const hash = 'v1-written-' + (await hex(body)).slice(0, 16);
        const tx = db.transaction(['datasets', 'chunks'], 'readwrite');
        tx.objectStore('chunks').put({ datasetHash: hash, index: 0, blob: new Blob([body]), sha256: await hex(body) });
        tx.objectStore('datasets').put({
          hash,
          name: 'PBMC 3k written by v1',
          sourceFileName: 'matrix.mtx.gz',
          nCells: header.nCells,
          nGenes: header.nGenes,
          nnz: header.nnz,
          bytes: body.byteLength,
          addedAt: 1,
          lastOpenedAt: 1,
          header,
          chunkHashes: [await hex(body)],
        });
        await new Promise((resolve) => (tx.oncomplete = resolve));
        db.close();
        return hash;
      }, header);
      await page.goto(server.url);
      await waitForReady(page);
      const result = await page.evaluate(async (hash) => {
        const g = (
          globalThis as unknown as {
            glasswing: {
              engine: { listCached(): Promise<{ hash: string }[]>; openCached(h: string): Promise<{ nCells: number; source: string }> };
            };
          }
        ).glasswing;
        const list = await g.engine.listCached();
        const v = await g.engine.openCached(hash);
        const version = await new Promise<number>((resolve) => {
          const req = indexedDB.open('glasswing');
          req.onsuccess = () => {
            const stores = [...req.result.objectStoreNames];
            resolve(req.result.version * 100 + stores.length);
            req.result.close();
          };
        });
        return { listed: list.some((d) => d.hash === hash), nCells: v.nCells, source: v.source, versionAndStores: version };
      }, hash);
      expect(result).toEqual({ listed: true, nCells: 2638, source: 'cache', versionAndStores: 3 * 100 + 4 });
    } finally {
      await fresh.close();
      (await import('node:fs')).rmSync(dir, { recursive: true, force: true });
    }
  });

  it('made no request outside its own origin', () => {
    expect(session.foreign).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
