/**
 * Presenter, sessions, links, themes and the polish of issue 7, in headless Chromium: story steps
 * (save, retitle, reorder, delete) played in presenter mode with the view restored exactly; a link
 * that reopens the same view; bad session files and links answered with sentences; every control
 * named; the shortcut sheet; dark and light themes at 1920×1080 and 1280×720 (screenshots in
 * test/output); and a dataset whose names hold HTML/script rendered as text everywhere.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openBrowser, startServer, waitForReady, type BrowserSession } from './harness.ts';
import { INJECTED } from '../../scripts/make_injected_fixture_names.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;
const dialogs: string[] = [];

type Cam = { k: number; x: number; y: number };
type G = {
  glasswing: {
    app: {
      layout: string;
      colorBy: string;
      hiddenCategories: Set<number>;
      dataset: { hash: string; source: string; nCells: number; obs: Record<string, { categories: string[]; codes: Int32Array }> };
      latentPca: unknown;
      selection: { primary: Uint8Array | null; primaryCount: number; apply(mask: Uint8Array, mode: string): void };
      story: { steps: { title: string; view: { layout: string; camera: Cam | null } }[]; presenting: number };
      toggleCategory(i: number): void;
    };
    session: { linkToView(): string };
    scatter: { getView(): Cam; setView(c: Cam | null, animated?: boolean): void; screenPositionOf(i: number): [number, number] | null };
    exports: { svg(id: string): string };
  };
};
const g = (page: Page) => page.evaluate.bind(page);

async function settle(page: Page): Promise<void> {
  await page.waitForTimeout(150);
  await page.waitForSelector('[data-testid="latent-scatter"][data-animating="false"]');
  await page.waitForTimeout(800); // camera transitions (600 ms)
}

beforeAll(async () => {
  mkdirSync('test/output', { recursive: true });
  server = await startServer('dist');
  session = await openBrowser(server.url, { width: 1920, height: 1080 });
  session.page.on('dialog', (d) => {
    dialogs.push(d.message());
    void d.dismiss();
  });
  await session.page.goto(server.url, { waitUntil: 'load' });
  await waitForReady(session.page);
  await session.page.waitForSelector('[data-testid="latent-scatter"][data-animating="false"]');
});

afterAll(async () => {
  await session?.close();
  await server?.close();
});

describe('stories and presenter mode', () => {
  it('saves, retitles, reorders and deletes steps, then plays them with the view restored', async () => {
    const { page } = session;
    // Step A: latent PCA by cell type, zoomed in.
    await g(page)(() => (globalThis as unknown as G).glasswing.scatter.setView({ k: 2.5, x: -0.4, y: -0.3 }, false));
    await page.click('[data-testid="save-step"]');
    // Step B: the file's UMAP coloured by the model's prediction, one type greyed out, the B cells selected.
    await page.click('[data-testid="layout-obsm:X_umap"]');
    await page.selectOption('select[aria-label="Colour by"]', 'predicted');
    await g(page)(() => {
      const { app, scatter } = (globalThis as unknown as G).glasswing;
      app.toggleCategory(2);
      const label = app.dataset.obs.label;
      const b = label.categories.indexOf('B');
      app.selection.apply(
        Uint8Array.from(label.codes, (c) => (c === b ? 1 : 0)),
        'replace',
      );
      scatter.setView({ k: 1.5, x: 0.1, y: 0.05 }, false);
    });
    await settle(page);
    await page.keyboard.press('s'); // the shortcut saves a step too
    await page.click('[data-testid="save-step"]'); // a third, to delete
    await expect.poll(() => page.locator('[data-testid="story-step"]').count()).toBe(3);
    await page.click('[aria-label="Delete step 3"]');
    await page.fill('[aria-label="Title of step 1"]', 'The latent space separates the types');
    await page.press('[aria-label="Title of step 1"]', 'Enter');
    await page.fill('[aria-label="Title of step 2"]', 'What the model calls them');
    await page.press('[aria-label="Title of step 2"]', 'Tab');
    // Reorder: move step 2 up, then back down.
    await page.click('[aria-label="Move step 2 up"]');
    let titles = await g(page)(() => (globalThis as unknown as G).glasswing.app.story.steps.map((s) => s.title));
    expect(titles).toEqual(['What the model calls them', 'The latent space separates the types']);
    await page.click('[aria-label="Move step 1 down"]');
    titles = await g(page)(() => (globalThis as unknown as G).glasswing.app.story.steps.map((s) => s.title));
    expect(titles).toEqual(['The latent space separates the types', 'What the model calls them']);
    await page.click('[aria-label="Edit the note of step 2"]');
    await page.fill('[aria-label="Note of step 2"]', 'Greyed: CD14+ Mono. Selected: the 344 B cells.');
    await page.press('[aria-label="Note of step 2"]', 'Tab');

    // Present: the rails go, step 1's view comes back (layout, colour, camera).
    await page.keyboard.press('p');
    await page.waitForSelector('[data-testid="presenter"][data-step="0"]');
    await settle(page);
    expect(await page.isVisible('aside.rail')).toBe(false);
    expect(await page.textContent('[data-testid="presenter"] h1')).toBe('The latent space separates the types');
    let state = await g(page)(() => {
      const { app, scatter } = (globalThis as unknown as G).glasswing;
      return {
        layout: app.layout,
        colorBy: app.colorBy,
        hidden: [...app.hiddenCategories],
        n: app.selection.primaryCount,
        cam: scatter.getView(),
      };
    });
    expect(state).toMatchObject({ layout: 'latent_pca', colorBy: 'label', hidden: [], n: 0 });
    expect(state.cam.k).toBeCloseTo(2.5, 6);
    expect(state.cam.x).toBeCloseTo(-0.4, 6);
    expect(state.cam.y).toBeCloseTo(-0.3, 6);
    await page.keyboard.press('ArrowRight');
    await page.waitForSelector('[data-testid="presenter"][data-step="1"]');
    await settle(page);
    state = await g(page)(() => {
      const { app, scatter } = (globalThis as unknown as G).glasswing;
      return {
        layout: app.layout,
        colorBy: app.colorBy,
        hidden: [...app.hiddenCategories],
        n: app.selection.primaryCount,
        cam: scatter.getView(),
      };
    });
    expect(state).toMatchObject({ layout: 'obsm:X_umap', colorBy: 'predicted', hidden: [2], n: 344 });
    expect(state.cam.k).toBeCloseTo(1.5, 6);
    expect(state.cam.x).toBeCloseTo(0.1, 6);
    expect(await page.textContent('[data-testid="presenter"] .note')).toBe('Greyed: CD14+ Mono. Selected: the 344 B cells.');
    await page.screenshot({ path: 'test/output/presenter-1920.png' });
    await page.keyboard.press(' '); // past the end: stays on the last step
    expect(await page.getAttribute('[data-testid="presenter"]', 'data-step')).toBe('1');
    await page.keyboard.press('ArrowLeft');
    await page.waitForSelector('[data-testid="presenter"][data-step="0"]');
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="presenter"]', { state: 'detached' });
    expect(await page.isVisible('aside.rail')).toBe(true);
  });

  it('a link reopens the same view in a new tab', async () => {
    const { page, context } = session;
    await page.click('[aria-label="Show step 2"]');
    await settle(page);
    const link = await g(page)(() => (globalThis as unknown as G).glasswing.session.linkToView());
    expect(link).toMatch(/#v=1&ds=[0-9a-f]{64}&layout=obsm%3AX_umap&color=predicted&hide=2&sel=c%3A/);
    const other = await context.newPage();
    try {
      await other.goto(link, { waitUntil: 'load' });
      await waitForReady(other);
      await other.waitForFunction(() => (globalThis as unknown as G).glasswing.app.layout === 'obsm:X_umap', undefined, {
        timeout: 60_000,
      });
      await settle(other);
      const s = await other.evaluate(() => {
        const { app, scatter } = (globalThis as unknown as G).glasswing;
        return { colorBy: app.colorBy, hidden: [...app.hiddenCategories], n: app.selection.primaryCount, cam: scatter.getView() };
      });
      expect(s).toMatchObject({ colorBy: 'predicted', hidden: [2], n: 344 });
      expect(s.cam.k).toBeCloseTo(1.5, 4);
      expect(s.cam.x).toBeCloseTo(0.1, 4);
    } finally {
      await other.close();
    }
  });

  it('animates colours and the graph between steps: a mid-transition frame lies between the two ends, which are exact', async () => {
    const { page } = session;
    type T = {
      glasswing: {
        app: {
          colorBy: string;
          hiddenCategories: Set<number>;
          selection: { clear(): void };
          dataset: { nCells: number };
          story: { steps: { id: string; title: string }[]; remove(id: string): void };
        };
        grn: {
          mode: string;
          tf: string;
          isBusy: boolean;
          graph: { mode: string; nodes: { id: string }[] } | null;
          positions: Float32Array;
        };
        session: { saveStep(title: string): void; showStep(i: number): Promise<void> };
        scatter: {
          setView(c: null, animated: boolean): void;
          screenPositionOf(i: number): [number, number] | null;
          pixelAt(x: number, y: number): number[] | null;
          colorTransitionOfLastDraw(): number;
        };
      };
    };
    const regulonOf = async (tf: string) => {
      await page.evaluate((tf) => {
        const { grn } = (globalThis as unknown as T).glasswing;
        grn.mode = 'regulon';
        grn.tf = tf;
      }, tf);
      await page.waitForFunction(
        (tf) => {
          const { grn } = (globalThis as unknown as T).glasswing;
          return !grn.isBusy && grn.graph?.mode === 'regulon' && grn.graph.nodes.some((n) => n.id === tf);
        },
        tf,
        { timeout: 60_000 },
      );
      await page.waitForSelector('[data-testid="regulation-graph"][data-tween="1"]');
    };
    // Step A: cell types and the STAT1 regulon; step B: the model's confidence (continuous) and the IRF1 regulon. Same layout and camera.
    await page.evaluate(() => {
      const { app, scatter } = (globalThis as unknown as T).glasswing;
      app.selection.clear();
      app.hiddenCategories = new Set();
      app.colorBy = 'label';
      scatter.setView(null, false);
    });
    await regulonOf('STAT1');
    await settle(page);
    await page.evaluate(() => (globalThis as unknown as T).glasswing.session.saveStep('A: cell types, STAT1'));
    await page.evaluate(() => ((globalThis as unknown as T).glasswing.app.colorBy = 'model:confidence'));
    await regulonOf('IRF1');
    await settle(page);
    await page.evaluate(() => (globalThis as unknown as T).glasswing.session.saveStep('B: confidence, IRF1'));
    const ends = await page.evaluate(() => {
      const { app, grn, scatter } = (globalThis as unknown as T).glasswing;
      // Isolated cells (no other disc centre within 6 px; discs are 4 px wide), so a pixel shows one cell's colour only.
      const xy = Array.from({ length: app.dataset.nCells }, (_, i) => scatter.screenPositionOf(i)!);
      const isolated: { i: number; x: number; y: number; b: number[] }[] = [];
      for (let i = 0; i < xy.length && isolated.length < 40; i++) {
        const [x, y] = xy[i];
        if (x < 60 || y < 20 || !xy.every(([u, v], j) => j === i || Math.hypot(u - x, v - y) > 6)) continue;
        isolated.push({ i, x: Math.round(x), y: Math.round(y), b: scatter.pixelAt(Math.round(x), Math.round(y))! });
      }
      return { isolated, steps: app.story.steps.length, irf1Ids: grn.graph!.nodes.map((n) => n.id) };
    });
    const [iA, iB] = [ends.steps - 2, ends.steps - 1];
    expect(ends.isolated.length).toBeGreaterThan(5);
    // Show A (animated), let it finish, then read A's colours at the same pixels.
    await page.evaluate((i) => (globalThis as unknown as T).glasswing.session.showStep(i), iA);
    await page.waitForSelector('[data-testid="latent-scatter"][data-color-animating="false"]');
    await regulonOf('STAT1');
    const a = await page.evaluate(
      ({ isolated }) => {
        const { scatter, grn } = (globalThis as unknown as T).glasswing;
        return {
          px: isolated.map((c) => scatter.pixelAt(c.x, c.y)!),
          ids: grn.graph!.nodes.map((n) => n.id),
          xy: [...grn.positions],
        };
      },
      { isolated: ends.isolated },
    );
    // The cell whose colour changes most, and a gene in both regulons.
    const diff = (p: number[], q: number[]) => Math.max(...p.map((v, k) => Math.abs(v - q[k])));
    const best = ends.isolated.map((c, k) => ({ ...c, a: a.px[k], d: diff(a.px[k], c.b) })).sort((p, q) => q.d - p.d)[0];
    expect(best.d).toBeGreaterThan(40);
    const shared = a.ids.find((id) => ends.irf1Ids.includes(id) && id !== 'STAT1')!;
    expect(shared).toBeTruthy();
    const sharedFrom = [a.xy[2 * a.ids.indexOf(shared)], a.xy[2 * a.ids.indexOf(shared) + 1]];

    // Play A → B and sample every frame: the colour progress drawn, the cell's pixel, the graph's progress and the shared gene.
    const samples = await page.evaluate(
      async ({ i, x, y, shared }) => {
        const { scatter, session } = (globalThis as unknown as T).glasswing;
        const out: { t: number; px: number[]; gt: number; node: string | null; ghost: string | null }[] = [];
        void session.showStep(i);
        const t0 = performance.now();
        while (performance.now() - t0 < 6000) {
          await new Promise((r) => requestAnimationFrame(r));
          const drawing = document.querySelector<HTMLElement>('[data-testid="regulation-graph"]')!;
          out.push({
            t: scatter.colorTransitionOfLastDraw(),
            px: scatter.pixelAt(x, y)!,
            gt: Number(drawing.dataset.tween),
            node: drawing.querySelector(`g.node[data-gene="${shared}"]`)?.getAttribute('transform') ?? null,
            ghost: drawing.querySelector('g.leaving')?.getAttribute('opacity') ?? null,
          });
          if (out.length > 30 && out.slice(-20).every((s) => s.t === 1 && s.gt === 1)) break;
        }
        return out;
      },
      { i: iB, x: best.x, y: best.y, shared },
    );
    // Colour: straight RGBA mixed by t, then premultiplied (the canvas stores premultiplied pixels).
    const straight = (p: number[]) => (p[3] > 0 ? [...p.slice(0, 3).map((v) => (v * 255) / p[3]), p[3]] : [0, 0, 0, 0]);
    const [sa, sb] = [straight(best.a), straight(best.b)];
    const mids = samples.filter((s) => s.t > 0.1 && s.t < 0.9);
    expect(mids.length).toBeGreaterThan(0);
    for (const m of mids) {
      const mix = sa.map((v, k) => v + (sb[k] - v) * m.t);
      const expected = [...mix.slice(0, 3).map((v) => (v * mix[3]) / 255), mix[3]];
      m.px.forEach((v, k) => expect(Math.abs(v - expected[k])).toBeLessThanOrEqual(4));
      expect(diff(m.px, best.a)).toBeGreaterThan(3);
      expect(diff(m.px, best.b)).toBeGreaterThan(3);
    }
    // The end state is the target exactly: the same pixel as B coloured without any transition.
    expect(samples[samples.length - 1].t).toBe(1);
    expect(samples[samples.length - 1].px).toEqual(best.b);

    // Graph: mid-transition the shared gene sits on the straight line from its STAT1-regulon place to its IRF1 one, at eased t.
    const end = await page.evaluate(() => {
      const { grn } = (globalThis as unknown as T).glasswing;
      const drawn = [...document.querySelectorAll('[data-testid="regulation-graph"] g.node')].map((el) => [
        el.getAttribute('data-gene'),
        el.getAttribute('transform'),
      ]);
      return { ids: grn.graph!.nodes.map((n) => n.id), xy: [...grn.positions], drawn };
    });
    const k = end.ids.indexOf(shared);
    const sharedTo = [end.xy[2 * k], end.xy[2 * k + 1]];
    const parse = (tr: string) =>
      tr
        .match(/translate\(([^,]+),([^)]+)\)/)!
        .slice(1, 3)
        .map(Number);
    const graphMids = samples.filter((s) => s.gt > 0.1 && s.gt < 0.9 && s.node);
    expect(graphMids.length).toBeGreaterThan(0);
    for (const m of graphMids) {
      const [x, y] = parse(m.node!);
      expect(x).toBeCloseTo(sharedFrom[0] + (sharedTo[0] - sharedFrom[0]) * m.gt, 2);
      expect(y).toBeCloseTo(sharedFrom[1] + (sharedTo[1] - sharedFrom[1]) * m.gt, 2);
      // Genes of the STAT1 regulon that IRF1's lacks fade out together.
      if (m.ghost !== null) expect(Number(m.ghost)).toBeCloseTo(1 - m.gt, 6);
    }
    // The graph ends exactly on the new layout, with nothing left fading.
    expect(samples[samples.length - 1].gt).toBe(1);
    expect(samples[samples.length - 1].ghost).toBeNull();
    for (const [id, tr] of end.drawn) {
      const j = end.ids.indexOf(id!);
      expect(parse(tr!)).toEqual([end.xy[2 * j], end.xy[2 * j + 1]]);
    }

    // With prefers-reduced-motion, the step jumps: the first frame already shows A's colours exactly.
    await page.emulateMedia({ reducedMotion: 'reduce' });
    const jumped = await page.evaluate(
      async ({ i, x, y }) => {
        const { scatter, session } = (globalThis as unknown as T).glasswing;
        await session.showStep(i);
        await new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r)));
        return {
          t: scatter.colorTransitionOfLastDraw(),
          px: scatter.pixelAt(x, y),
          isAnimating: document.querySelector<HTMLElement>('[data-testid="latent-scatter"]')!.dataset.colorAnimating,
        };
      },
      { i: iA, x: best.x, y: best.y },
    );
    expect(jumped).toEqual({ t: 1, px: best.a, isAnimating: 'false' });
    await page.waitForFunction(() => (globalThis as unknown as T).glasswing.grn.graph?.nodes.some((n) => n.id === 'STAT1'), undefined, {
      timeout: 60_000,
    });
    expect(await page.getAttribute('[data-testid="regulation-graph"]', 'data-tween')).toBe('1');
    await page.emulateMedia({ reducedMotion: 'no-preference' });
    await page.evaluate(() => {
      const { app } = (globalThis as unknown as T).glasswing;
      for (const s of app.story.steps.slice(-2)) app.story.remove(s.id);
    });
    expect(session.pageErrors).toEqual([]);
  });

  it('answers a bad link, a bad session file and a session whose dataset is missing with sentences', async () => {
    const { page, context } = session;
    const other = await context.newPage();
    try {
      await other.goto(server.url + '#v=1&layout=latent_pca&color=label&cam=2,left,0', { waitUntil: 'load' });
      await waitForReady(other);
      await expect
        .poll(() => other.textContent('[data-testid="session-notice"]'), { timeout: 60_000 })
        .toContain('This link cannot be opened: link cam: "left" is not a number.');
    } finally {
      await other.close();
    }
    await page.setInputFiles('[data-testid="open-session"]', {
      name: 'broken.glasswing.json',
      mimeType: 'application/json',
      buffer: Buffer.from('{"format":'),
    });
    await expect
      .poll(() => page.textContent('[data-testid="session-notice"]'))
      .toMatch(/This session file cannot be opened: it is not valid JSON/);
    const missing = {
      format: 'glasswing-session',
      schemaVersion: 1,
      savedAt: '2026-01-01T00:00:00Z',
      provenance: {},
      dataset: { hash: 'f'.repeat(64), name: 'Tumour atlas', fileName: 'tumour_atlas.h5ad', nCells: 120000, nGenes: 30000 },
      view: {
        schemaVersion: 1,
        datasetHash: 'f'.repeat(64),
        layout: 'latent_pca',
        colorBy: 'label',
        hiddenCategories: [],
        selection: null,
        camera: null,
        panel: 'explain',
        selectedCell: null,
      },
      steps: [],
      selections: [],
      annotations: { clusters: [], genes: [] },
      settings: {},
    };
    await page.setInputFiles('[data-testid="open-session"]', {
      name: 'atlas.glasswing.json',
      mimeType: 'application/json',
      buffer: Buffer.from(JSON.stringify(missing)),
    });
    await expect
      .poll(() => page.textContent('[data-testid="session-notice"]'))
      .toContain(
        "This view was saved on “Tumour atlas” (120,000 cells × 30,000 genes), SHA-256 ffffffffffff…, which is not in this browser's cache. Drop tumour_atlas.h5ad onto the page",
      );
    await page.click('[aria-label="Dismiss this message"]');
  });
});

describe('polish', () => {
  it('names every control (buttons, inputs, selects) for assistive technology', async () => {
    const { page, context } = session;
    await page.click('[data-testid="annotations-section"] summary');
    const cdp = await context.newCDPSession(page);
    const { nodes } = (await cdp.send('Accessibility.getFullAXTree')) as {
      nodes: { ignored: boolean; role?: { value: string }; name?: { value: string }; backendDOMNodeId?: number }[];
    };
    const CONTROLS = new Set([
      'button',
      'textbox',
      'combobox',
      'checkbox',
      'spinbutton',
      'slider',
      'radio',
      'searchbox',
      'listbox',
      'switch',
      'DisclosureTriangle',
    ]);
    const controls = nodes.filter((n) => !n.ignored && CONTROLS.has(n.role?.value ?? ''));
    const unnamed = controls.filter((n) => !(n.name?.value ?? '').trim()).map((n) => n.role?.value);
    expect(controls.length).toBeGreaterThan(25);
    expect(unnamed).toEqual([]);
    await cdp.detach();
  });

  it('opens the shortcut sheet with ?, and switches themes (screenshots at 1920×1080 and 1280×720)', async () => {
    const { page } = session;
    await page.locator('body').press('?');
    await page.waitForSelector('[data-testid="shortcut-sheet"][open]');
    expect(await page.textContent('[data-testid="shortcut-sheet"]')).toContain('Present the story steps');
    await page.screenshot({ path: 'test/output/shortcuts-1920.png' });
    await page.keyboard.press('Escape');
    await page.waitForSelector('[data-testid="shortcut-sheet"]:not([open])', { state: 'attached' });
    await page.screenshot({ path: 'test/output/light-1920.png' });
    const lightBg = await page.evaluate(() => getComputedStyle(document.querySelector('.rail')!).backgroundColor);
    await page.click('[data-testid="theme-toggle"]');
    expect(await page.getAttribute('html', 'data-theme')).toBe('dark');
    const darkBg = await page.evaluate(() => getComputedStyle(document.querySelector('.rail')!).backgroundColor);
    expect(darkBg).not.toBe(lightBg);
    expect(darkBg).toBe('rgb(27, 31, 37)');
    await page.screenshot({ path: 'test/output/dark-1920.png' });
    await page.setViewportSize({ width: 1280, height: 720 });
    await settle(page);
    await page.screenshot({ path: 'test/output/dark-1280.png' });
    await page.keyboard.press('t');
    expect(await page.getAttribute('html', 'data-theme')).toBe('light');
    await page.screenshot({ path: 'test/output/light-1280.png' });
    // Nothing spills out of the one screen at projector resolution.
    expect(await page.evaluate(() => document.scrollingElement!.scrollHeight)).toBeLessThanOrEqual(720);
    await page.setViewportSize({ width: 1920, height: 1080 });
  });
});

describe('injected names', () => {
  it('renders gene and metadata names holding HTML/script as text: legend, tooltip, tables, graph, SVG export', async () => {
    const { page } = session;
    const baseline = await page.evaluate(() => document.querySelectorAll('img, script, iframe, object').length);
    await page.setInputFiles('[data-testid="file-input"]', [
      'test/fixtures/injected/expression.csv',
      'test/fixtures/injected/metadata.csv',
    ]);
    await page.waitForFunction(
      () => {
        const g = (globalThis as unknown as G).glasswing;
        return g.app.dataset?.source === 'file' && g.app.latentPca !== null;
      },
      undefined,
      { timeout: 240_000 },
    );
    await page.selectOption('select[aria-label="Colour by"]', INJECTED.column);
    await settle(page);
    // Legend: the categories, verbatim.
    const legend = (await page.locator('[data-testid="legend-entry"] .name').allTextContents()).map((t) => t.trim());
    expect(legend.sort()).toEqual([...INJECTED.categories].sort());
    // The colour-by list shows the column name verbatim.
    expect(await page.locator(`select[aria-label="Colour by"] option`).allTextContents()).toContain(INJECTED.column);
    // Tooltip: hover cell 0.
    const box = (await page.locator('[data-testid="latent-scatter"]').boundingBox())!;
    const at = await page.evaluate(() => (globalThis as unknown as G).glasswing.scatter.screenPositionOf(0));
    await page.mouse.move(box.x + at![0], box.y + at![1]);
    await page.waitForSelector('.tooltip');
    expect(await page.textContent('.tooltip')).toContain(INJECTED.categories[0]);
    // Tables: a named cluster and a tagged gene, both injected.
    await page.evaluate(() => ((document.querySelector('[data-testid="annotations-section"]') as HTMLDetailsElement).open = true));
    await page.selectOption('select[aria-label="Cluster to name"]', INJECTED.categories[1]);
    await page.fill('input[aria-label="Name for the cluster"]', '<b>not bold</b>');
    await page.click('[data-testid="name-cluster"]');
    await page.fill('[data-testid="gene-note-gene"]', INJECTED.genes[0]);
    await page.click('[data-testid="save-gene-note"]');
    expect(await page.textContent('[data-testid="cluster-notes"]')).toContain('<b>not bold</b>');
    expect(await page.textContent('[data-testid="gene-notes"]')).toContain(INJECTED.genes[0]);
    // The legend shows the annotation as text too.
    expect(await page.textContent('[data-testid="legend"]')).toContain('<b>not bold</b>');
    // Explain a cell and draw its graph.
    const at1 = await page.evaluate(() => (globalThis as unknown as G).glasswing.scatter.screenPositionOf(1));
    await page.mouse.click(box.x + at1![0], box.y + at1![1]);
    await page.waitForSelector('[data-testid="ig-bars"] .gene-row', { timeout: 120_000 });
    // SVG export of the scatter: the names are escaped text, not elements.
    const parsed = await page.evaluate(() => {
      const text = (globalThis as unknown as G).glasswing.exports.svg('scatter');
      const doc = new DOMParser().parseFromString(text, 'image/svg+xml');
      return {
        isXml: !doc.querySelector('parsererror'),
        bad: doc.querySelectorAll('img, script, foreignObject, iframe, [onload], [onerror], [onmouseover]').length,
        legend: [...doc.querySelectorAll('.legend text')].map((t) => (t.firstChild?.textContent ?? '').trim()),
      };
    });
    expect(parsed.isXml).toBe(true);
    expect(parsed.bad).toBe(0);
    expect(parsed.legend).toContain(INJECTED.categories[0]);
    expect(parsed.legend.some((t) => t.startsWith(`<b>not bold</b> (${INJECTED.categories[1]})`))).toBe(true);
    // Nothing was injected into the page, no dialog fired, and nothing fetched the img's src.
    expect(await page.evaluate(() => document.querySelectorAll('img, script, iframe, object').length)).toBe(baseline);
    expect(await page.evaluate(() => document.querySelectorAll('[onerror], [onload], [onmouseover]').length)).toBe(0);
    expect(dialogs).toEqual([]);
    expect(session.requests.filter((u) => /\/x$/.test(u))).toEqual([]);
    expect(session.foreign).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
