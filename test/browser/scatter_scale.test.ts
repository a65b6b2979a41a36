/**
 * The scatter at scale, in headless Chromium on the built app's scatter page (`?bench=scatter`):
 * - hover picking above the 20k cells where the picking grid moves to a worker: at 60,000 cells,
 *   hovering at a cell's drawn pixel shows exactly that cell's tooltip (checked against a brute-force
 *   nearest cell over all 60,000 on-screen positions, computed here), and moving off the cells clears it;
 * - colouring by value on the GPU (Float32 per cell + LUT texture in the shader) draws the same pixels
 *   as the CPU RGBA mapping, for a gene (viridis) and for categories with a hidden one and a selection.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openBrowser, startServer, type BrowserSession } from './harness.ts';

const N = 60_000;
const OUT = 'test/output';
let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;

/** Calls `scatterBench[name](...args)` in the page (a string expression: the page's CSP forbids eval, the protocol is not bound by it). */
async function bench<T>(page: Page, name: string, ...args: unknown[]): Promise<T> {
  return page.evaluate(`globalThis.scatterBench.${name}(...${JSON.stringify(args)})`) as Promise<T>;
}

async function tooltipText(page: Page): Promise<string | null> {
  const tip = page.locator('[data-testid="latent-scatter"] [role="tooltip"] .tooltip-title');
  return (await tip.count()) ? tip.textContent() : null;
}

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  server = await startServer('dist');
  session = await openBrowser(server.url, { width: 1280, height: 720 });
  await session.page.goto(`${server.url}?bench=scatter`, { waitUntil: 'load' });
  await session.page.waitForFunction(() => 'scatterBench' in globalThis, undefined, { timeout: 60_000 });
});

afterAll(async () => {
  await session?.close();
  await server?.close();
});

describe('the scatter at scale', () => {
  it(`hover at ${N.toLocaleString('en-US')} cells shows exactly the cell under the pointer, and clears off the cells`, async () => {
    const { page } = session;
    const setup = await bench<{ drawnPoints: number }>(page, 'setup', N);
    expect(setup.drawnPoints).toBe(N);
    const box = (await page.locator('[data-testid="latent-scatter"]').boundingBox())!;
    const screen = (await page.evaluate(`Array.from({ length: ${N} }, (_, i) => globalThis.scatterBench.screenOf(i))`)) as (
      [number, number] | null
    )[];
    expect(screen.filter((p) => p !== null).length).toBe(N);
    const xy = screen as [number, number][];

    // A uniform grid over the plot (8 px cells) gives each cell's near neighbours without an O(N^2) scan.
    const G = 8;
    const grid = new Map<number, number[]>();
    const key = (gx: number, gy: number) => gy * 100_000 + gx;
    xy.forEach(([x, y], i) => {
      const k = key(Math.floor(x / G), Math.floor(y / G));
      const list = grid.get(k);
      if (list) list.push(i);
      else grid.set(k, [i]);
    });
    /** The cells nearest to (px, py) by distance in CSS px, nearest first (searched within 2 grid cells). */
    const nearest = (px: number, py: number, skip = -1): { i: number; d: number }[] => {
      const out: { i: number; d: number }[] = [];
      const gx = Math.floor(px / G);
      const gy = Math.floor(py / G);
      for (let dy = -2; dy <= 2; dy++)
        for (let dx = -2; dx <= 2; dx++)
          for (const i of grid.get(key(gx + dx, gy + dy)) ?? [])
            if (i !== skip) out.push({ i, d: Math.hypot(xy[i][0] - px, xy[i][1] - py) });
      return out.sort((a, b) => a.d - b.d);
    };

    // Cells to hover: isolated ones (nearest other cell >= 4 px away) and crowded ones (another cell
    // within 2 px), both well inside the plot; the pointer goes to the cell's pixel, rounded.
    const inPlot = (i: number) => xy[i][0] > 60 && xy[i][0] < box.width - 20 && xy[i][1] > 20 && xy[i][1] < box.height - 40;
    const isolated: number[] = [];
    const crowded: number[] = [];
    for (let i = 0; i < N && (isolated.length < 4 || crowded.length < 4); i += 97) {
      if (!inPlot(i)) continue;
      const [other] = nearest(xy[i][0], xy[i][1], i);
      const px = Math.round(xy[i][0]);
      const py = Math.round(xy[i][1]);
      const near = nearest(px, py);
      // Unambiguous for the rounded pointer: the expected cell is clearly nearer than the next one.
      if (near.length < 2 || near[1].d - near[0].d < 0.2) continue;
      if ((!other || other.d >= 4) && isolated.length < 4 && near[0].i === i) isolated.push(i);
      else if (other && other.d < 2 && crowded.length < 4) crowded.push(near[0].i === i ? i : -1);
    }
    const targets = [...isolated, ...crowded.filter((i) => i >= 0)];
    expect(isolated.length).toBe(4);
    expect(targets.length).toBeGreaterThanOrEqual(6);

    // The picking grid is built in a worker for layouts this large: wiggle until the first tooltip appears.
    const first = targets[0];
    const deadline = Date.now() + 30_000;
    while ((await tooltipText(page)) === null && Date.now() < deadline) {
      await page.mouse.move(box.x + Math.round(xy[first][0]) + 1, box.y + Math.round(xy[first][1]));
      await page.mouse.move(box.x + Math.round(xy[first][0]), box.y + Math.round(xy[first][1]));
      await page.waitForTimeout(100);
    }

    for (const i of targets) {
      const px = Math.round(xy[i][0]);
      const py = Math.round(xy[i][1]);
      await page.mouse.move(box.x + px, box.y + py);
      const expected = nearest(px, py)[0].i;
      expect(expected).toBe(i);
      await expect.poll(() => tooltipText(page), { timeout: 5_000 }).toBe(`Cell ${i}`);
      // The tooltip's coordinates are that cell's own.
      const rows = await page.locator('[data-testid="latent-scatter"] [role="tooltip"] dd').allTextContents();
      const pos = await bench<number[]>(page, 'positions');
      expect(rows).toEqual([pos[2 * i].toFixed(3), pos[2 * i + 1].toFixed(3)]);
    }
    await page.screenshot({ path: `${OUT}/scatter-hover-60k.png` });

    // Off the cells: a pixel with no cell within 40 px clears the tooltip.
    let empty: [number, number] | null = null;
    for (let y = 30; y < box.height - 50 && !empty; y += 10)
      for (let x = 70; x < box.width - 30 && !empty; x += 10) {
        const [near] = nearest(x, y);
        if (!near && xy.every(([cx, cy]) => Math.hypot(cx - x, cy - y) > 40)) empty = [x, y];
      }
    expect(empty).not.toBeNull();
    await page.mouse.move(box.x + empty![0], box.y + empty![1]);
    await expect.poll(() => tooltipText(page), { timeout: 5_000 }).toBeNull();
  });

  it('colour by value on the GPU draws the same pixels as the CPU mapping (gene on viridis; categories, one hidden, with a selection)', async () => {
    const { page } = session;
    await bench(page, 'setup', N);
    await bench(page, 'prepareGenes', N, 40);
    const gene = await bench<{ differing: number; lit: number; total: number; examples: number[][] }>(
      page,
      'comparePaths',
      'gene',
      'G3',
      2,
    );
    // Most of the canvas is painted, and all but a handful of pixels agree (a value exactly on a LUT
    // bin edge may land in the neighbouring bin in float32 on the GPU).
    expect(gene.lit).toBeGreaterThan(0.05 * gene.total);
    expect(gene.differing, JSON.stringify(gene.examples)).toBeLessThanOrEqual(Math.ceil(1e-4 * gene.lit));
    await page.screenshot({ path: `${OUT}/scatter-gene-gpu-60k.png` });
    const cats = await bench<{ differing: number; lit: number; total: number; examples: number[][] }>(
      page,
      'comparePaths',
      'category',
      'G3',
      2,
    );
    expect(cats.lit).toBeGreaterThan(0.05 * cats.total);
    // Premultiplied channels agree within 2/255: where several faint discs overlap, float rounding
    // of the same colour read from a texture rather than an attribute can move a blended pixel by an LSB per layer.
    expect(cats.differing, JSON.stringify(cats.examples)).toBe(0);
  });
});
