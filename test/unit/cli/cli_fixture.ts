/**
 * Shared setup of the CLI tests: the pbmc3k h5ad read once, a temporary output folder, the CLI run
 * in-process with its CSV read back, and a model's aligned input for the cells a test checks.
 */
import { afterAll, beforeAll, expect } from 'vitest';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli, type CliIo } from '../../../scripts/cli.ts';
import { alignDatasetToModel, inputRows, readDataPath, readManifest, type DataRead } from '../../../scripts/cli_data.ts';
import { useWasmBackend } from '../../../scripts/node_tf.ts';
import type { Manifest } from '../../../src/core/model/manifest.ts';

/** The pbmc3k h5ad every CLI test reads. */
export const H5AD = 'test/data/pbmc3k/pbmc3k.h5ad';
/** Cells in pbmc3k. */
export const N_CELLS = 2638;

/** A CLI CSV: its comment lines, header and rows (fields split on commas; the test data has no quoted fields). */
export interface Csv {
  comments: string[];
  header: string[];
  rows: string[][];
}

/** Runs the CLI in-process; returns its exit code and what it wrote to stdout and stderr. */
export async function cli(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  let stdout = '';
  let stderr = '';
  const io: CliIo = { stdout: (t) => (stdout += t), stderr: (t) => (stderr += t) };
  const code = await runCli(argv, io);
  return { code, stdout, stderr };
}

/** Reads a CLI CSV back. */
export function readCsv(path: string): Csv {
  const lines = readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '');
  const comments = lines.filter((l) => l.startsWith('#'));
  const [header, ...rows] = lines.filter((l) => !l.startsWith('#')).map((l) => l.split(','));
  return { comments, header, rows };
}

/** The manifest of `dir`, narrowed to `kind` (a test error when it is another kind). */
export function manifestOf<K extends Manifest['kind']>(dir: string, kind: K): Extract<Manifest, { kind: K }> {
  const m = readManifest(dir);
  if (m.kind !== kind) throw new Error(`${dir} is a ${m.kind}, not a ${kind}`);
  return m as Extract<Manifest, { kind: K }>;
}

/**
 * Registers the suite's setup (wasm backend, pbmc3k read once, a temporary folder) and returns
 * accessors plus `run`, which runs `command --model MODEL --data H5AD ...args --out FILE`, expects
 * exit 0 and reads the CSV.
 */
export function useCliFixture(prefix: string) {
  let dir = '';
  let data: DataRead | null = null;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), `glasswing-${prefix}-`));
    await useWasmBackend();
    data = await readDataPath(H5AD);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const fixture = {
    /** The temporary output folder. */
    dir: () => dir,
    /** pbmc3k as the CLI reads it. */
    data: (): DataRead => data!,
    /** Path of an output file in the temporary folder. */
    out: (name: string) => join(dir, name),
    async run(command: string, model: string, file: string, ...args: string[]): Promise<{ csv: Csv; stderr: string }> {
      const out = join(dir, file);
      const r = await cli(command, '--model', model, '--data', H5AD, ...args, '--out', out);
      expect(r.code, r.stderr).toBe(0);
      return { csv: readCsv(out), stderr: r.stderr };
    },
    /** The model input `[rows.length, nGenes]` of `manifest` for dataset rows `rows`, aligned as the CLI aligns it. */
    async inputOf(manifest: Manifest, rows: number[]): Promise<Float32Array> {
      return inputRows(data!.dataset, manifest, await alignDatasetToModel(data!.dataset, manifest.input.genes), rows);
    },
  };
  return fixture;
}
