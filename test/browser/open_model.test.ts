/**
 * Opening the user's own model in the app, through the Model section's file input and by dropping
 * files on the page: the bundled classifier's own files (with its manifest, and without it plus a
 * gene list) predict exactly what the bundled model does; the hand-written GraphModel fixture runs
 * on pbmc3k's genes and matches the same model run here in Node; bad models show their sentence and
 * the previous model keeps working; a regressor's outputs become colour columns and an embedding a
 * layout, both equal to Node and explained with complete IG; a classifier whose genes are a reordered
 * subset of the VAE's leaves the VAE's attributions unchanged (each model reads its own input).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { copyFileSync, cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import type { Page } from 'playwright-core';
import { openBrowser, startServer, waitForReady, type BrowserSession } from './harness.ts';
import { loadUserModel } from '../../src/core/model/load_model.ts';
import { decodeCompact, type CompactHeader } from '../../src/core/data/compact_format.ts';
import { alignGenes, modelInput } from '../../src/core/data/preprocess.ts';
import type { Manifest } from '../../src/core/model/manifest.ts';
import { loadLayersModelFromDisk } from '../../scripts/node_tf.ts';

let server: Awaited<ReturnType<typeof startServer>>;
let session: BrowserSession;
let dir: string;
let bundled: { probabilities: number[]; hash: string; classes: string[]; z: number[] };

interface AppView {
  status: string;
  errors: string[];
  geneListPrompt: string | null;
  models: {
    modelHash: string;
    classifier: { name: string; input: { genes: string[] }; output: { classes: string[] } };
    source?: { classifier: string; vae: string };
    assumptions?: string[];
    format?: string;
  } | null;
  predictions: { probabilities: Float32Array; predicted: Int32Array; fromCache: boolean } | null;
  latent: { z: Float32Array } | null;
}
type G = { glasswing: { app: AppView & { explainCell(c: number): Promise<void>; explain: unknown } } };

const snapshot = (page: Page) =>
  page.evaluate(() => {
    const app = (globalThis as unknown as G).glasswing.app;
    return {
      status: app.status,
      errors: [...app.errors],
      geneListPrompt: app.geneListPrompt,
      hash: app.models?.modelHash ?? '',
      name: app.models?.classifier.name ?? '',
      classes: app.models?.classifier.output.classes ?? [],
      nGenes: app.models?.classifier.input.genes.length ?? 0,
      source: app.models?.source ?? null,
      format: app.models?.format ?? null,
      assumptions: app.models?.assumptions ?? [],
      probabilities: [...(app.predictions?.probabilities ?? [])],
      fromCache: app.predictions?.fromCache ?? null,
      hasLatent: (app.latent?.z.length ?? 0) > 0,
      z: [...(app.latent?.z ?? [])],
      alertText: document.querySelector('[role="alert"]')?.textContent ?? '',
      pickerText: document.querySelector('[data-testid="model-picker"]')?.textContent ?? '',
    };
  });

/**
 * Picks `files` in the Model section's input (or the gene-list input) and waits until the app is
 * Ready on a new model, shows a new error, or asks for a gene list.
 */
async function pick(page: Page, files: string[], input = 'model-input'): Promise<Awaited<ReturnType<typeof snapshot>>> {
  return afterModelAction(page, () => page.setInputFiles(`[data-testid="${input}"]`, files));
}

/** Runs `action` (picking or dropping model files), then waits as `pick` describes. */
async function afterModelAction(page: Page, action: () => Promise<void>): Promise<Awaited<ReturnType<typeof snapshot>>> {
  const before = await snapshot(page);
  await action();
  await page.waitForFunction(
    ({ hash, nErrors }) => {
      const app = (globalThis as unknown as G).glasswing.app;
      if (app.errors.length > nErrors || app.geneListPrompt) return true;
      return app.status.startsWith('Ready') && (app.models?.modelHash ?? '') !== hash && app.predictions !== null && app.latent !== null;
    },
    { hash: before.hash, nErrors: before.errors.length },
    { timeout: 240_000, polling: 250 },
  );
  return snapshot(page);
}

const maxAbsDiff = (a: number[], b: number[]) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

beforeAll(async () => {
  // Node-side reference runs on cpu (importing node_tf.ts registers wasm, which would otherwise be picked uninitialised).
  await tf.setBackend('cpu');
  dir = mkdtempSync(join(tmpdir(), 'glasswing-open-model-'));
  const cls = 'models/pbmc3k-classifier';
  const genes = (JSON.parse(readFileSync(join(cls, 'manifest.json'), 'utf8')) as { input: { genes: string[] } }).input.genes;
  writeFileSync(join(dir, 'genes.txt'), genes.join('\n') + '\n');
  writeFileSync(join(dir, 'short_genes.txt'), genes.slice(0, 100).join('\n') + '\n');
  for (const f of ['model.json', 'weights.bin', 'manifest.json']) copyFileSync(join(cls, f), join(dir, f));
  cpSync('models/pbmc3k-vae', join(dir, 'pbmc3k-vae'), { recursive: true });
  server = await startServer('dist');
  session = await openBrowser(server.url);
  await session.page.goto(server.url, { waitUntil: 'load' });
  await waitForReady(session.page);
  const s = await snapshot(session.page);
  bundled = { probabilities: s.probabilities, hash: s.hash, classes: s.classes, z: s.z };
});

afterAll(async () => {
  await session?.close();
  await server?.close();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('opening your own model', () => {
  it('the bundled classifier opened from its files with manifest.json predicts exactly what the bundled model does, under a new hash', async () => {
    const s = await pick(
      session.page,
      ['model.json', 'weights.bin', 'manifest.json'].map((f) => join(dir, f)),
    );
    expect(s.errors).toEqual([]);
    expect(s.source).toEqual({ classifier: 'user', vae: 'bundled' });
    expect(s.hash).not.toBe(bundled.hash);
    // A new hash: computed, not read from the cache filled by the bundled model.
    expect(s.fromCache).toBe(false);
    expect(s.classes).toEqual(bundled.classes);
    expect(s.probabilities.length).toBe(2638 * bundled.classes.length);
    expect(maxAbsDiff(s.probabilities, bundled.probabilities)).toBeLessThan(1e-6);
    expect(s.hasLatent).toBe(true);
    expect(s.pickerText).toContain('yours');
  });

  it('without manifest.json the app asks for the gene list, then says what it assumed; predictions still equal', async () => {
    const asked = await pick(
      session.page,
      ['model.json', 'weights.bin'].map((f) => join(dir, f)),
    );
    expect(asked.errors).toEqual([]);
    expect(asked.geneListPrompt).toMatch(/no manifest\.json.*gene list.*2,000 input genes/);
    expect(await session.page.isVisible('[data-testid="gene-list-prompt"]')).toBe(true);
    const s = await pick(session.page, [join(dir, 'genes.txt')], 'gene-list-input');
    expect(s.errors).toEqual([]);
    expect(s.geneListPrompt).toBeNull();
    expect(s.classes).toEqual(bundled.classes.map((_, i) => `class ${i + 1}`));
    const shown = await session.page.textContent('[data-testid="model-assumptions"]');
    expect(shown).toContain('No manifest.json came with the model');
    expect(shown).toContain('log1p of counts per 10,000');
    expect(shown).toContain('treated as class logits');
    expect(maxAbsDiff(s.probabilities, bundled.probabilities)).toBeLessThan(1e-6);
  });

  it('the hand-written GraphModel (6 pbmc3k genes, softmax output) runs in the app and matches tfjs in Node; IG is complete', async () => {
    const fx = 'test/fixtures/graph_model';
    const s = await pick(session.page, [join(fx, 'model.json'), join(fx, 'weights.bin'), join(fx, 'genes.txt')]);
    expect(s.errors).toEqual([]);
    expect(s.format).toBe('graph-model');
    expect(s.nGenes).toBe(6);
    expect(s.assumptions.join(' ')).toContain('class probabilities');
    await session.page.screenshot({ path: join(tmpdir(), 'glasswing-open-graph-model.png') });
    const k = s.classes.length;
    expect(s.probabilities.length).toBe(2638 * k);
    // Explain a cell: its top genes carry the model input, which is run through the same model here.
    const cell = 5;
    const explain = await session.page.evaluate(async (c) => {
      const app = (globalThis as unknown as G).glasswing.app;
      await app.explainCell(c);
      const e = app.explain as { top: { gene: string; expression: number }[]; attributions: Float32Array; fx: number; fBaseline: number };
      return { top: e.top, sum: [...e.attributions].reduce((a, b) => a + b, 0), fx: e.fx, fBaseline: e.fBaseline };
    }, cell);
    const genes = readFileSync(join(fx, 'genes.txt'), 'utf8').trim().split('\n');
    const x = genes.map((g) => explain.top.find((t) => t.gene === g)!.expression);
    expect(x.some((v) => v > 0)).toBe(true);
    const files = new Map<string, ArrayBuffer>(
      ['model.json', 'weights.bin'].map((f) => {
        const b = readFileSync(join(fx, f));
        return [f, b.buffer.slice(b.byteOffset, b.byteOffset + b.byteLength)];
      }),
    );
    const model = await loadUserModel(tf, files);
    const expected = [...tf.tidy(() => model.fn(tf.tensor2d(x, [1, 6]) as Tensor2D).dataSync())];
    model.dispose();
    expect(maxAbsDiff(s.probabilities.slice(cell * k, cell * k + k), expected)).toBeLessThan(1e-5);
    // Completeness of integrated gradients on the explained log-probability.
    expect(Math.abs(explain.sum - (explain.fx - explain.fBaseline))).toBeLessThan(
      0.02 * Math.max(1, Math.abs(explain.fx - explain.fBaseline)),
    );
  });

  it('bad models show their sentence and the previous model keeps working', async () => {
    const before = await snapshot(session.page);
    const missing = await pick(session.page, [join(dir, 'model.json'), join(dir, 'manifest.json')]);
    expect(missing.errors.at(-1)).toBe(
      'model.json lists the weight shard weights.bin, which is missing; add every .bin file that sits next to model.json.',
    );
    expect(missing.alertText).toContain('which is missing');
    const short = await pick(session.page, [join(dir, 'model.json'), join(dir, 'weights.bin'), join(dir, 'short_genes.txt')]);
    expect(short.errors.at(-1)).toBe(
      'The model takes 2,000 inputs but the gene list short_genes.txt has 100 genes; give the list the model was trained on, in its input order.',
    );
    expect(short.hash).toBe(before.hash);
    expect(short.format).toBe('graph-model');
    // Still working: explaining a cell runs on the previous (graph) model.
    const explained = await session.page.evaluate(async () => {
      const app = (globalThis as unknown as G).glasswing.app;
      await app.explainCell(7);
      return (app.explain as { top: unknown[] } | null)?.top.length ?? 0;
    });
    expect(explained).toBe(6);
    // And back to the bundled models: the bundled hash and predictions again.
    await session.page.click('[data-testid="bundled-models"]');
    await session.page.waitForFunction(
      (hash) => {
        const app = (globalThis as unknown as G).glasswing.app;
        return app.models?.modelHash === hash && app.status.startsWith('Ready') && app.predictions !== null;
      },
      bundled.hash,
      { timeout: 240_000, polling: 250 },
    );
    const back = await snapshot(session.page);
    expect(maxAbsDiff(back.probabilities, bundled.probabilities)).toBeLessThan(1e-6);
  });

  it('a VAE folder (manifest.json, encoder/, decoder/, MODEL.md) opened with "Model folder…" becomes the active VAE; the classifier stays', async () => {
    const s = await pick(session.page, [join(dir, 'pbmc3k-vae')], 'model-folder-input');
    expect(s.errors.filter((e) => !/missing|short_genes/.test(e))).toEqual([]);
    expect(s.source).toEqual({ classifier: 'bundled', vae: 'user' });
    expect(s.hash).not.toBe(bundled.hash);
    expect(s.z.length).toBe(bundled.z.length);
    expect(maxAbsDiff(s.z, bundled.z)).toBeLessThan(1e-6);
    expect(maxAbsDiff(s.probabilities, bundled.probabilities)).toBeLessThan(1e-6);
    expect(session.foreign).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});

/** Drops `paths` on the page as a real drop event (a DataTransfer holding File objects), as a user would. */
async function drop(page: Page, paths: string[]): Promise<void> {
  const files = paths.map((p) => ({ name: p.split('/').pop()!, b64: readFileSync(p).toString('base64') }));
  const dataTransfer = await page.evaluateHandle((list) => {
    const dt = new DataTransfer();
    for (const f of list) {
      const bytes = Uint8Array.from(atob(f.b64), (c) => c.charCodeAt(0));
      dt.items.add(new File([bytes], f.name));
    }
    return dt;
  }, files);
  await page.dispatchEvent('[role="application"]', 'dragover', { dataTransfer });
  await page.dispatchEvent('[role="application"]', 'drop', { dataTransfer });
}

/** Drops `paths` and waits the way `pick` waits for a picked file. */
const afterDrop = (page: Page, paths: string[]) => afterModelAction(page, () => drop(page, paths));

/** Opens a fixture model folder (model.json, weights.bin, manifest.json) with the file picker; no new error may appear. */
async function openFixture(page: Page, fx: string): Promise<Awaited<ReturnType<typeof snapshot>>> {
  const s = await pick(
    page,
    ['model.json', 'weights.bin', 'manifest.json'].map((f) => join(fx, f)),
  );
  // The earlier tests' deliberate errors (a missing shard, a short gene list) stay listed.
  expect(s.errors.filter((e) => !/missing|short_genes/.test(e))).toEqual([]);
  return s;
}

/** pbmc3k as the app serves it, and a model's input for every cell through that model's own genes. */
function pbmc3kInput(manifest: Manifest): Float32Array {
  const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
  const body = readFileSync('public/data/pbmc3k/dataset.bin');
  const ds = decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return modelInput(ds, manifest.preprocessing.steps, alignGenes(ds.genes, manifest.input.genes));
}

/** A fixture model's outputs for every pbmc3k cell, computed here in Node. */
async function nodeOutputs(dir: string): Promise<{ manifest: Manifest; y: Float32Array }> {
  const manifest = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as Manifest;
  const x = pbmc3kInput(manifest);
  const model = await loadLayersModelFromDisk(dir);
  const y = tf.tidy(() => (model.predict(tf.tensor2d(x, [2638, manifest.input.genes.length])) as tf.Tensor).dataSync().slice());
  model.dispose();
  return { manifest, y: y as Float32Array };
}

type Engine = {
  attribute(
    id: number,
    req: unknown,
  ): Promise<{
    aggregate: { meanSigned: Float32Array } | null;
    column: Float32Array | null;
    delta: { worst: number; median: number } | null;
    genes: string[];
    gradientPath: string;
  }>;
  explainCell(
    id: number,
    req: unknown,
  ): Promise<{ deltaRel: number; fx: number; fBaseline: number; attributions: Float32Array; className: string }>;
};
type GE = {
  glasswing: {
    engine: Engine;
    app: AppView & {
      columns: Record<string, { values: Float32Array }>;
      extraOutputs: { kind: string; values: Float32Array; nOut: number } | null;
      positions: Float32Array | null;
      layout: string;
    };
  };
};

/** 120 cells spread over pbmc3k. */
const SPREAD = Array.from({ length: 120 }, (_, i) => Math.floor((i * 2638) / 120));

describe('dropping model files on the page', () => {
  it('a dropped classifier (model.json, weights.bin, manifest.json) predicts what the bundled one does, within 1e-6', async () => {
    const { page } = session;
    await page.click('[data-testid="bundled-models"]');
    await page.waitForFunction((hash) => (globalThis as unknown as G).glasswing.app.models?.modelHash === hash, bundled.hash, {
      timeout: 240_000,
    });
    await page.waitForFunction(() => (globalThis as unknown as G).glasswing.app.status.startsWith('Ready'), undefined, {
      timeout: 240_000,
    });
    const s = await afterDrop(
      page,
      ['model.json', 'weights.bin', 'manifest.json'].map((f) => join(dir, f)),
    );
    expect(s.errors.filter((e) => !/missing|short_genes/.test(e))).toEqual([]);
    expect(s.source?.classifier).toBe('user');
    expect(maxAbsDiff(s.probabilities, bundled.probabilities)).toBeLessThan(1e-6);
  });

  it('dropped without manifest.json, the app asks for the gene list; the dropped list gives the same predictions', async () => {
    const { page } = session;
    const asked = await afterDrop(
      page,
      ['model.json', 'weights.bin'].map((f) => join(dir, f)),
    );
    expect(asked.geneListPrompt).toMatch(/no manifest\.json.*gene list.*2,000 input genes/);
    const s = await afterDrop(page, [join(dir, 'genes.txt')]);
    expect(s.geneListPrompt).toBeNull();
    expect(s.classes).toEqual(bundled.classes.map((_, i) => `class ${i + 1}`));
    expect(maxAbsDiff(s.probabilities, bundled.probabilities)).toBeLessThan(1e-6);
  });
});

describe('regressor and embedding models in the app', () => {
  it('a regressor: its 3 outputs become pred:NAME colour columns equal to Node within 1e-5; IG on an output is complete', async () => {
    const { page } = session;
    const fx = 'test/fixtures/models/regressor';
    await openFixture(page, fx);
    const { manifest, y } = await nodeOutputs(fx);
    const names = (manifest as Extract<Manifest, { kind: 'regressor' }>).output.names;
    const got = await page.evaluate((keys) => {
      const app = (globalThis as unknown as GE).glasswing.app;
      return {
        columns: keys.map((k) => [...(app.columns[`pred:${k}`]?.values ?? [])]),
        picker: document.querySelector('[data-testid="extra-model"]')?.textContent ?? '',
      };
    }, names);
    expect(got.picker).toContain('pbmc3k-regressor');
    names.forEach((_, j) => {
      expect(got.columns[j]).toHaveLength(2638);
      expect(
        maxAbsDiff(
          got.columns[j],
          Array.from({ length: 2638 }, (_, i) => y[i * 3 + j]),
        ),
      ).toBeLessThan(1e-5);
    });
    // Colour by the T-cell score, and explain one T cell's score from the Explain tab's target picker.
    await page.evaluate(
      () => (((globalThis as unknown as GE).glasswing.app as unknown as { colorBy: string }).colorBy = 'pred:t_cell_score'),
    );
    const explained = await page.evaluate(async (cells) => {
      const g = (globalThis as unknown as GE).glasswing;
      const one = await g.engine.explainCell(700_001, {
        cell: cells[3],
        baseline: 'zeros',
        steps: 50,
        rule: 'gauss-legendre',
        target: 'output',
        outputIndex: 1,
      });
      const many = await g.engine.attribute(700_002, {
        ...{
          method: 'ig',
          baseline: 'zeros',
          steps: 50,
          rule: 'gauss-legendre',
          samples: 8,
          noiseFraction: 0.15,
          seed: 1,
          reduce: 'aggregate',
        },
        target: { kind: 'output', index: 1 },
        cells: Int32Array.from(cells),
      });
      return {
        one: { deltaRel: one.deltaRel, name: one.className, change: one.fx - one.fBaseline, n: one.attributions.length },
        many: { delta: many.delta, genes: many.genes.length, path: many.gradientPath },
      };
    }, SPREAD);
    expect(explained.one.name).toBe('t_cell_score');
    expect(explained.one.n).toBe(500);
    expect(explained.one.deltaRel).toBeLessThan(0.01);
    expect(explained.many.genes).toBe(500);
    expect(explained.many.path).toBe('dense-backprop');
    expect(explained.many.delta!.worst).toBeLessThan(0.01);
    // The same through the panels: Explain's target picker, then Groups & model over the cells predicted class 1.
    await page.selectOption('[data-testid="explain-target"]', 'output:1');
    await page.evaluate((c) => (globalThis as unknown as G).glasswing.app.explainCell(c), SPREAD[3]);
    expect(await page.textContent('[data-testid="explain-panel"] h3')).toBe('What drives t_cell_score?');
    expect(Number(await page.getAttribute('[data-testid="ig-delta"]', 'data-delta-rel'))).toBeLessThan(0.01);
    await page.screenshot({ path: join(tmpdir(), 'glasswing-regressor.png') });
    await page.click('[data-testid="tab-groups"]');
    await page.selectOption('[data-testid="attr-target"]', 'output:1');
    await page.selectOption('[data-testid="attr-scope"]', 'predicted:0');
    await page.click('[data-testid="attr-explain"]');
    await page.waitForSelector('[data-testid="attr-table"] tbody tr', { timeout: 180_000 });
    const table = await page.evaluate(() => {
      const app = (globalThis as unknown as { glasswing: { app: { explainSelection: { label: string; genes: string[] } } } }).glasswing.app;
      return {
        label: app.explainSelection.label,
        nGenes: app.explainSelection.genes.length,
        rows: document.querySelectorAll('[data-testid="attr-table"] tbody tr').length,
      };
    });
    expect(table.label).toMatch(/t_cell_score \(regressor\)/);
    expect(table.nGenes).toBe(500);
    expect(table.rows).toBe(20);
    await page.screenshot({ path: join(tmpdir(), 'glasswing-regressor-groups.png') });
    await page.click('[data-testid="tab-explain"]');
    await page.selectOption('[data-testid="explain-target"]', 'logit');
  });

  it('an embedding: its dims are a layout equal to Node within 1e-5; IG on a dimension is complete', async () => {
    const { page } = session;
    const fx = 'test/fixtures/models/embedding';
    await openFixture(page, fx);
    const { y } = await nodeOutputs(fx);
    // A regressor's columns leave with it.
    expect(
      await page.evaluate(() => Object.keys((globalThis as unknown as GE).glasswing.app.columns).filter((k) => k.startsWith('pred:'))),
    ).toEqual([]);
    await page.click('[data-testid="layout-embedding_dims"]');
    await page.selectOption('[data-testid="embedding-dim-x"]', '2');
    await page.selectOption('[data-testid="embedding-dim-y"]', '5');
    const xy = await page.evaluate(() => [...((globalThis as unknown as GE).glasswing.app.positions ?? [])]);
    expect(xy).toHaveLength(2 * 2638);
    expect(
      maxAbsDiff(
        xy,
        Array.from({ length: 2 * 2638 }, (_, k) => y[Math.floor(k / 2) * 8 + (k % 2 === 0 ? 2 : 5)]),
      ),
    ).toBeLessThan(1e-5);
    const r = await page.evaluate(async (cells) => {
      const g = (globalThis as unknown as GE).glasswing;
      const one = await g.engine.explainCell(700_011, {
        cell: cells[5],
        baseline: 'zeros',
        steps: 50,
        rule: 'gauss-legendre',
        target: 'output',
        outputIndex: 1,
      });
      const many = await g.engine.attribute(700_012, {
        ...{
          method: 'ig',
          baseline: 'zeros',
          steps: 50,
          rule: 'gauss-legendre',
          samples: 8,
          noiseFraction: 0.15,
          seed: 1,
          reduce: 'aggregate',
        },
        target: { kind: 'dim', k: 1 },
        cells: Int32Array.from(cells),
      });
      return { one: { deltaRel: one.deltaRel, name: one.className }, worst: many.delta!.worst, genes: many.genes.length };
    }, SPREAD);
    expect(r.one.name).toBe('dim 2');
    expect(r.one.deltaRel).toBeLessThan(0.01);
    expect(r.genes).toBe(600);
    expect(r.worst).toBeLessThan(0.01);
    await page.screenshot({ path: join(tmpdir(), 'glasswing-embedding.png') });
  });

  it('a classifier reading a reordered subset of the VAE genes: latent and decoded-gene attributions still read the VAE input, unchanged', async () => {
    const { page } = session;
    const run = () =>
      page.evaluate(async (cells) => {
        const g = (globalThis as unknown as GE).glasswing;
        const base = {
          method: 'ig',
          baseline: 'zeros',
          steps: 50,
          rule: 'gauss-legendre',
          samples: 8,
          noiseFraction: 0.15,
          seed: 1,
          reduce: 'aggregate',
        };
        const latent = await g.engine.attribute(700_021, { ...base, target: { kind: 'latent', k: 2 }, cells: Int32Array.from(cells) });
        const decoded = await g.engine.attribute(700_022, {
          ...base,
          method: 'gradxinput',
          target: { kind: 'decoded', gene: 7 },
          cells: Int32Array.from(cells.slice(0, 20)),
        });
        return {
          latent: [...latent.aggregate!.meanSigned],
          latentMedian: latent.delta!.median,
          decoded: [...decoded.aggregate!.meanSigned],
          genes: latent.genes,
        };
      }, SPREAD);
    const before = await run();
    const fx = 'test/fixtures/models/classifier_subset';
    const s = await openFixture(page, fx);
    expect(s.nGenes).toBe(1000);
    const { y } = await nodeOutputs(fx);
    // The classifier reads its own 1,000 genes: its probabilities equal softmax of Node's logits.
    const probs = tf.tidy(() => tf.softmax(tf.tensor2d(y, [2638, 9])).dataSync());
    expect(maxAbsDiff(s.probabilities, Array.from(probs))).toBeLessThan(1e-5);
    const after = await run();
    const vaeGenes = (JSON.parse(readFileSync('models/pbmc3k-vae/manifest.json', 'utf8')) as Manifest).input.genes;
    expect(after.genes).toEqual(vaeGenes);
    // Median, not worst: a few cells have z_k(x) ≈ z_k(0), where the relative delta is ill-conditioned.
    expect(before.latentMedian).toBeLessThan(0.01);
    expect(Math.max(...before.latent.map(Math.abs))).toBeGreaterThan(1e-3);
    expect(maxAbsDiff(after.latent, before.latent)).toBeLessThan(1e-6);
    expect(maxAbsDiff(after.decoded, before.decoded)).toBeLessThan(1e-6);
    expect(session.foreign).toEqual([]);
    expect(session.pageErrors).toEqual([]);
  });
});
