/**
 * Opening the user's own model in the app, through the Model section's file input: the bundled
 * classifier's own files (with its manifest, and without it plus a gene list) predict exactly what
 * the bundled model does; the hand-written GraphModel fixture runs on pbmc3k's genes and matches
 * the same model run here in Node; bad models show their sentence and the previous model keeps working.
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
  const before = await snapshot(page);
  await page.setInputFiles(`[data-testid="${input}"]`, files);
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
