/**
 * Select and compare in headless Chromium against the built app: select B cells by category,
 * compare them with the rest in the worker (numbers checked against SciPy's reference table),
 * the volcano and the table, the CSV with provenance, cancel, gene plots (violin and dot), saving
 * the selection (named, as a category, as a cell-id CSV), and latent traversal with the path drawn
 * over the scatter. Screenshots go to test/output/ (compare.png, gene_plots.png, traverse.png).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, readFileSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { openBrowser, startServer, waitForReady, type BrowserSession } from './harness.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;
const OUT = 'test/output';

beforeAll(async () => {
  mkdirSync(OUT, { recursive: true });
  server = await startServer('dist');
  session = await openBrowser(server.url, { width: 1600, height: 1000 });
  await session.page.goto(server.url, { waitUntil: 'load' });
  await waitForReady(session.page);
});

afterAll(async () => {
  await session?.close();
  await server?.close();
});

/** The reference row of one gene (SciPy, make_de_reference.py). */
function referenceRow(gene: string): Record<string, number> {
  const lines = readFileSync('test/data/reference/de_pbmc3k_B_vs_rest.csv', 'utf8').trim().split('\n');
  const header = lines[0].split(',');
  const row = lines.find((l) => l.startsWith(`${gene},`))!.split(',');
  return Object.fromEntries(header.map((h, i) => [h, Number(row[i])]));
}

async function download(page: Page, click: () => Promise<void>): Promise<string> {
  const [d] = await Promise.all([page.waitForEvent('download'), click()]);
  return readFileSync((await d.path())!, 'utf8');
}

describe('select and compare', () => {
  it('selects the B cells by category and compares them with the rest in the worker', async () => {
    const { page } = session;
    await page.selectOption('[data-testid="select-column"]', 'label');
    const bIndex = await page.evaluate(() => {
      const g = (globalThis as unknown as { glasswing: { app: { dataset: { obs: Record<string, { categories: string[] }> } } } }).glasswing;
      return g.app.dataset.obs.label.categories.indexOf('B');
    });
    await page.selectOption('[data-testid="select-category"]', String(bIndex));
    await page.click('[data-testid="select-by-category"]');
    await expect.poll(() => page.textContent('[data-testid="selection-counts"]')).toMatch(/Selected: 344/);

    await page.click('[data-testid="tab-compare"]');
    await page.selectOption('[data-testid="group-a"]', 'selection');
    await page.selectOption('[data-testid="group-b"]', 'rest');
    await page.click('[data-testid="de-run"]');
    await page.waitForSelector('[data-testid="de-summary"]', { timeout: 60_000 });
    const summary = await page.textContent('[data-testid="de-summary"]');
    expect(summary).toMatch(/344 cells/);
    expect(summary).toMatch(/13,713 genes tested/);

    // The worker's numbers for the top markers are SciPy's.
    const rows = await page.evaluate(() => {
      type R = {
        symbols: string[];
        welchT: Float64Array;
        welchP: Float64Array;
        wilcoxonU: Float64Array;
        logfc: Float64Array;
        wilcoxonP: Float64Array;
      };
      const r = (globalThis as unknown as { glasswing: { app: { compare: { result: R } } } }).glasswing.app.compare.result;
      return ['MS4A1', 'CD79A', 'HLA-DRA', 'LYZ'].map((g) => {
        const i = r.symbols.indexOf(g);
        return { g, t: r.welchT[i], p: r.welchP[i], u: r.wilcoxonU[i], lfc: r.logfc[i], pw: r.wilcoxonP[i] };
      });
    });
    for (const row of rows) {
      const ref = referenceRow(row.g);
      expect(Math.abs(row.t - ref.welch_t) / Math.abs(ref.welch_t), row.g).toBeLessThan(1e-6);
      expect(Math.abs(row.lfc - ref.logfc) / Math.abs(ref.logfc), row.g).toBeLessThan(1e-6);
      if (ref.welch_p > 1e-300) expect(Math.abs(row.p - ref.welch_p) / ref.welch_p, row.g).toBeLessThan(1e-4);
      else expect(row.p, row.g).toBeLessThan(1e-295);
      expect(row.u, row.g).toBe(ref.wilcoxon_u);
      if (ref.wilcoxon_p > 1e-300) expect(Math.abs(row.pw - ref.wilcoxon_p) / ref.wilcoxon_p, row.g).toBeLessThan(1e-4);
    }
    // Ranked table: the B-cell markers lead.
    const top = await page.locator('[data-testid="de-row"] td.gene').allTextContents();
    expect(top.slice(0, 5)).toEqual(expect.arrayContaining(['CD79A', 'MS4A1']));
    expect(top.length).toBe(100);
  });

  it('draws a volcano with labelled genes and a hover readout', async () => {
    const { page } = session;
    const labels = await page.locator('[data-testid="volcano"] text[font-weight="600"]').allTextContents();
    expect(labels).toEqual(expect.arrayContaining(['CD79A']));
    expect(labels.length).toBeGreaterThanOrEqual(8);
    await page.hover('[data-testid="de-row"]:first-child');
    await expect.poll(() => page.textContent('[data-testid="volcano-tip"]')).toMatch(/log2FC/);
    await page.mouse.move(0, 0);
    await page.screenshot({ path: `${OUT}/compare.png` });
  });

  it('exports the table as CSV with provenance and every tested gene', async () => {
    const { page } = session;
    const csv = await download(page, () => page.click('[data-testid="de-csv"]'));
    const lines = csv.trim().split('\n');
    const comments = lines.filter((l) => l.startsWith('#'));
    expect(comments.join('\n')).toMatch(/dataset_sha256=[0-9a-f]{64}/);
    expect(comments.join('\n')).toMatch(/model_sha256=[0-9a-f]{64}/);
    expect(comments.join('\n')).toMatch(/method=Welch's t-test/);
    expect(comments.join('\n')).toMatch(/expression=log1p\(counts per 10,000\)/);
    const header = lines[comments.length];
    expect(header).toBe(
      'gene,n_a,n_b,mean_a,mean_b,frac_expressing_a,frac_expressing_b,logfc,welch_t,welch_df,welch_p,welch_p_bh,wilcoxon_u,wilcoxon_z,wilcoxon_p,wilcoxon_p_bh',
    );
    expect(lines.length - comments.length - 1).toBe(13713);
    const ms4a1 = lines.find((l) => l.startsWith('MS4A1,'))!.split(',');
    expect(Math.abs(Number(ms4a1[8]) - referenceRow('MS4A1').welch_t)).toBeLessThan(1e-5);
  });

  it('cancels a running comparison without an error and keeps the last result', async () => {
    const { page } = session;
    const state = await page.evaluate(async () => {
      type C = { run: () => Promise<void>; cancel: () => void; isRunning: boolean; error: string | null; result: { nA: number } | null };
      const g = (globalThis as unknown as { glasswing: { app: { compare: C; tasks: { label: string }[] } } }).glasswing;
      const running = g.app.compare.run();
      const hadTask = g.app.tasks.some((t) => t.label === 'Differential expression');
      g.app.compare.cancel();
      await running;
      return { hadTask, isRunning: g.app.compare.isRunning, error: g.app.compare.error, nA: g.app.compare.result?.nA ?? 0 };
    });
    expect(state).toEqual({ hadTask: true, isRunning: false, error: null, nA: 344 });
  });

  it('says what is wrong when a group is empty', async () => {
    const { page } = session;
    // The picker disables empty groups; the state can still hold one (e.g. a selection cleared after picking).
    await page.evaluate(() => {
      (globalThis as unknown as { glasswing: { app: { compare: { groupA: string } } } }).glasswing.app.compare.groupA = 'secondary';
    });
    await page.click('[data-testid="de-run"]');
    await expect.poll(() => page.textContent('[data-testid="de-error"]')).toMatch(/There is no second selection/);
    await page.selectOption('[data-testid="group-a"]', 'selection');
  });

  it('plots genes as violins and dots across cell types; clicking a gene colours the cells by it', async () => {
    const { page } = session;
    await page.click('[data-testid="de-row"]:first-child');
    await expect
      .poll(() => page.evaluate(() => (globalThis as unknown as { glasswing: { app: { colorBy: string } } }).glasswing.app.colorBy))
      .toMatch(/^gene:/);
    await page.fill('[data-testid="plot-gene-input"]', 'LYZ');
    await page.press('[data-testid="plot-gene-input"]', 'Enter');
    await page.fill('[data-testid="plot-gene-input"]', 'NKG7');
    await page.press('[data-testid="plot-gene-input"]', 'Enter');
    await page.selectOption('[data-testid="plot-grouping"]', 'column:label');
    await page.waitForFunction(() => document.querySelectorAll('[data-testid="gene-plot-svg"] path').length > 0);
    const nGenes = await page.locator('.chip').count();
    // One violin per gene and cell type (9 types).
    await expect.poll(() => page.locator('[data-testid="gene-plot-svg"] path').count()).toBe(nGenes * 9);
    await page.fill('[data-testid="plot-gene-input"]', 'NOTAGENE');
    await page.press('[data-testid="plot-gene-input"]', 'Enter');
    await expect.poll(() => page.textContent('[data-testid="gene-plots"]')).toMatch(/NOTAGENE is not a gene of this dataset/);
    await page.fill('[data-testid="plot-gene-input"]', '');
    await page.locator('[data-testid="gene-plots"]').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${OUT}/gene_plots.png` });
    await page.click('[data-testid="gene-plots"] .segmented button:nth-child(2)');
    await expect.poll(() => page.getAttribute('[data-testid="gene-plot-svg"]', 'data-kind')).toBe('dot');
    // Dots: one per gene and type; LYZ is expressed by nearly every CD14+ monocyte, hardly any B cell.
    const dots = await page.evaluate(() => {
      type P = { genes: string[]; groups: string[]; summaries: { groups: { fracExpressing: number }[] }[] };
      const p = (globalThis as unknown as { glasswing: { app: { compare: { plots: P } } } }).glasswing.app.compare.plots;
      const k = p.genes.indexOf('LYZ');
      return {
        mono: p.summaries[k].groups[p.groups.indexOf('CD14+ Mono')].fracExpressing,
        b: p.summaries[k].groups[p.groups.indexOf('B')].fracExpressing,
      };
    });
    expect(dots.mono).toBeGreaterThan(0.95);
    expect(dots.b).toBeLessThan(dots.mono);
    expect(await page.locator('[data-testid="gene-plot-svg"] circle').count()).toBeGreaterThanOrEqual(nGenes * 9);
    await page.screenshot({ path: `${OUT}/gene_plots_dot.png` });
  });

  it('saves the selection by name, as a category column, and as a cell-id CSV; deletes a saved one', async () => {
    const { page } = session;
    await page.fill('[data-testid="selection-name"]', 'B cells');
    const csv = await download(page, () => page.click('[data-testid="selection-export"]'));
    const lines = csv.trim().split('\n');
    expect(lines.filter((l) => l.startsWith('#')).join('\n')).toMatch(/selection=B cells/);
    const rows = lines.filter((l) => !l.startsWith('#'));
    expect(rows[0]).toBe('row,cell_id');
    expect(rows.length - 1).toBe(344);
    await page.click('[data-testid="selection-as-category"]');
    await expect
      .poll(() => page.locator('select[aria-label="Colour by"] option').allTextContents())
      .toEqual(expect.arrayContaining(['annotation']));
    await page.click('[data-testid="selection-save"]');
    await expect.poll(() => page.locator('[data-testid="saved-selection-list"] li').count()).toBe(1);
    expect(await page.textContent('[data-testid="saved-selection-list"]')).toMatch(/B cells\s*344/);
    // The saved selection and the new category are groups for Compare.
    const groupTexts = await page.locator('[data-testid="group-a"] option').allTextContents();
    expect(groupTexts).toEqual(expect.arrayContaining(['B cells (344)']));
    await page.click('[data-testid="saved-delete"]');
    await expect.poll(() => page.locator('[data-testid="saved-selection-list"] li').count()).toBe(0);
    // A column of the file is never overwritten.
    await page.fill('[data-testid="annotation-column"]', 'label');
    await page.click('[data-testid="selection-as-category"]');
    await expect.poll(() => page.textContent('[data-testid="selections-section"]')).toMatch(/label is a column of the file/);
  });
});

describe('latent traversal', () => {
  it('walks from the B centroid to the CD14+ monocyte centroid with the decoder running live', async () => {
    const { page } = session;
    await page.click('[data-testid="tab-traverse"]');
    await page.click('[data-testid="mode-line"]');
    const keys = await page.evaluate(() => {
      type O = { key: string; label: string; section: string };
      const opts = [...document.querySelectorAll<HTMLOptionElement>('[data-testid="traverse-from"] option')].map((o) => ({
        key: o.value,
        label: o.textContent ?? '',
        section: (o.parentElement as HTMLOptGroupElement).label,
      })) as O[];
      const pick = (name: string) => opts.find((o) => o.section === 'Cell type (file)' && o.label.startsWith(`${name} (`))!.key;
      return { b: pick('B'), mono: pick('CD14+ Mono') };
    });
    await page.selectOption('[data-testid="traverse-from"]', keys.b);
    await page.selectOption('[data-testid="traverse-to"]', keys.mono);
    await page.waitForSelector('[data-testid="traverse-slider"]');
    await page.waitForSelector('[data-testid="traverse-strip"]');
    // Slide to the monocyte end: decoded LYZ rises, CD79A falls (the biggest changes).
    await page.evaluate(() => {
      const el = document.querySelector<HTMLInputElement>('[data-testid="traverse-slider"]')!;
      el.value = '1';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expect.poll(() => page.textContent('[data-testid="traverse-t"]')).toBe('1.00');
    await expect
      .poll(() =>
        page.evaluate(
          () =>
            (globalThis as unknown as { glasswing: { app: { traverse: { decodeMs: number | null } } } }).glasswing.app.traverse.decodeMs,
        ),
      )
      .not.toBeNull();
    const changes = await page.evaluate(
      () =>
        (globalThis as unknown as { glasswing: { app: { traverse: { changes: { gene: string; change: number }[] } } } }).glasswing.app
          .traverse.changes,
    );
    expect(changes).toHaveLength(15);
    const byGene = new Map(changes.map((c) => [c.gene, c.change]));
    expect(byGene.get('LYZ') ?? 0).toBeGreaterThan(1);
    expect([...byGene.values()].some((v) => v < 0)).toBe(true);
    // Decoding at t = 1 equals decoding the monocyte centroid directly in the worker.
    const agree = await page.evaluate(async () => {
      type G = {
        app: {
          latent: { z: Float32Array; latentDim: number };
          traverse: { now: Float32Array };
          dataset: { obs: Record<string, { categories: string[]; codes: Int32Array }> };
        };
        engine: { decodeLatent: (id: number, z: Float32Array) => Promise<{ decoded: Float32Array }> };
      };
      const g = (globalThis as unknown as { glasswing: G }).glasswing;
      const { z, latentDim } = g.app.latent;
      const lab = g.app.dataset.obs.label;
      const code = lab.categories.indexOf('CD14+ Mono');
      const mean = new Float32Array(latentDim);
      let n = 0;
      lab.codes.forEach((c, i) => {
        if (c !== code) return;
        n++;
        for (let d = 0; d < latentDim; d++) mean[d] += z[i * latentDim + d];
      });
      for (let d = 0; d < latentDim; d++) mean[d] /= n;
      const { decoded } = await g.engine.decodeLatent(-7, mean);
      let worst = 0;
      for (let j = 0; j < decoded.length; j++) worst = Math.max(worst, Math.abs(decoded[j] - g.app.traverse.now[j]));
      return worst;
    });
    expect(agree).toBeLessThan(1e-4);
    // The path is drawn over the scatter, exactly (the layout is the latent PCA).
    await page.waitForSelector('[data-testid="traverse-overlay"] path');
    expect(await page.textContent('[data-testid="traverse-overlay-note"]')).toMatch(/exact/);
    await page.evaluate(() => {
      const el = document.querySelector<HTMLInputElement>('[data-testid="traverse-slider"]')!;
      el.value = '0.6';
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    await expect.poll(() => page.textContent('[data-testid="traverse-t"]')).toBe('0.60');
    await page.waitForTimeout(300);
    await page.screenshot({ path: `${OUT}/traverse.png` });
    expect(session.foreign).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
