/**
 * The latent-space explorer in headless Chromium against the built app: colour by a category, a
 * gene (typed with autocomplete, checked against the source MTX), a continuous obs column and a
 * latent dimension; lasso (with Shift to add) and box (subtract) selections checked against an
 * independent point-in-polygon over the drawn pixels; Esc clears; density mode; the latent-dims,
 * expression-PCA and UMAP layouts; the camera API. Screenshots of each mode go to test/output/.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import type { Page } from 'playwright-core';
import { openBrowser, startServer, waitForReady, type BrowserSession } from './harness.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;
const OUT = 'test/output';

/** Runs `fn` in the page with the app's test handle. */
async function inPage<T, A>(page: Page, fn: (g: Handle, arg: A) => T | Promise<T>, arg?: A): Promise<T> {
  // A string expression runs through the DevTools protocol, which the page's CSP (no eval) does not govern.
  return page.evaluate(`(${fn.toString()})(globalThis.glasswing, ${JSON.stringify(arg ?? null)})`) as Promise<T>;
}

// A loose view of what the page exposes; the assertions below are what matter.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Handle = { app: any; engine: any; scatter: any };

async function shot(page: Page, name: string): Promise<void> {
  await page.waitForSelector('[data-testid="latent-scatter"][data-animating="false"]');
  await page.waitForTimeout(150);
  await page.screenshot({ path: `${OUT}/explore-${name}.png` });
}

async function scatterBox(page: Page) {
  return (await page.locator('[data-testid="latent-scatter"]').boundingBox())!;
}

/** Every cell's on-screen position (CSS px, relative to the scatter), as the view draws it. */
async function screenPositions(page: Page): Promise<[number, number][]> {
  return inPage(page, (g) => Array.from({ length: g.app.dataset.nCells as number }, (_, i) => g.scatter.screenPositionOf(i)));
}

/** Crossing-number point-in-polygon, written here independently of src/core/selection. */
function inside(p: [number, number], poly: [number, number][]): boolean {
  let c = false;
  for (let i = 0, j = poly.length - 1; i < poly.length; j = i++) {
    const [xi, yi] = poly[i];
    const [xj, yj] = poly[j];
    if (yi > p[1] !== yj > p[1] && p[0] < ((xj - xi) * (p[1] - yi)) / (yj - yi) + xi) c = !c;
  }
  return c;
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  server = await startServer('dist');
  session = await openBrowser(server.url, { width: 1600, height: 1000 });
  await session.page.goto(server.url, { waitUntil: 'load' });
  await waitForReady(session.page);
  await session.page.waitForSelector('[data-testid="latent-scatter"][data-animating="false"]');
});

afterAll(async () => {
  await session?.close();
  await server?.close();
});

describe('the latent-space explorer', () => {
  it('colours by category with a toggling legend (Tol colours) and says where the colours came from', async () => {
    const { page } = session;
    expect(await page.locator('[data-testid="legend-entry"]').count()).toBe(9);
    expect(await page.textContent('[data-testid="legend-section"]')).toMatch(/Paul Tol/);
    await page.locator('[data-testid="legend-entry"]').nth(2).click();
    expect(await page.getAttribute('[data-testid="legend-entry"] >> nth=2', 'aria-pressed')).toBe('false');
    await shot(page, 'categorical');
    await page.locator('[data-testid="legend-entry"]').nth(2).click();
  });

  it('colours by a gene typed with autocomplete; the values equal log1p(CP10k) computed from the source MTX', async () => {
    const { page } = session;
    await page.fill('[data-testid="gene-input"]', 'cd7');
    await page.waitForSelector('[data-testid="gene-suggestions"]');
    const options = await page.locator('[data-testid="gene-suggestions"] button').allTextContents();
    expect(options).toContain('CD74');
    expect(options[0].toUpperCase().startsWith('CD7')).toBe(true);
    await page.locator('[data-testid="gene-suggestions"] button', { hasText: /^CD74$/ }).click();
    await page.waitForSelector('[data-testid="legend-continuous"]');
    expect(await inPage(page, (g) => g.app.colorBy)).toBe('gene:CD74');
    const legend = await page.textContent('[data-testid="legend-continuous"]');
    expect(legend).toMatch(/CD74 expression \(log1p\(CP10k\)\)/);
    expect(legend).toMatch(/viridis/);

    // Independent reference: parse the MTX the demo was converted from.
    const genes = readFileSync('test/data/pbmc3k/genes.txt', 'utf8').trim().split('\n');
    const col = genes.indexOf('CD74') + 1;
    const lines = gunzipSync(readFileSync('test/data/pbmc3k/matrix.mtx.gz')).toString('utf8').split('\n');
    const [nCells] = lines[1].split(' ').map(Number);
    const lib = new Float64Array(nCells);
    const raw = new Float64Array(nCells);
    for (let k = 2; k < lines.length; k++) {
      if (!lines[k]) continue;
      const [r, c, v] = lines[k].split(' ').map(Number);
      lib[r - 1] += v;
      if (c === col) raw[r - 1] = v;
    }
    const got: number[] = await inPage(page, (g) => Array.from(g.app.explore.genes.CD74.values as Float32Array));
    expect(got).toHaveLength(nCells);
    let maxErr = 0;
    let nonZero = 0;
    for (let i = 0; i < nCells; i++) {
      maxErr = Math.max(maxErr, Math.abs(got[i] - Math.log1p((raw[i] / lib[i]) * 1e4)));
      if (raw[i] > 0) nonZero++;
    }
    expect(maxErr).toBeLessThan(1e-5);
    expect(nonZero).toBeGreaterThan(2000);
    await shot(page, 'gene');

    // Percentile domain: p1–p99 clips the top at the 99th percentile of the same reference values,
    // and the legend says so; the scatter draws through the GPU path with that domain.
    await page.selectOption('[data-testid="clip-percentile"]', '99');
    const ref = Array.from(raw, (v, i) => Math.log1p((v / lib[i]) * 1e4)).sort((a, b) => a - b);
    const h = 0.99 * (nCells - 1);
    const p99 = ref[Math.floor(h)] + (h - Math.floor(h)) * (ref[Math.floor(h) + 1] - ref[Math.floor(h)]);
    await expect.poll(() => page.textContent('[data-testid="clip-note"]')).toContain(`Clipped at p99 = ${Number(p99.toPrecision(3))}`);
    const domain: number[] = await inPage(page, (g) => g.app.explore.coloring.domain);
    expect(domain[0]).toBe(0);
    expect(domain[1]).toBeCloseTo(p99, 5);
    expect(await page.locator('[data-testid="clip-high"]').count()).toBe(1);
    const drawnDomain: number[] = await inPage(
      page,
      (g) => g.app.explore.valueColoring(g.app.explore.coloring, g.app.dataset.nCells).domain,
    );
    expect(drawnDomain[1]).toBeCloseTo(p99, 5);
    await shot(page, 'gene-clipped-p99');
    await page.selectOption('[data-testid="clip-percentile"]', '');
    await expect.poll(() => page.locator('[data-testid="clip-note"]').count()).toBe(0);

    // Another panel (the regulation graph) sets the key directly: the gene is fetched and drawn.
    await inPage(page, (g) => (g.app.colorBy = 'gene:MS4A1'));
    await page.waitForFunction(() => document.querySelector('[data-testid="legend-continuous"]')?.textContent?.includes('MS4A1'));
    // An unknown gene gets a sentence, not a crash.
    await page.fill('[data-testid="gene-input"]', 'NOTAGENE1');
    await page.press('[data-testid="gene-input"]', 'Enter');
    await expect.poll(() => page.textContent('[data-testid="color-by"]')).toMatch(/NOTAGENE1 is not in this dataset/);
  });

  it('colours by a continuous obs column, by confidence and entropy, and by a latent dimension (diverging, centred on 0)', async () => {
    const { page } = session;
    await page.selectOption('[data-testid="color-by-select"]', 'nCount_RNA');
    await page.waitForFunction(() => document.querySelector('[data-testid="legend-continuous"]')?.textContent?.includes('nCount_RNA'));
    await shot(page, 'continuous');
    await page.selectOption('[data-testid="color-by-select"]', 'model:entropy');
    const entropy = await inPage(page, (g) => g.app.explore.coloring.domain as [number, number]);
    expect(entropy[0]).toBe(0);
    expect(entropy[1]).toBeCloseTo(Math.log2(9), 10);
    await page.selectOption('[data-testid="color-by-select"]', 'latent:2');
    const c = await inPage(page, (g) => {
      const col = g.app.explore.coloring;
      const z = g.app.latent.z as Float32Array;
      const d = g.app.latent.latentDim as number;
      let maxDiff = 0;
      for (let i = 0; i < col.values.length; i++) maxDiff = Math.max(maxDiff, Math.abs(col.values[i] - z[i * d + 2]));
      return { map: col.map, domain: col.domain, maxDiff, isSigned: col.isSigned };
    });
    expect(c.maxDiff).toBe(0);
    expect(c).toMatchObject({ map: 'RdBu', isSigned: true });
    expect(c.domain[0]).toBeCloseTo(-c.domain[1], 10);
    expect(await page.textContent('[data-testid="legend-continuous"]')).toMatch(/Centred on 0/);
    // The latent-dimension layout shows exactly z3 against z5.
    await page.click('[data-testid="layout-latent_dims"]');
    await page.selectOption('[data-testid="latent-dim-x"]', '2');
    await page.selectOption('[data-testid="latent-dim-y"]', '4');
    const dims = await inPage(page, (g) => {
      const xy = g.app.positions as Float32Array;
      const z = g.app.latent.z as Float32Array;
      const d = g.app.latent.latentDim as number;
      let maxDiff = 0;
      for (let i = 0; i < xy.length / 2; i++)
        maxDiff = Math.max(maxDiff, Math.abs(xy[2 * i] - z[i * d + 2]), Math.abs(xy[2 * i + 1] - z[i * d + 4]));
      return maxDiff;
    });
    expect(dims).toBe(0);
    await shot(page, 'latent-dim');
  });

  it('lasso (Shift adds) and box (subtract) select exactly the cells inside the drawn shapes; unselected cells are greyed; Esc clears', async () => {
    const { page } = session;
    await page.selectOption('[data-testid="color-by-select"]', 'label');
    await page.click('[data-testid="layout-latent_pca"]');
    await page.waitForSelector('[data-testid="latent-scatter"][data-animating="false"]');
    await page.waitForTimeout(700);
    const box = await scatterBox(page);
    const pos = await screenPositions(page);
    // A lasso around the left-centre of the plot, drawn with the mouse.
    const cx = box.width * 0.45;
    const cy = box.height * 0.5;
    const lasso: [number, number][] = Array.from({ length: 24 }, (_, k) => {
      const a = (2 * Math.PI * k) / 24;
      // A star-ish, concave outline.
      const r = (k % 2 === 0 ? 0.22 : 0.14) * Math.min(box.width, box.height);
      return [Math.round(cx + r * Math.cos(a)), Math.round(cy + r * Math.sin(a))];
    });
    await page.click('[data-testid="tool-lasso"]');
    await page.mouse.move(box.x + lasso[0][0], box.y + lasso[0][1]);
    await page.mouse.down();
    for (const p of lasso.slice(1)) await page.mouse.move(box.x + p[0], box.y + p[1], { steps: 2 });
    await page.mouse.up();
    const expectedA = pos.map((p, i) => (p && inside(p, lasso) ? i : -1)).filter((i) => i >= 0);
    expect(expectedA.length).toBeGreaterThan(50);
    const gotA: number[] = await inPage(page, (g) =>
      [...(g.app.selection.primary as Uint8Array).keys()].filter((i) => g.app.selection.primary[i]),
    );
    // Pixels are rounded on the way through mouse events: allow cells within half a pixel of the outline to differ.
    const symmetricDiff = (a: number[], b: number[]) => a.filter((i) => !b.includes(i)).concat(b.filter((i) => !a.includes(i)));
    expect(symmetricDiff(gotA, expectedA).length).toBeLessThanOrEqual(2);

    // Shift + drag with the lasso tool adds a second region.
    const lasso2: [number, number][] = [
      [box.width * 0.7, box.height * 0.2],
      [box.width * 0.9, box.height * 0.2],
      [box.width * 0.9, box.height * 0.45],
      [box.width * 0.7, box.height * 0.45],
    ].map(([x, y]) => [Math.round(x), Math.round(y)]);
    await page.keyboard.down('Shift');
    await page.mouse.move(box.x + lasso2[0][0], box.y + lasso2[0][1]);
    await page.mouse.down();
    for (const p of [...lasso2.slice(1), lasso2[0]]) await page.mouse.move(box.x + p[0], box.y + p[1], { steps: 4 });
    await page.mouse.up();
    await page.keyboard.up('Shift');
    const expectedB = pos.map((p, i) => (p && (inside(p, lasso) || inside(p, lasso2)) ? i : -1)).filter((i) => i >= 0);
    const gotB: number[] = await inPage(page, (g) =>
      [...(g.app.selection.primary as Uint8Array).keys()].filter((i) => g.app.selection.primary[i]),
    );
    expect(symmetricDiff(gotB, expectedB).length).toBeLessThanOrEqual(3);
    expect(gotB.length).toBeGreaterThan(gotA.length);

    // Box + Subtract from the toolbar removes a band through the middle.
    await page.click('[data-testid="tool-box"]');
    await page.click('[data-testid="mode-subtract"]');
    const b0: [number, number] = [Math.round(box.width * 0.3), Math.round(box.height * 0.46)];
    const b1: [number, number] = [Math.round(box.width * 0.95), Math.round(box.height * 0.54)];
    await page.mouse.move(box.x + b0[0], box.y + b0[1]);
    await page.mouse.down();
    await page.mouse.move(box.x + b1[0], box.y + b1[1], { steps: 5 });
    await page.mouse.up();
    const inBox = (p: [number, number]) => p[0] >= b0[0] && p[0] <= b1[0] && p[1] >= b0[1] && p[1] <= b1[1];
    const expectedC = expectedB.filter((i) => !inBox(pos[i]!));
    const gotC: number[] = await inPage(page, (g) =>
      [...(g.app.selection.primary as Uint8Array).keys()].filter((i) => g.app.selection.primary[i]),
    );
    expect(symmetricDiff(gotC, expectedC).length).toBeLessThanOrEqual(4);
    expect(gotC.length).toBeLessThan(gotB.length);
    expect(await page.textContent('[data-testid="selection-count"]')).toBe(`${gotC.length.toLocaleString('en-US')} selected`);

    // Unselected cells are drawn grey and faint; selected ones keep their type colour.
    const rgba = await inPage(
      page,
      (g, cells: number[]) => {
        const mask = g.app.selection.primary as Uint8Array;
        const out = g.app.explore.rgbaFor(g.app.explore.coloring, mask.length) as Uint8Array;
        const off = mask.findIndex((v) => v === 0);
        return { on: [...out.subarray(4 * cells[0], 4 * cells[0] + 4)], off: [...out.subarray(4 * off, 4 * off + 4)] };
      },
      gotC,
    );
    expect(rgba.off).toEqual([201, 204, 209, 90]);
    expect(rgba.on[3]).toBe(235);
    await shot(page, 'selection');

    // Esc clears (the scatter has focus after the drag).
    await page.focus('[data-testid="latent-scatter"] svg.overlay');
    await page.keyboard.press('Escape');
    expect(await inPage(page, (g) => g.app.selection.primary)).toBeNull();
    await page.click('[data-testid="mode-replace"]');
    await page.click('[data-testid="tool-pan"]');
  });

  it('density mode draws every cell and says so on screen; size, opacity and the camera API work', async () => {
    const { page } = session;
    await page.selectOption('[data-testid="density-mode"]', 'on');
    await page.waitForSelector('[data-testid="latent-scatter"][data-density="true"]');
    expect(await page.textContent('[data-testid="density-note"]')).toMatch(/all 2,638 cells counted/);
    expect(await page.getAttribute('[data-testid="latent-scatter"]', 'data-points')).toBe('2638');
    await shot(page, 'density');
    // The density picture is not empty: many canvas pixels are painted.
    const painted = await inPage(page, (g) => {
      const url = g.scatter.toDataURL() as string;
      return url.length;
    });
    expect(painted).toBeGreaterThan(5000);
    await page.selectOption('[data-testid="density-mode"]', 'off');

    await page.fill('[data-testid="point-size"]', '8');
    await page.fill('[data-testid="opacity"]', '0.5');
    expect(await inPage(page, (g) => [g.app.explore.pointSizePx, g.app.explore.opacity])).toEqual([8, 0.5]);
    await page.fill('[data-testid="point-size"]', '4');
    await page.fill('[data-testid="opacity"]', '0.9');

    const view = await inPage(page, async (g) => {
      g.scatter.setView({ k: 3, x: 1, y: -0.5 }, false);
      await new Promise((r) => setTimeout(r, 50));
      return g.scatter.getView();
    });
    expect(view.x).toBeCloseTo(1, 6);
    expect(view.y).toBeCloseTo(-0.5, 6);
    expect(view.k).toBeCloseTo(3, 9);
    await inPage(page, (g) => g.scatter.setView(null, false));
  });

  it('computes the expression PCA and a UMAP of the latent space in the worker, with progress, and animates into them', async () => {
    const { page } = session;
    await page.click('[data-testid="layout-expr_pca"]');
    await page.waitForFunction(() => (globalThis as any).glasswing.app.layout === 'expr_pca', undefined, { timeout: 120_000 });
    const pca = await inPage(page, (g) => ({ explained: g.app.explore.exprPca.explained, n: g.app.positions.length }));
    expect(pca.n).toBe(2 * 2638);
    expect(pca.explained[0]).toBeGreaterThan(pca.explained[1]);
    expect(pca.explained[1]).toBeGreaterThan(0);

    await page.click('[data-testid="layout-umap_latent"]');
    // The task shows with a progress bar and a Cancel button while it runs.
    await page.waitForSelector('[data-testid="task"]:has-text("UMAP")', { timeout: 30_000 });
    await page.waitForFunction(() => (globalThis as any).glasswing.app.layout === 'umap_latent', undefined, { timeout: 240_000 });
    const umap = await inPage(page, (g) => {
      const xy = g.app.positions as Float32Array;
      return { n: xy.length, isFinite: xy.every((v) => Number.isFinite(v)) };
    });
    expect(umap).toEqual({ n: 2 * 2638, isFinite: true });
    await shot(page, 'umap');
    expect(session.foreign).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
