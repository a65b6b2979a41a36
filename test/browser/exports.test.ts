/**
 * Exports, audited in headless Chromium (issue 7):
 *  1. every table the UI can show has a CSV button; each CSV carries the provenance header lines
 *     and exactly the rows the table stands for (its `data-csv-rows`: all of them where the table
 *     shows the top ones, which the UI says), with the shown rows first and in the same order;
 *  2. a scatter of more than 50,000 cells exports as SVG with the points embedded as one raster
 *     <image> (it decodes, has the plot's size times the scale, and is not blank), vector axes,
 *     legend and title, a sentence saying the points are rasterised, and provenance metadata.
 * The README's Export section lists the same tables.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Download, Page } from 'playwright-core';
import { openBrowser, startServer, waitForReady, type BrowserSession } from './harness.ts';
import { LARGE_CLUSTERS, writeLargeScatterH5ad } from '../../scripts/make_large_scatter_fixture.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;
let tmp = '';
let largeFile = '';
let perCluster: number[] = [];

type Handle = {
  glasswing: {
    app: {
      dataset: { hash: string; nCells: number; cellIds: string[]; obs: Record<string, { categories: string[]; codes: Int32Array }> };
      latentPca: unknown;
      selection: { primary: Uint8Array | null };
      compare: { plots: { genes: string[]; groups: string[] } | null };
    };
    scatter: { screenPositionOf(i: number): [number, number] | null };
  };
};

/** Splits one CSV line (fields may be quoted, with "" for a quote). */
function splitCsv(line: string): string[] {
  const out: string[] = [];
  let field = '';
  let isQuoted = false;
  for (let k = 0; k < line.length; k++) {
    const ch = line[k];
    if (isQuoted && ch === '"' && line[k + 1] === '"') {
      field += '"';
      k++;
    } else if (ch === '"') isQuoted = !isQuoted;
    else if (ch === ',' && !isQuoted) {
      out.push(field);
      field = '';
    } else field += ch;
  }
  out.push(field);
  return out;
}

/** Clicks `selector` and returns the CSV it downloads, split into provenance lines, header and rows; checks the provenance. */
async function csvFrom(
  page: Page,
  selector: string,
  datasetHash: string,
): Promise<{ name: string; meta: string; header: string[]; rows: string[][] }> {
  const [dl] = await Promise.all([page.waitForEvent('download', { timeout: 60_000 }) as Promise<Download>, page.click(selector)]);
  const text = readFileSync((await dl.path())!, 'utf8');
  const lines = text.replace(/\n$/, '').split('\n');
  const meta = lines.filter((l) => l.startsWith('#'));
  const body = lines.filter((l) => !l.startsWith('#'));
  // A title line, then provenance: app version, dataset and model hashes, the date.
  expect(meta[0], selector).toMatch(/^# Glasswing|^# (Cell ids|Differential|TF activity)/);
  const m = meta.join('\n');
  expect(m, selector).toMatch(/app=glasswing \S+/);
  expect(m, selector).toContain(`dataset_sha256=${datasetHash}`);
  expect(m, selector).toMatch(/models?_sha256=[0-9a-f]{64}/);
  expect(m, selector).toMatch(/date=\d{4}-\d\d-\d\dT\d\d:\d\d/);
  return { name: dl.suggestedFilename(), meta: m, header: splitCsv(body[0]), rows: body.slice(1).map(splitCsv) };
}

/** What a table shows: its row count in the CSV (`data-csv-rows`) and the keys of the rows on screen, in order. */
async function shown(page: Page, table: string, keySelector: string): Promise<{ total: number; keys: string[] }> {
  await page.waitForSelector(`${table} ${keySelector}`, { timeout: 120_000 });
  return page.evaluate(
    ({ table, keySelector }) => {
      const el = document.querySelector<HTMLElement | SVGElement>(table)!;
      return {
        total: Number(el.getAttribute('data-csv-rows')),
        keys: [...el.querySelectorAll(keySelector)].map((k) =>
          (k.getAttribute('data-gene') ?? k.textContent ?? '').trim().replace(/\*$/, ''),
        ),
      };
    },
    { table, keySelector },
  );
}

/** The CSV has the table's rows: as many as it stands for, the shown ones first, in order. */
function expectSameRows(csv: { rows: string[][] }, table: { total: number; keys: string[] }, keyColumn: number, what: string): void {
  expect(table.keys.length, what).toBeGreaterThan(0);
  expect(table.total, what).toBeGreaterThanOrEqual(table.keys.length);
  expect(csv.rows.length, what).toBe(table.total);
  expect(
    csv.rows.slice(0, table.keys.length).map((r) => r[keyColumn]),
    what,
  ).toEqual(table.keys);
}

beforeAll(async () => {
  tmp = mkdtempSync(join(tmpdir(), 'glasswing-exports-'));
  largeFile = join(tmp, 'large_60k.h5ad');
  perCluster = (await writeLargeScatterH5ad(largeFile, 60_000)).perCluster;
  server = await startServer('dist');
  session = await openBrowser(server.url, { width: 1600, height: 1000 });
  await session.page.goto(server.url, { waitUntil: 'load' });
  await waitForReady(session.page);
  await session.page.waitForSelector('[data-testid="latent-scatter"][data-animating="false"]');
});

afterAll(async () => {
  await session?.close();
  await server?.close();
  if (tmp) rmSync(tmp, { recursive: true, force: true });
});

describe('CSV export of every table', () => {
  it('writes provenance and the same rows as each table: Explain, selection, annotations, legend, attribution, Jacobian, DE, gene plots, traversal, TF activity', async () => {
    const { page } = session;
    const hash = await page.evaluate(() => (globalThis as unknown as Handle).glasswing.app.dataset.hash);
    const audited: string[] = [];

    // Explain: the clicked cell's top genes (bars); the CSV has every model gene.
    const box = (await page.locator('[data-testid="latent-scatter"]').boundingBox())!;
    const at = (await page.evaluate(() => (globalThis as unknown as Handle).glasswing.scatter.screenPositionOf(0)))!;
    await page.mouse.click(box.x + at[0], box.y + at[1]);
    const ig = await shown(page, '[data-testid="ig-bars"]', '.gene-row');
    expectSameRows(await csvFrom(page, '[data-testid="explain-csv"]', hash), ig, 0, 'Explain top genes');
    expect(ig.total).toBe(2000);
    audited.push('explain');

    // Select the B cells by category: the selection's cell ids.
    const bIndex = await page.evaluate(() => (globalThis as unknown as Handle).glasswing.app.dataset.obs.label.categories.indexOf('B'));
    await page.selectOption('[data-testid="select-column"]', 'label');
    await page.selectOption('[data-testid="select-category"]', String(bIndex));
    await page.click('[data-testid="select-by-category"]');
    await expect.poll(() => page.textContent('[data-testid="selection-counts"]')).toMatch(/Selected: 344/);
    await page.fill('[data-testid="selection-name"]', 'B, by label');
    const ids = await csvFrom(page, '[data-testid="selection-export"]', hash);
    const expectedIds = await page.evaluate(() => {
      const { app } = (globalThis as unknown as Handle).glasswing;
      return app.dataset.cellIds.filter((_, i) => app.selection.primary![i] === 1);
    });
    expect(ids.rows.map((r) => r[1])).toEqual(expectedIds);
    audited.push('selection cell ids');

    // Saved selections, cluster names and gene notes: one annotations CSV, one row per listed item.
    await page.click('[data-testid="selection-save"]');
    await page.evaluate(() => ((document.querySelector('[data-testid="annotations-section"]') as HTMLDetailsElement).open = true));
    await page.selectOption('select[aria-label="Cluster to name"]', 'NK');
    await page.fill('input[aria-label="Name for the cluster"]', 'natural killers');
    await page.click('[data-testid="name-cluster"]');
    await page.fill('[data-testid="gene-note-gene"]', 'MS4A1');
    await page.click('[data-testid="save-gene-note"]');
    const listed = await page.evaluate(() =>
      ['saved-selection-list', 'cluster-notes', 'gene-notes'].map((id) => document.querySelectorAll(`[data-testid="${id}"] li`).length),
    );
    expect(listed).toEqual([1, 1, 1]);
    const ann = await csvFrom(page, '[data-testid="export-annotations"]', hash);
    expect(ann.rows.map((r) => r[0])).toEqual(['selection', 'cluster', 'gene']);
    expect(ann.rows.map((r) => r[2])).toEqual(['B, by label', 'natural killers', 'MS4A1']);
    audited.push('annotations');

    // The legend's categories and counts (with the cluster's new name beside the file's).
    const legend = await page.evaluate(() =>
      [...document.querySelectorAll('[data-testid="legend-entry"]')].map((e) => [
        e.querySelector('.name')!.textContent!.trim(),
        Number(e.querySelector('.n')!.textContent!.replace(/,/g, '')),
      ]),
    );
    const leg = await csvFrom(page, '[data-testid="legend-csv"]', hash);
    expect(leg.rows.length).toBe(Number(await page.getAttribute('[data-testid="legend"]', 'data-csv-rows')));
    expect(leg.rows.map((r) => [r[1] ? `${r[1]} (${r[0]})` : r[0], Number(r[2])])).toEqual(legend);
    audited.push('legend');

    // Groups & model: the selection's attribution (top 20 shown, all genes in the CSV), then the decoder Jacobian.
    await page.click('[data-testid="tab-groups"]');
    await page.selectOption('[data-testid="attr-method"]', 'gradxinput');
    await page.selectOption('[data-testid="attr-scope"]', 'selection');
    await page.click('[data-testid="attr-explain"]');
    const attrTable = await shown(page, '[data-testid="attr-table"]', 'tbody td.gene');
    expectSameRows(await csvFrom(page, '[data-testid="attr-csv"]', hash), attrTable, 1, 'selection attribution');
    await page.click('[data-testid="attr-jacobian"]');
    const jac = await shown(page, '[data-testid="jacobian-table"]', 'tbody td.gene');
    expectSameRows(await csvFrom(page, '[data-testid="jacobian-csv"]', hash), jac, 1, 'decoder Jacobian');
    audited.push('selection attribution', 'decoder Jacobian');

    // Compare: DE of the selection against the rest (200 rows shown, every gene in the CSV), then the gene plots' summaries.
    await page.click('[data-testid="tab-compare"]');
    await page.selectOption('[data-testid="group-a"]', 'selection');
    await page.selectOption('[data-testid="group-b"]', 'rest');
    await page.click('[data-testid="de-run"]');
    const de = await shown(page, '[data-testid="de-table"]', 'tbody td.gene');
    expect(de.total).toBe(13_713);
    expectSameRows(await csvFrom(page, '[data-testid="de-csv"]', hash), de, 0, 'DE');
    await page.waitForSelector('[data-testid="gene-plot-svg"]', { timeout: 60_000 });
    const plots = await page.evaluate(() => (globalThis as unknown as Handle).glasswing.app.compare.plots!);
    const plotCsv = await csvFrom(page, '[data-testid="gene-plots-csv"]', hash);
    expect(plotCsv.rows.length).toBe(Number(await page.getAttribute('[data-testid="gene-plot-svg"]', 'data-csv-rows')));
    expect(plotCsv.rows.map((r) => `${r[0]}|${r[1]}`)).toEqual(plots.genes.flatMap((g) => plots.groups.map((grp) => `${g}|${grp}`)));
    // Group sizes add up to every cell for each gene.
    expect(plotCsv.rows.slice(0, plots.groups.length).reduce((a, r) => a + Number(r[2]), 0)).toBe(2638);
    audited.push('DE', 'gene plots');

    // Traverse: move the slider to the end; the bars (top genes) and the heat strip.
    await page.click('[data-testid="tab-traverse"]');
    await page.waitForSelector('[data-testid="traverse-slider"]', { timeout: 60_000 });
    await page.evaluate(() => {
      const el = document.querySelector<HTMLInputElement>('[data-testid="traverse-slider"]')!;
      el.value = el.max;
      el.dispatchEvent(new Event('input', { bubbles: true }));
    });
    const bars = await shown(page, '[data-testid="traverse-bars"]', 'text.gene');
    expectSameRows(await csvFrom(page, '[data-testid="traverse-csv"]', hash), bars, 1, 'traversal genes');
    const strip = await shown(page, '[data-testid="traverse-strip"]', 'text.gene');
    expectSameRows(await csvFrom(page, '[data-testid="traverse-strip-csv"]', hash), strip, 0, 'traversal strip');
    audited.push('traversal genes', 'traversal strip');

    // TF activity of the selection against the rest (top 40 shown, every TF in the CSV).
    await page.click('[data-testid="tf-activity-run"]');
    const tf = await shown(page, '[data-testid="tf-activity-table"]', 'tbody td:first-child');
    expectSameRows(await csvFrom(page, '[data-testid="tf-activity-csv"]', hash), tf, 0, 'TF activity');
    audited.push('TF activity');

    expect(audited).toHaveLength(11);
    expect(session.pageErrors).toEqual([]);
    expect(session.foreign).toEqual([]);
  });
});

describe('SVG export above 50,000 cells', () => {
  it('embeds the 60,000 points as one raster image, with vector axes, legend and title, and provenance', async () => {
    const { page } = session;
    await page.setInputFiles('[data-testid="file-input"]', largeFile);
    await page.waitForFunction(
      () => {
        const g = (globalThis as unknown as Handle).glasswing;
        return g.app.dataset?.nCells === 60_000 && g.app.latentPca !== null;
      },
      undefined,
      { timeout: 300_000, polling: 500 },
    );
    // Draw the file's own embedding (every cell) coloured by its clusters.
    await page.click('[data-testid="layout-obsm:X_umap"]');
    await page.selectOption('select[aria-label="Colour by"]', 'label');
    await page.waitForSelector('[data-testid="latent-scatter"][data-points="60000"][data-animating="false"]', { timeout: 60_000 });
    const hash = await page.evaluate(() => (globalThis as unknown as Handle).glasswing.app.dataset.hash);

    await page.click('[data-testid="export-scatter"] summary');
    const [dl] = await Promise.all([
      page.waitForEvent('download', { timeout: 120_000 }) as Promise<Download>,
      page.click('[data-testid="export-scatter-svg"]'),
    ]);
    await page.click('[data-testid="export-scatter"] summary');
    const svg = readFileSync((await dl.path())!, 'utf8');

    // Points: one embedded PNG, no circle per cell (only the legend's swatches).
    const images = [...svg.matchAll(/<image x="0" y="0" width="([\d.]+)" height="([\d.]+)" href="(data:image\/png;base64,[^"]+)"/g)];
    expect(images).toHaveLength(1);
    expect((svg.match(/<circle /g) ?? []).length).toBe(LARGE_CLUSTERS.length);
    expect(svg).toContain(
      '<desc>The 60000 cells are embedded as one raster image (more than 50000 cells would make a vector file too large to open); axes, legend and title are vector.</desc>',
    );
    const [, plotW, plotH, href] = images[0];
    // The raster decodes at the plot's size times the export scale (2×), and holds the clusters' colours.
    const raster = await page.evaluate(async (src) => {
      const img = new Image();
      img.src = src;
      await img.decode();
      const c = document.createElement('canvas');
      c.width = img.naturalWidth;
      c.height = img.naturalHeight;
      const ctx = c.getContext('2d')!;
      ctx.drawImage(img, 0, 0);
      const px = ctx.getImageData(0, 0, c.width, c.height).data;
      let covered = 0;
      const colours = new Set<string>();
      // getImageData un-premultiplies: a pixel covered by discs of one colour reads back as that colour.
      for (let k = 0; k < px.length; k += 4)
        if (px[k + 3] > 100) {
          covered++;
          colours.add(`${px[k]},${px[k + 1]},${px[k + 2]}`);
        }
      return { w: c.width, h: c.height, covered: covered / (c.width * c.height), colours: [...colours] };
    }, href);
    expect([raster.w, raster.h]).toEqual([Math.round(Number(plotW) * 2), Math.round(Number(plotH) * 2)]);
    expect(raster.covered).toBeGreaterThan(0.02);
    const palette = [...svg.matchAll(/<g transform="translate\(0,\d+\)"[^>]*>\n<circle [^>]*fill="#([0-9a-fA-F]{6})"/g)].map((m) =>
      [0, 2, 4].map((k) => parseInt(m[1].slice(k, k + 2), 16)).join(','),
    );
    expect(palette).toHaveLength(LARGE_CLUSTERS.length);
    const near = (p: string, q: string) => {
      const [a, b] = [p.split(',').map(Number), q.split(',').map(Number)];
      return a.every((v, k) => Math.abs(v - b[k]) <= 3);
    };
    for (const c of palette)
      expect(
        raster.colours.some((r) => near(r, c)),
        `cluster colour ${c}`,
      ).toBe(true);

    // Vector title, axes (ticks and labels) and legend with every cluster and its count.
    expect(svg).toMatch(/<text x="16" y="26"[^>]*>large_60k[^<]*<\/text>/);
    expect((svg.match(/<text x="[\d.-]+" y="[\d.]+" font-size="10" text-anchor="middle"/g) ?? []).length).toBeGreaterThan(3);
    expect((svg.match(/<text x="-8" y="[\d.-]+" font-size="10" text-anchor="end"/g) ?? []).length).toBeGreaterThan(3);
    expect(svg).toContain('UMAP 1 (file)');
    expect(svg).toContain('UMAP 2 (file)');
    LARGE_CLUSTERS.forEach((name, c) => {
      expect(svg).toContain(`>${name} <tspan`);
      expect(svg).toContain(`>(${perCluster[c].toLocaleString('en-US')})</tspan>`);
    });
    // Provenance in <metadata>.
    expect(svg).toContain('<metadata');
    expect(svg).toContain(`key="dataset_sha256" value="${hash}"`);
    expect(svg).toMatch(/key="app" value="glasswing [^"]+"/);
    expect(svg).toMatch(/key="n_cells" value="60000"/);
    expect(session.pageErrors).toEqual([]);
    expect(session.foreign).toEqual([]);
  });
});
