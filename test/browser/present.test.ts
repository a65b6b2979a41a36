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
