/**
 * The gene-regulation view in headless Chromium against the built app: the top genes' graph of a
 * B cell, edge evidence on hover (CollecTRI, then TRRUST PubMed ids checked against the file),
 * click → colour by gene, a TF regulon, search, TF activity equal to the same core code run in
 * Node, the selection table and its CSV, model-derived edges, SVG export with provenance, the
 * canvas renderer above 500 nodes, and a screenshot (test/output/grn.png).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import { openBrowser, startServer, waitForReady, type BrowserSession } from './harness.ts';
import { decodeCompact, type CompactHeader } from '../../src/core/data/compact_format.ts';
import { normalizeLog1p } from '../../src/core/data/preprocess.ts';
import { indexGrn, parseCollectri, parseTrrust, geneKey } from '../../src/core/graph/grn.ts';
import { buildRegulons, tfActivity } from '../../src/core/graph/tf_activity.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;

// What the page exposes, typed loosely for evaluate().
type G = {
  glasswing: {
    app: {
      dataset: { nCells: number; obs: { label: { categories: string[]; codes: Int32Array } } };
      explainCell(cell: number): Promise<void>;
      colorBy: string;
      columns: Record<string, { values: Float32Array; units?: string }>;
      selection: { apply(mask: Uint8Array): void };
    };
    grn: {
      graph: {
        nodes: { id: string }[];
        links: { source: number; target: number; evidence: { source: string; pmids?: string[] }[] }[];
        sourceName: string;
      } | null;
      mode: string;
      tf: string;
      searchHit: string | null;
      isModelLayerOn: boolean;
      modelEdges: { method: string; edges: unknown[] } | null;
      modelThreshold: number;
      activity: { tfs: string[]; nCells: number; scores: Float32Array } | null;
      showSynthetic(n: number, e: number, seed?: number): Promise<number>;
      refresh(): Promise<void>;
    };
  };
};

beforeAll(async () => {
  server = await startServer('dist');
  session = await openBrowser(server.url);
  await session.page.goto(server.url, { waitUntil: 'load' });
  await waitForReady(session.page);
  await session.page.evaluate(async () => {
    const g = (globalThis as unknown as G).glasswing;
    const label = g.app.dataset.obs.label;
    const b = label.categories.indexOf('B');
    await g.app.explainCell(label.codes.findIndex((c) => c === b));
  });
});

afterAll(async () => {
  await session?.close();
  await server?.close();
});

/** Screen point of a link's midpoint where that link's hover twin is the topmost element, or null. */
/** Waits until a new graph has finished moving in (genes tween from the previous graph's places for 600 ms). */
async function graphSettled(): Promise<void> {
  await session.page.waitForSelector('[data-testid="regulation-graph"][data-tween="1"]');
}

/** The drawn gene farthest from any other, and where it is on the page (through the drawing's view transform). */
async function isolatedGene(): Promise<{ i: number; id: string; x: number; y: number }> {
  return session.page.evaluate(() => {
    const grn = (globalThis as unknown as G).glasswing.grn as unknown as { positions: Float32Array; graph: { nodes: { id: string }[] } };
    const p = grn.positions;
    const n = grn.graph.nodes.length;
    let best = 0;
    let bestD = -1;
    for (let i = 0; i < n; i++) {
      let d = Infinity;
      for (let j = 0; j < n; j++) if (j !== i) d = Math.min(d, Math.hypot(p[2 * i] - p[2 * j], p[2 * i + 1] - p[2 * j + 1]));
      if (d > bestD) [best, bestD] = [i, d];
    }
    const drawing = document.querySelector<HTMLElement>('[data-testid="regulation-graph"]')!;
    const [k, tx, ty] = drawing.dataset.view!.split(',').map(Number);
    const r = drawing.querySelector('canvas:last-of-type')!.getBoundingClientRect();
    return { i: best, id: grn.graph.nodes[best].id, x: r.left + p[2 * best] * k + tx, y: r.top + p[2 * best + 1] * k + ty };
  });
}

async function hoverableLink(predicate: 'any' | 'with-pmids'): Promise<{ li: number; x: number; y: number } | null> {
  await graphSettled();
  return session.page.evaluate((which) => {
    const graph = (globalThis as unknown as G).glasswing.grn.graph!;
    for (const el of document.querySelectorAll<SVGPathElement>('[data-testid="regulation-graph"] path.edge-hit')) {
      const li = Number(el.dataset.link);
      if (which === 'with-pmids' && !graph.links[li].evidence.some((e) => (e.pmids ?? []).length > 0)) continue;
      const len = el.getTotalLength();
      for (const f of [0.5, 0.4, 0.6, 0.3, 0.7]) {
        const p = el.getPointAtLength(len * f);
        const m = el.getScreenCTM()!;
        const x = p.x * m.a + p.y * m.c + m.e;
        const y = p.x * m.b + p.y * m.d + m.f;
        if (document.elementFromPoint(x, y) === el) return { li, x, y };
      }
    }
    return null;
  }, predicate);
}

describe('the gene-regulation view', () => {
  it("draws the top genes' regulators and targets, shows edge evidence on hover, and colours the scatter by a clicked gene", async () => {
    const { page } = session;
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as G).glasswing.grn.graph?.nodes.length ?? 0), { timeout: 60_000 })
      .toBeGreaterThan(20);
    expect(await page.getAttribute('[data-testid="regulation-graph"]', 'data-renderer')).toBe('svg');
    const nLinks = Number(await page.getAttribute('[data-testid="regulation-graph"]', 'data-links'));
    expect(await page.locator('[data-testid="regulation-graph"] line.edge').count()).toBe(nLinks);
    // The legend names what colour and size mean.
    const legend = await page.textContent('[data-testid="grn-legend"]');
    expect(legend).toMatch(/attribution −[\d.]+ … \+[\d.]+ \(to B\)/);
    expect(legend).toMatch(/activation \(\d+\)/);

    // The default small graph (SVG) as it first appears, for a look.
    mkdirSync('test/output', { recursive: true });
    await page.locator('[data-testid="regulation-graph"]').screenshot({ path: 'test/output/grn_small.png' });

    const at = await hoverableLink('any');
    expect(at).not.toBeNull();
    await page.mouse.move(at!.x, at!.y);
    const card = await page.waitForSelector('[data-testid="edge-evidence"]', { timeout: 5000 });
    const text = (await card.textContent())!;
    const link = await page.evaluate((li) => {
      const g = (globalThis as unknown as G).glasswing.grn.graph!;
      const l = g.links[li];
      return { from: g.nodes[l.source].id, to: g.nodes[l.target].id, n: l.evidence.length };
    }, at!.li);
    expect(text).toContain(`${link.from} → ${link.to}`);
    expect(text).toContain('CollecTRI');
    expect(text).toMatch(/activation|repression/);

    mkdirSync('test/output', { recursive: true });
    await page.screenshot({ path: 'test/output/grn.png' });

    // Click a gene (its disc's centre must be the topmost element there) → the scatter colours by it.
    await graphSettled();
    const gene = await page.evaluate(() => {
      for (const g of document.querySelectorAll<SVGGElement>('[data-testid="regulation-graph"] g.node')) {
        const r = g.getBoundingClientRect();
        const x = r.left + r.width / 2;
        const y = r.top + r.height / 2;
        if (document.elementFromPoint(x, y)?.closest('g.node') === g) return { id: g.dataset.gene!, x, y };
      }
      return null;
    });
    expect(gene).not.toBeNull();
    await page.mouse.move(gene!.x, gene!.y);
    await page.mouse.down();
    await page.mouse.up();
    expect(await page.evaluate(() => (globalThis as unknown as G).glasswing.app.colorBy)).toBe(`gene:${gene!.id}`);

    // Drag it 40 px right and 20 px down: it follows the pointer and is pinned; a double-click unpins it.
    const before = await page.evaluate((id) => {
      const grn = (globalThis as unknown as G).glasswing.grn as unknown as { positions: Float32Array; graph: { nodes: { id: string }[] } };
      const i = grn.graph.nodes.findIndex((n) => n.id === id);
      return [grn.positions[2 * i], grn.positions[2 * i + 1]];
    }, gene!.id);
    const disc = await page.evaluate((id) => {
      const r = document
        .querySelector(`[data-testid="regulation-graph"] g.node[data-gene="${CSS.escape(id)}"] circle`)!
        .getBoundingClientRect();
      return { x: r.left + r.width / 2, y: r.top + r.height / 2 };
    }, gene!.id);
    await page.mouse.move(gene!.x, gene!.y);
    await page.mouse.down();
    await page.mouse.move(gene!.x + 20, gene!.y + 10, { steps: 3 });
    await page.mouse.move(gene!.x + 40, gene!.y + 20, { steps: 3 });
    await page.mouse.up();
    const after = await page.evaluate((id) => {
      const grn = (globalThis as unknown as G).glasswing.grn as unknown as {
        positions: Float32Array;
        graph: { nodes: { id: string }[] };
        pinned: Set<string>;
      };
      const i = grn.graph.nodes.findIndex((n) => n.id === id);
      return { xy: [grn.positions[2 * i], grn.positions[2 * i + 1]], isPinned: grn.pinned.has(id) };
    }, gene!.id);
    expect(after.isPinned).toBe(true);
    // On screen it follows the pointer exactly; in layout units it moved by the same vector over the
    // view's zoom (the view fits the layout into the panel, so the zoom may be below 1).
    const moved = await page.evaluate((id) => {
      const r = document
        .querySelector(`[data-testid="regulation-graph"] g.node[data-gene="${CSS.escape(id)}"] circle`)!
        .getBoundingClientRect();
      return [r.left + r.width / 2, r.top + r.height / 2];
    }, gene!.id);
    expect(moved[0] - disc.x).toBeCloseTo(40, 0);
    expect(moved[1] - disc.y).toBeCloseTo(20, 0);
    const dx = after.xy[0] - before[0];
    const dy = after.xy[1] - before[1];
    expect(dx).toBeGreaterThan(0);
    expect(dy / dx).toBeCloseTo(0.5, 2);
    await page.mouse.dblclick(gene!.x + 40, gene!.y + 20);
    await expect
      .poll(() =>
        page.evaluate((id) => ((globalThis as unknown as G).glasswing.grn as unknown as { pinned: Set<string> }).pinned.has(id), gene!.id),
      )
      .toBe(false);
  });

  it('shows TRRUST evidence with the PubMed ids of every row in the file for that pair', async () => {
    const { page } = session;
    await page.selectOption('[data-testid="grn-source"]', 'trrust');
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as G).glasswing.grn.graph?.sourceName), { timeout: 30_000 })
      .toBe('TRRUST v2');
    const at = await hoverableLink('with-pmids');
    expect(at).not.toBeNull();
    await page.mouse.move(at!.x, at!.y);
    const text = (await (await page.waitForSelector('[data-testid="edge-evidence"]')).textContent())!;
    const link = await page.evaluate((li) => {
      const g = (globalThis as unknown as G).glasswing.grn.graph!;
      const l = g.links[li];
      return { from: g.nodes[l.source].id, to: g.nodes[l.target].id };
    }, at!.li);
    const trrust = parseTrrust(readFileSync('public/data/grn/trrust_human.tsv', 'utf8'));
    const rows = trrust.edges.filter((e) => geneKey(e.regulator) === geneKey(link.from) && geneKey(e.target) === geneKey(link.to));
    expect(rows.length).toBeGreaterThan(0);
    expect(text).toContain(`${rows.length} row${rows.length === 1 ? '' : 's'} of evidence`);
    for (const row of rows.slice(0, 8)) expect(text).toContain(`PMID ${row.pmids!.join(', ')}`);
    await page.selectOption('[data-testid="grn-source"]', 'collectri');
  });

  it('loads a user table through the column mapping and lists its bad rows by line', async () => {
    const { page } = session;
    await page.setInputFiles('[data-testid="grn-file"]', 'test/fixtures/grn/custom_mapping.csv');
    await page.waitForSelector('[data-testid="grn-mapping"]');
    await page.selectOption('[data-testid="grn-mapping"] select[data-field="sign"]', '2');
    await page.selectOption('[data-testid="grn-mapping"] select[data-field="weight"]', '3');
    await page.click('[data-testid="grn-mapping-apply"]');
    const bad = page.locator('[data-testid="grn-bad-rows"]');
    await expect.poll(() => bad.textContent(), { timeout: 10_000 }).toContain('custom_mapping.csv: 2 rows skipped, 3 loaded');
    const lines = await bad.locator('li').allTextContents();
    expect(lines[0]).toMatch(/^line 4: The sign "maybe"/);
    expect(lines[1]).toBe('line 5: A quoted field is not closed.');
    expect(await page.inputValue('[data-testid="grn-source"]')).toMatch(/^file:/);
    await page.selectOption('[data-testid="grn-source"]', 'collectri');
  });

  it("draws a TF's regulon and finds a gene in it", async () => {
    const { page } = session;
    const collectri = indexGrn(parseCollectri(readFileSync('public/data/grn/collectri_human.csv', 'utf8')));
    const nTargets = new Set(
      collectri.outgoing
        .get('STAT1')!
        .map((e) => geneKey(e.target))
        .filter((k) => k !== 'STAT1'),
    ).size;
    await page.evaluate(() => {
      const grn = (globalThis as unknown as G).glasswing.grn;
      grn.tf = 'STAT1';
      grn.mode = 'regulon';
    });
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as G).glasswing.grn.graph?.nodes[0].id), { timeout: 30_000 })
      .toBe('STAT1');
    const nodes = await page.evaluate(() => (globalThis as unknown as G).glasswing.grn.graph!.nodes.map((n) => n.id));
    expect(nodes.length).toBe(1 + Math.min(40, nTargets));
    // Search is case-insensitive and highlights the gene.
    await page.fill('[data-testid="grn-search"]', nodes[7].toLowerCase());
    await page.press('[data-testid="grn-search"]', 'Enter');
    expect(await page.evaluate(() => (globalThis as unknown as G).glasswing.grn.searchHit)).toBe(nodes[7]);
  });

  it('computes TF activity in the worker equal to the core code in Node, ranks TFs for a selection, and colours by one', async () => {
    const { page } = session;
    await page.click('[data-testid="tf-activity-run"]');
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as G).glasswing.grn.activity?.tfs.length ?? 0), { timeout: 120_000 })
      .toBeGreaterThan(500);
    const cells = [0, 777, 2637];
    const fromPage = await page.evaluate((cs) => {
      const a = (globalThis as unknown as G).glasswing.grn.activity!;
      return { tfs: a.tfs, rows: a.tfs.map((_, t) => cs.map((c) => a.scores[t * a.nCells + c])) };
    }, cells);
    const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
    const body = readFileSync('public/data/pbmc3k/dataset.bin');
    const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
    const grn = parseCollectri(readFileSync('public/data/grn/collectri_human.csv', 'utf8'));
    const ref = await tfActivity(normalizeLog1p(ds.matrix, 1e4), buildRegulons(grn.edges, ds.genes));
    expect(fromPage.tfs).toEqual(ref.tfs);
    let worst = 0;
    fromPage.rows.forEach((row, t) =>
      row.forEach((v, k) => (worst = Math.max(worst, Math.abs(v - ref.scores[t * ref.nCells + cells[k]])))),
    );
    expect(worst).toBeLessThan(1e-4);

    // Select the B cells: the table ranks TFs by Welch's t; clicking one publishes tf:<TF> and colours by it.
    await page.evaluate(() => {
      const g = (globalThis as unknown as G).glasswing;
      const label = g.app.dataset.obs.label;
      const b = label.categories.indexOf('B');
      g.app.selection.apply(Uint8Array.from(label.codes, (c) => (c === b ? 1 : 0)));
    });
    const rows = page.locator('[data-testid="tf-activity"] tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBeGreaterThan(10);
    const top = (await rows.first().locator('td').first().textContent())!.replace('*', '');
    await rows.first().click();
    const published = await page.evaluate((tf) => {
      const app = (globalThis as unknown as G).glasswing.app;
      const col = app.columns[`tf:${tf}`];
      return { colorBy: app.colorBy, n: col?.values.length, units: col?.units };
    }, top);
    expect(published.colorBy).toBe(`tf:${top}`);
    expect(published.n).toBe(2638);
    expect(published.units).toMatch(/ULM t|weighted mean/);

    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="tf-activity-csv"]')]);
    const csv = readFileSync((await download.path())!, 'utf8');
    expect(csv).toMatch(/^# TF activity, selection \(344 cells\) vs the rest/);
    expect(csv).toMatch(/# dataset_sha256=[0-9a-f]{64}/);
    expect(csv).toContain('tf,method,n_targets,mean_selection,mean_rest,difference,welch_t,welch_df');
    expect(csv.split('\n').filter((l) => l && !l.startsWith('#')).length).toBe(1 + fromPage.tfs.length);
  });

  it('adds a model-derived layer apart from prior edges, and exports SVG with provenance', async () => {
    const { page } = session;
    await page.check('[data-testid="model-layer"]');
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as G).glasswing.grn.modelEdges?.method ?? ''), { timeout: 60_000 })
      .toContain('tf.grad');
    const nVisible = await page.evaluate(() => {
      const grn = (globalThis as unknown as G).glasswing.grn;
      return (grn.modelEdges!.edges as { value: number }[]).filter((e) => Math.abs(e.value) >= grn.modelThreshold).length;
    });
    // Every visible model edge joins two drawn genes (all regulon genes here that are model inputs).
    expect(await page.locator('[data-testid="regulation-graph"] path.model-edge').count()).toBeLessThanOrEqual(nVisible);
    expect(await page.textContent('[data-testid="grn-legend"]')).toMatch(/model-derived \(\d+, \|value\| ≥ 0\.80\)/);

    await page.click('[data-testid="grn-export"]');
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="grn-export-svg"]')]);
    const svg = readFileSync((await download.path())!, 'utf8');
    expect(svg).toContain('<metadata');
    expect(svg).toMatch(/dataset_sha256/);
    expect(svg).toContain('STAT1 regulon');
    expect(svg).toContain('model-derived, not prior knowledge');
    await page.uncheck('[data-testid="model-layer"]');
  });

  it('switches to canvas above 500 genes and still answers hover with the gene under the pointer', async () => {
    const { page } = session;
    await page.evaluate(() => (globalThis as unknown as G).glasswing.grn.showSynthetic(1000, 4000, 3));
    // Canvas 2D without a hardware GPU (this machine); WebGL2 under a label canvas with one.
    const isGpu = await page.evaluate(() => {
      const gl = document.createElement('canvas').getContext('webgl2');
      const info = gl?.getExtension('WEBGL_debug_renderer_info');
      return !!gl && !!info && !/swiftshader|llvmpipe|software/i.test(String(gl.getParameter(info.UNMASKED_RENDERER_WEBGL)));
    });
    await expect.poll(() => page.getAttribute('[data-testid="regulation-graph"]', 'data-renderer')).toBe(isGpu ? 'webgl' : 'canvas');
    expect(await page.locator('[data-testid="regulation-graph"] canvas').count()).toBe(isGpu ? 2 : 1);
    // The gene farthest from any other sits alone where it is drawn.
    const at = await isolatedGene();
    await page.mouse.move(at.x, at.y);
    await expect.poll(async () => (await page.textContent('[data-testid="node-card"]').catch(() => '')) ?? '').toContain(at.id);
    expect(session.pageErrors).toEqual([]);
    expect(session.foreign).toEqual([]);
  });
});

describe('a large graph on the canvas path', () => {
  /** Decodes two PNG screenshots in the page: mean |difference| per channel (0–255) and the share of non-white pixels in each. */
  async function compare(a: Buffer, b: Buffer): Promise<{ meanAbs: number; inkA: number; inkB: number }> {
    return session.page.evaluate(
      async ([a64, b64]) => {
        const decode = async (s: string) => {
          // Not fetch(data:): the app's CSP allows no such connection.
          const bytes = Uint8Array.from(atob(s), (ch) => ch.charCodeAt(0));
          const bmp = await createImageBitmap(new Blob([bytes], { type: 'image/png' }));
          const c = new OffscreenCanvas(bmp.width, bmp.height);
          const ctx = c.getContext('2d')!;
          ctx.drawImage(bmp, 0, 0);
          return ctx.getImageData(0, 0, bmp.width, bmp.height).data;
        };
        const [pa, pb] = [await decode(a64), await decode(b64)];
        let sum = 0;
        let inkA = 0;
        let inkB = 0;
        for (let i = 0; i < pa.length; i += 4) {
          for (let c = 0; c < 3; c++) sum += Math.abs(pa[i + c] - pb[i + c]);
          if (pa[i] + pa[i + 1] + pa[i + 2] < 720) inkA++;
          if (pb[i] + pb[i + 1] + pb[i + 2] < 720) inkB++;
        }
        const n = pa.length / 4;
        return { meanAbs: sum / (3 * n), inkA: inkA / n, inkB: inkB / n };
      },
      [a.toString('base64'), b.toString('base64')] as const,
    );
  }

  it("draws MYC's regulon (> 500 genes) the same with cached layers, a full redraw, last session's path and WebGL2, and screenshots it", async () => {
    const { page } = session;
    // A taller panel, as a user would drag it for a big graph; then lay the regulon out for that size.
    const bar = (await page.locator('.resizer').boundingBox())!;
    await page.mouse.move(bar.x + bar.width / 2, bar.y + 3);
    await page.mouse.down();
    await page.mouse.move(bar.x + bar.width / 2, 380, { steps: 5 });
    await page.mouse.up();
    const size = await page.evaluate(async () => {
      const grn = (globalThis as unknown as G).glasswing.grn as unknown as G['glasswing']['grn'] & { maxNeighbours: number };
      grn.mode = 'regulon';
      grn.tf = 'MYC';
      grn.maxNeighbours = 800;
      await new Promise((r) => setTimeout(r, 300));
      await grn.refresh();
      return { nodes: grn.graph!.nodes.length, links: grn.graph!.links.length };
    });
    expect(size.nodes).toBeGreaterThan(500);
    expect(size.links).toBeGreaterThan(2000);
    // This test compares the Canvas 2D paths with WebGL2, so it starts on Canvas 2D whatever the GPU.
    await page.evaluate(
      () =>
        ((globalThis as unknown as { glasswing: { grn: { rendererOverride: string | null } } }).glasswing.grn.rendererOverride = 'canvas'),
    );
    await expect.poll(() => page.getAttribute('[data-testid="regulation-graph"]', 'data-renderer')).toBe('canvas');
    const drawing = page.locator('[data-testid="regulation-graph"]');
    await page.mouse.move(5, 5);
    // Past SETTLE_MS the layers are redrawn at the current view.
    await page.waitForTimeout(600);
    mkdirSync('test/output', { recursive: true });
    const layers = await drawing.screenshot({ path: 'test/output/grn_large.png' });
    await page.locator('.graph-panel, [data-testid="grn-legend"]').first().scrollIntoViewIfNeeded();
    await page.screenshot({ path: 'test/output/grn_large_page.png' });

    const setPath = (renderer: string, path: string) =>
      page.evaluate(
        ([r, p]) => {
          const grn = (globalThis as unknown as G).glasswing.grn as unknown as { rendererOverride: string | null; canvasPath: string };
          grn.rendererOverride = r === 'auto' ? null : r;
          grn.canvasPath = p;
        },
        [renderer, path] as const,
      );
    const settled = async (path?: string) => {
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.waitForTimeout(600);
      return drawing.screenshot({ path });
    };
    await setPath('canvas', 'redraw');
    const redraw = await settled();
    await setPath('canvas', 'baseline');
    const baseline = await settled();
    await setPath('webgl', 'layers');
    await expect.poll(() => page.locator('[data-testid="graph-gl"]').count()).toBe(1);
    const webgl = await settled('test/output/grn_large_webgl.png');

    // A panned view is the negative control: it must differ far more than the renderers differ from each other.
    await setPath('auto', 'layers');
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    const box = (await drawing.boundingBox())!;
    await page.mouse.move(box.x + 8, box.y + 8);
    await page.mouse.down();
    await page.mouse.move(box.x + 48, box.y + 28, { steps: 4 });
    await page.mouse.up();
    await page.mouse.move(5, 5);
    const panned = await settled();

    // A wheel zoom: frames copy the layers, then the layers are redrawn in slices (2,000 links a
    // frame) and swapped in; the result must equal a full redraw of the same view.
    await setPath('canvas', 'layers');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, -120);
    await page.mouse.move(5, 5);
    await page.waitForTimeout(1500);
    const zoomedLayers = await drawing.screenshot({ path: 'test/output/grn_large_zoomed.png' });
    await setPath('canvas', 'redraw');
    const zoomedRedraw = await settled();
    const vsZoomed = await compare(zoomedLayers, zoomedRedraw);

    const vsRedraw = await compare(layers, redraw);
    const vsBaseline = await compare(layers, baseline);
    const vsWebgl = await compare(baseline, webgl);
    const vsPanned = await compare(layers, panned);
    console.log(JSON.stringify({ size, vsRedraw, vsBaseline, vsWebgl, vsPanned, vsZoomed }));
    // The picture has ink (edges, discs, labels), and the same view drawn each way agrees closely.
    expect(vsBaseline.inkA).toBeGreaterThan(0.1);
    expect(vsRedraw.meanAbs).toBeLessThan(0.5);
    // At a fractional view offset the layer's margin shift rounds sub-pixel positions a little differently.
    expect(vsZoomed.meanAbs).toBeLessThan(1.5);
    // …and the zoom did change the picture.
    expect((await compare(zoomedLayers, layers)).meanAbs).toBeGreaterThan(5);
    expect(vsBaseline.meanAbs).toBeLessThan(2.5);
    expect(vsWebgl.meanAbs).toBeLessThan(6);
    expect(vsPanned.meanAbs).toBeGreaterThan(3 * Math.max(vsBaseline.meanAbs, vsWebgl.meanAbs));
    expect(session.pageErrors).toEqual([]);
    expect(session.foreign).toEqual([]);
  });

  it('fades genes out and in on the canvas path when the graph changes (as the SVG renderer does)', async () => {
    const { page } = session;
    await page.evaluate(() => {
      const grn = (globalThis as unknown as G).glasswing.grn as unknown as { rendererOverride: string | null; canvasPath: string };
      grn.rendererOverride = 'canvas';
      grn.canvasPath = 'layers';
    });
    await page.evaluate(() => (globalThis as unknown as G).glasswing.grn.showSynthetic(800, 3000, 5));
    await expect.poll(() => page.getAttribute('[data-testid="regulation-graph"]', 'data-renderer')).toBe('canvas');
    await page.waitForSelector('[data-testid="regulation-graph"][data-tween="1"]');
    // 800 -> 600 genes: G600..G799 leave; then 600 -> 800: they enter. Follow, frame by frame, the
    // pixel at an isolated gene among them (the view is the identity transform).
    const play = (nNodes: number, nEdges: number) =>
      page.evaluate(
        async ([nNodes, nEdges]) => {
          const grn = (globalThis as unknown as G).glasswing.grn as unknown as {
            positions: Float32Array;
            graph: { nodes: { id: string }[] };
            showSynthetic(n: number, e: number, seed: number): Promise<number>;
          };
          // The isolated gene among G600..G799 in the 800-gene layout (drawn now, or next).
          const pick = (p: Float32Array, n: number) => {
            let best = -1;
            let bestD = -1;
            for (let i = 600; i < n; i++) {
              let d = Infinity;
              for (let j = 0; j < n; j++) if (j !== i) d = Math.min(d, Math.hypot(p[2 * i] - p[2 * j], p[2 * i + 1] - p[2 * j + 1]));
              if (d > bestD) [best, bestD] = [i, d];
            }
            return best;
          };
          const canvas = document.querySelector<HTMLCanvasElement>('[data-testid="regulation-graph"] canvas:last-of-type')!;
          const drawing = document.querySelector<HTMLElement>('[data-testid="regulation-graph"]')!;
          const ctx = canvas.getContext('2d')!;
          const dpr = canvas.width / canvas.getBoundingClientRect().width;
          const isLeaving = nNodes < grn.graph.nodes.length;
          let at = isLeaving ? pick(grn.positions, grn.graph.nodes.length) : -1;
          let xy = at >= 0 ? [grn.positions[2 * at], grn.positions[2 * at + 1]] : [0, 0];
          // The pixel's alpha: the canvas is transparent where nothing is drawn, and fades change only coverage.
          const read = () => {
            const [k, x, y] = drawing.dataset.view!.split(',').map(Number);
            return ctx.getImageData(Math.round((xy[0] * k + x) * dpr), Math.round((xy[1] * k + y) * dpr), 1, 1).data[3];
          };
          const before = isLeaving ? read() : 0;
          const out: { gt: number; px: number }[] = [];
          const done = grn.showSynthetic(nNodes, nEdges, 5);
          const t0 = performance.now();
          while (performance.now() - t0 < 8000) {
            await new Promise((r) => requestAnimationFrame(r));
            if (at < 0 && grn.graph.nodes.length === nNodes) {
              at = pick(grn.positions, nNodes);
              xy = [grn.positions[2 * at], grn.positions[2 * at + 1]];
            }
            // Until the worker's layout arrives, the old graph is still drawn.
            if (grn.graph.nodes.length !== nNodes) continue;
            const gt = Number(drawing.dataset.tween);
            if (at >= 0) out.push({ gt, px: read() });
            if (out.length > 3 && gt === 1 && out[out.length - 2].gt === 1) break;
          }
          await done;
          return { before, samples: out };
        },
        [nNodes, nEdges] as const,
      );
    for (const [nNodes, nEdges, kind] of [
      [600, 2000, 'leaving'],
      [800, 3000, 'entering'],
    ] as const) {
      const { samples, before } = await play(nNodes, nEdges);
      const end = samples[samples.length - 1];
      expect(end.gt).toBe(1);
      const mids = samples.filter((m) => m.gt > 0.1 && m.gt < 0.9);
      console.log(
        JSON.stringify({ kind, frames: samples.length, before, mids: mids.map((m) => [Math.round(m.gt * 100) / 100, m.px]), end: end.px }),
      );
      expect(mids.length).toBeGreaterThan(0);
      // Mid-transition the gene is partly drawn (its pixel's coverage between gone and whole), fading the right way:
      // leaving, a ghost over where it was, gone at the end; entering, growing to its end coverage.
      if (kind === 'leaving') {
        expect(before).toBeGreaterThan(end.px + 100);
        for (const m of mids) expect(m.px).toBeGreaterThan(end.px + 2);
      } else {
        expect(end.px).toBeGreaterThan(100);
        for (const m of mids) expect(m.px).toBeLessThan(end.px - 2);
        expect(Math.max(...mids.map((m) => m.px))).toBeGreaterThan(2);
      }
      for (let k = 1; k < mids.length; k++) {
        if (kind === 'leaving') expect(mids[k].px).toBeLessThanOrEqual(mids[k - 1].px + 3);
        else expect(mids[k].px).toBeGreaterThanOrEqual(mids[k - 1].px - 3);
      }
    }
    expect(session.pageErrors).toEqual([]);
  });

  it('drags a gene without redrawing the cached layers on each move, and draws what a full redraw draws', async () => {
    const { page } = session;
    type Grn = { rendererOverride: string | null; canvasPath: string; canvasLayerDraws: () => number | null };
    const setPath = (path: string) =>
      page.evaluate((p) => {
        const grn = (globalThis as unknown as G).glasswing.grn as unknown as Grn;
        grn.rendererOverride = 'canvas';
        grn.canvasPath = p;
      }, path);
    const settled = async () => {
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.waitForTimeout(600);
      return page.locator('[data-testid="regulation-graph"]').screenshot();
    };
    const layerDraws = () => page.evaluate(() => ((globalThis as unknown as G).glasswing.grn as unknown as Grn).canvasLayerDraws());
    await page.evaluate(() => (globalThis as unknown as G).glasswing.grn.showSynthetic(1000, 4000, 3));
    await setPath('layers');
    await expect.poll(() => page.getAttribute('[data-testid="regulation-graph"]', 'data-renderer')).toBe('canvas');
    await settled();
    const at = await isolatedGene();
    const xy = () =>
      page.evaluate((i) => {
        const p = ((globalThis as unknown as G).glasswing.grn as unknown as { positions: Float32Array }).positions;
        return [p[2 * i], p[2 * i + 1]];
      }, at.i);
    const before = await xy();
    await page.mouse.move(at.x, at.y);
    await page.mouse.down();
    const draws0 = (await layerDraws())!;
    for (let s = 1; s <= 12; s++) await page.mouse.move(at.x + 3 * s, at.y + 1.5 * s);
    const mid = await xy();
    const draws1 = (await layerDraws())!;
    // Twelve moves: the gene followed the pointer, and the layers were drawn once (without it) when it started to move.
    expect(mid[0] - before[0]).toBeGreaterThan(20);
    expect(draws1 - draws0).toBeLessThanOrEqual(1);
    // Mid-drag, the picture is the full redraw's (up to the dragged gene's links drawn above other discs).
    const midLayers = await settled();
    await setPath('redraw');
    const midRedraw = await settled();
    const vsMid = await compare(midLayers, midRedraw);
    await setPath('layers');
    await page.mouse.up();
    await page.mouse.move(5, 5);
    const dropped = await settled();
    await setPath('redraw');
    const droppedRedraw = await settled();
    const vsDropped = await compare(dropped, droppedRedraw);
    console.log(JSON.stringify({ draws: draws1 - draws0, vsMid, vsDropped }));
    expect(vsMid.inkA).toBeGreaterThan(0.02);
    expect(vsMid.meanAbs).toBeLessThan(0.5);
    expect(vsDropped.meanAbs).toBeLessThan(0.5);
    await setPath('layers');
    expect(session.pageErrors).toEqual([]);
  });
});
