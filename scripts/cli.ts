/**
 * `glasswing`: the app's pure core from Node (tfjs wasm backend), for batch use, scripting and
 * reproducibility. Commands: predict, embed, attribute (see `--help` of each). Reading and
 * aligning live in cli_data.ts; this file parses arguments, runs the models and writes CSV with
 * provenance comment lines. Errors are one sentence on stderr: exit code 2 for bad usage or input.
 */
import * as tf from '@tensorflow/tfjs';
import type { Tensor2D } from '@tensorflow/tfjs';
import { closeSync, openSync, readFileSync, writeSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { useWasmBackend } from './node_tf.ts';
import {
  InputError,
  alignDatasetToModel,
  datasetSha256,
  inputRows,
  loadModelDir,
  meanInput,
  readDataPath,
  readManifest,
  type DataRead,
  type LoadedModel,
} from './cli_data.ts';
import type { AlignmentReport } from '../src/core/data/alignment.ts';
import type { Manifest, RegressorManifest } from '../src/core/model/manifest.ts';
import {
  extractDenseStack,
  denseLatentGradient,
  denseLogitGradient,
  denseProbabilityGradient,
  type DenseStack,
} from '../src/core/attribution/dense_backprop.ts';
import {
  decodedGeneTarget,
  latentTarget,
  logitTarget,
  probabilityTarget,
  type BatchModel,
  type TargetFn,
} from '../src/core/attribution/targets.ts';
import { smoothGrad } from '../src/core/attribution/smoothgrad.ts';
import { gradientShap, sampleCellIndices } from '../src/core/attribution/gradient_shap.ts';
import { integratedGradients } from '../src/core/attribution/integrated_gradients.ts';
import { gradientTimesInput, saliency } from '../src/core/attribution/saliency.ts';
import type { GradientFn } from '../src/core/attribution/batching.ts';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
/** The app version written into every provenance line. */
export const VERSION = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;

/** Where the CLI writes text: stdout for `--out -`, stderr for progress and sentences. */
export interface CliIo {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

const processIo: CliIo = {
  stdout: (t) => process.stdout.write(t),
  stderr: (t) => process.stderr.write(t),
};

/** Cells per block of model calls: bounds memory (the dense input of a block) and gives progress. */
const ROWS_PER_BLOCK = 1024;

const COMMON_HELP = `  --model DIR      model folder holding manifest.json and its tfjs model files
  --data PATH      .h5ad, .loom or 10x .h5 file; a 10x folder or its matrix.mtx(.gz);
                   a folder with matrix.mtx(.gz) + genes.txt + cells.csv (cells x genes);
                   or a dense CSV/TSV table (orientation guessed)
  --out FILE       output CSV, or - for stdout (default -)
  --help           this text`;

const HELP: Record<string, string> = {
  main: `glasswing ${VERSION}: explain gene-expression models from the command line.

Usage: glasswing <command> [options]

Commands:
  predict     class probabilities per cell (classifier), or one column per output (regressor)
  embed       latent coordinates per cell (VAE encoder mean, or an embedding model's output)
  attribute   per-gene attributions per cell (saliency, gradxinput, ig, smoothgrad, gradshap)

Run glasswing <command> --help for a command's options.
`,
  predict: `Usage: glasswing predict --model DIR --data PATH [--out predictions.csv]

Writes one row per cell: cell_id, predicted, then p_<class> for every class of a classifier;
for a regressor, cell_id then one column per output, named as in its manifest.

${COMMON_HELP}
`,
  embed: `Usage: glasswing embed --model DIR --data PATH [--out latent.csv]

Writes one row per cell: cell_id, z1..zK (a VAE's encoder mean z_mean, or an embedding model's output).

${COMMON_HELP}
`,
  attribute: `Usage: glasswing attribute --model DIR --data PATH [options] [--out attributions.csv]

Writes one row per cell: cell_id, target, delta (the relative completeness delta of ig, or
gradshap's |sum - (f(x) - mean f(b))| / |f(x) - mean f(b)| over its drawn baselines; empty for
other methods), then one column per model input gene in manifest order.

  --method M       saliency (|d target / d x|), gradxinput (x * gradient), ig (integrated
                   gradients, Gauss-Legendre), smoothgrad (mean gradient over noisy copies) or
                   gradshap (expected gradients from baselines drawn among the cells); default ig
  --target T       classifier: predicted (default), CLASS (its logit) or prob:CLASS (its probability).
                   vae / embedding: latent:K, the K-th latent coordinate (1-based, as z1..zK of embed);
                   embedding: also dim:K, the same coordinate.
                   vae: gene:SYMBOL, that gene's decoded expression at z = encoder mean.
                   regressor: output:NAME, one of its named outputs.
  --steps N        ig path steps, default 50
  --baseline B     ig baseline: zeros (default) or mean (the mean model input over all cells)
  --samples N      smoothgrad noisy copies / gradshap draws per cell, default 25 / 50
  --noise F        smoothgrad noise sigma as a fraction of each cell's input range, default 0.15
  --seed S         smoothgrad / gradshap seed (whole number), default 0
  --orthologs      map genes across human and mouse through Ensembl orthologs
  --cells C        all (default) or a comma-separated list of cell ids
${COMMON_HELP}
`,
};

const COMMON_OPTIONS = {
  model: { type: 'string' },
  data: { type: 'string' },
  out: { type: 'string' },
  help: { type: 'boolean' },
} as const;
const ATTRIBUTE_OPTIONS = {
  ...COMMON_OPTIONS,
  method: { type: 'string' },
  target: { type: 'string' },
  steps: { type: 'string' },
  baseline: { type: 'string' },
  cells: { type: 'string' },
  samples: { type: 'string' },
  noise: { type: 'string' },
  seed: { type: 'string' },
  orthologs: { type: 'boolean' },
} as const;

type Values = Record<string, string | boolean | undefined>;

/** Parses a command's options; unknown options and stray words are InputErrors. */
export function parseCommandArgs(command: string, argv: string[]): Values {
  const options = command === 'attribute' ? ATTRIBUTE_OPTIONS : COMMON_OPTIONS;
  try {
    const { values, positionals } = parseArgs({ args: argv, options, strict: true, allowPositionals: true });
    if (positionals.length > 0) {
      throw new InputError(`The ${command} command takes no plain arguments but got "${positionals[0]}"; run glasswing ${command} --help.`);
    }
    return values as Values;
  } catch (err) {
    if (err instanceof InputError) throw err;
    const m = /'(-[^']+)'/.exec((err as Error).message);
    const code = (err as { code?: string }).code;
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && m) {
      throw new InputError(`The option ${m[1]} needs a value; run glasswing ${command} --help.`);
    }
    throw new InputError(
      `The ${command} command has no option ${m ? m[1] : argv.join(' ')}; run glasswing ${command} --help for its options.`,
    );
  }
}

/** Reads a required string option. */
function required(values: Values, name: string, what: string): string {
  const v = values[name];
  if (typeof v !== 'string' || v === '') throw new InputError(`--${name} is missing; give ${what}.`);
  return v;
}

/** What `attribute` was asked to compute, checked before anything heavy runs. */
export interface AttributeRequest {
  method: 'saliency' | 'gradxinput' | 'ig' | 'smoothgrad' | 'gradshap';
  /** smoothgrad / gradshap samples per cell. */
  samples: number;
  /** smoothgrad sigma as a fraction of each cell's input range. */
  noise: number;
  seed: number;
  /** As given; undefined for the kind's default. */
  target?: string;
  steps: number;
  baseline: 'zeros' | 'mean';
  cells: 'all' | string[];
}

/** Checks attribute's method, target syntax, steps, baseline and cells. */
export function parseAttributeRequest(values: Values): AttributeRequest {
  const method = (values.method as string | undefined) ?? 'ig';
  if (method !== 'saliency' && method !== 'gradxinput' && method !== 'ig' && method !== 'smoothgrad' && method !== 'gradshap') {
    throw new InputError(`--method ${method} is not a known method; use saliency, gradxinput, ig, smoothgrad or gradshap.`);
  }
  const samplesText = (values.samples as string | undefined) ?? (method === 'gradshap' ? '50' : '25');
  const samples = Number(samplesText);
  if (!/^\d+$/.test(samplesText) || samples < 1 || samples > 10_000) {
    throw new InputError(`--samples ${samplesText} is not a whole number from 1 to 10000; use for example 25.`);
  }
  const noiseText = (values.noise as string | undefined) ?? '0.15';
  const noise = Number(noiseText);
  if (!Number.isFinite(noise) || noise < 0 || noise > 10 || noiseText.trim() === '') {
    throw new InputError(`--noise ${noiseText} is not a fraction of the input range ≥ 0; use for example 0.15.`);
  }
  const seedText = (values.seed as string | undefined) ?? '0';
  const seed = Number(seedText);
  if (!/^-?\d+$/.test(seedText) || !Number.isSafeInteger(seed)) {
    throw new InputError(`--seed ${seedText} is not a whole number; use for example 0.`);
  }
  const stepsText = (values.steps as string | undefined) ?? '50';
  const steps = Number(stepsText);
  if (!/^\d+$/.test(stepsText) || steps < 1 || steps > 1000) {
    throw new InputError(`--steps ${stepsText} is not a whole number from 1 to 1000; use for example 50.`);
  }
  const baseline = (values.baseline as string | undefined) ?? 'zeros';
  if (baseline !== 'zeros' && baseline !== 'mean') throw new InputError(`--baseline ${baseline} is not known; use zeros or mean.`);
  const cellsText = (values.cells as string | undefined) ?? 'all';
  const cells =
    cellsText === 'all'
      ? 'all'
      : cellsText
          .split(',')
          .map((s) => s.trim())
          .filter((s) => s !== '');
  if (cells !== 'all' && cells.length === 0) throw new InputError('--cells is empty; give all or a comma-separated list of cell ids.');
  return { method, target: values.target as string | undefined, steps, baseline, cells, samples, noise, seed };
}

/** The scalar an attribution explains: a class logit per cell, or one latent coordinate. */
export type ResolvedTarget =
  | { kind: 'predicted'; output: 'logit' | 'probability' }
  | { kind: 'class'; index: number; output: 'logit' | 'probability' }
  | { kind: 'latent'; index: number; label: string }
  | { kind: 'output'; index: number; name: string }
  | { kind: 'gene'; index: number; symbol: string };

/** Resolves `--target` against the manifest (classifier: predicted | CLASS; vae/embedding: latent:K, 1-based). */
export function resolveTarget(manifest: Manifest, target: string | undefined): ResolvedTarget {
  if (manifest.kind === 'classifier') {
    const given = target ?? 'predicted';
    const output = given.startsWith('prob:') ? 'probability' : 'logit';
    const t = output === 'probability' ? given.slice('prob:'.length) : given;
    if (t === 'predicted') return { kind: 'predicted', output };
    const index = manifest.output.classes.indexOf(t);
    if (index < 0) {
      throw new InputError(
        `--target ${given} is not a class of ${manifest.name}; use predicted, prob:predicted, CLASS or prob:CLASS with a class from: ${manifest.output.classes.join(', ')}.`,
      );
    }
    return { kind: 'class', index, output };
  }
  if (manifest.kind === 'vae' && target?.startsWith('gene:')) {
    const symbol = target.slice('gene:'.length);
    const index = manifest.input.genes.findIndex((g) => g.toUpperCase() === symbol.toUpperCase());
    if (index < 0) {
      throw new InputError(
        `--target ${target}: ${symbol} is not one of ${manifest.name}'s ${manifest.input.genes.length} genes; use gene:SYMBOL with a model gene.`,
      );
    }
    return { kind: 'gene', index, symbol: manifest.input.genes[index] };
  }
  if (manifest.kind === 'vae' || manifest.kind === 'embedding') {
    const dim = manifest.kind === 'vae' ? manifest.output.latentDim : manifest.output.dim;
    const m = (manifest.kind === 'embedding' ? /^(latent|dim):(\d+)$/ : /^(latent):(\d+)$/).exec(target ?? '');
    const k = m ? Number(m[2]) : NaN;
    if (!m || k < 1 || k > dim) {
      const forms = manifest.kind === 'vae' ? 'latent:K' : 'dim:K (or latent:K)';
      throw new InputError(
        `--target ${target ?? '(missing)'} does not name a ${manifest.kind === 'vae' ? 'latent coordinate' : 'dimension'} of ${manifest.name}; use ${forms} with K from 1 to ${dim}${manifest.kind === 'vae' ? ', or gene:SYMBOL for a decoded gene' : ''}.`,
      );
    }
    return { kind: 'latent', index: k - 1, label: `${m[1]}:${k}` };
  }
  // A regressor: one of its named outputs (default: the first).
  const names = manifest.output.names;
  const name = target === undefined ? names[0] : target.startsWith('output:') ? target.slice('output:'.length) : null;
  const index = name === null ? -1 : names.indexOf(name);
  if (index < 0) {
    throw new InputError(
      `--target ${target} does not name an output of ${manifest.name}; use output:NAME with one of: ${names.join(', ')}.`,
    );
  }
  return { kind: 'output', index, name: names[index] };
}

/** Writes text to a file or (for '-') to stdout, line by line. */
class CsvSink {
  private fd: number | null;
  constructor(
    private readonly path: string,
    private readonly io: CliIo,
  ) {
    try {
      this.fd = path === '-' ? null : openSync(resolve(path), 'w');
    } catch (err) {
      throw new InputError(
        `Cannot write ${path} (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}); check that its folder exists and is writable.`,
      );
    }
  }
  line(text: string): void {
    if (this.fd === null) this.io.stdout(text + '\n');
    else writeSync(this.fd, text + '\n');
  }
  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
  describe(): string {
    return this.path === '-' ? 'stdout' : this.path;
  }
}

/** A CSV field, quoted when it holds a comma, quote or line break. */
export function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** A float32 value with enough digits to read back exactly (9 significant), trailing zeros dropped. */
export function formatFloat(v: number): string {
  return Number.isFinite(v) ? String(Number(v.toPrecision(9))) : String(v);
}

/** A provenance value safe inside `key=value` (spaces and separators percent-encoded). */
function provValue(v: string | number): string {
  return String(v).replace(/[%\s=]/g, (c) => encodeURIComponent(c));
}

/** The provenance comment line every output starts with. */
export function provenanceLine(
  command: string,
  model: LoadedModel,
  data: DataRead,
  dataHash: string,
  extra: Record<string, string | number>,
): string {
  const fields: Record<string, string | number> = {
    model: model.manifest.name,
    model_sha256: model.sha256,
    data: data.fileName,
    data_hash: dataHash,
    ...extra,
    backend: tf.getBackend(),
    date: new Date().toISOString(),
  };
  return `# glasswing ${VERSION} ${command} ${Object.entries(fields)
    .map(([k, v]) => `${k}=${provValue(v)}`)
    .join(' ')}`;
}

/** Progress to stderr: a line when a stage starts, one when it ends with its time. */
function stage(io: CliIo, label: string): { done: (detail?: string) => void; progress: (f: number) => void } {
  const t0 = performance.now();
  let last = -1;
  io.stderr(`${label}…\n`);
  return {
    progress: (f) => {
      const pct = Math.floor(f * 10) * 10;
      if (pct > last && pct < 100) {
        last = pct;
        if (pct > 0) io.stderr(`  ${pct}%\n`);
      }
    },
    done: (detail) => io.stderr(`  done in ${((performance.now() - t0) / 1000).toFixed(1)} s${detail ? `: ${detail}` : ''}\n`),
  };
}

/** Everything a command needs once its inputs are checked: model, data, alignment and hashes. */
interface Prepared {
  model: LoadedModel;
  data: DataRead;
  alignment: AlignmentReport;
  dataHash: string;
}

/** Loads the backend, reads and aligns the data, loads the model; prints the alignment sentence. */
async function prepare(values: Values, manifest: Manifest, io: CliIo): Promise<Prepared> {
  const dataPath = required(values, 'data', 'an .h5ad file, a 10x folder, MTX files or a CSV table');
  await useWasmBackend();
  const read = stage(io, `Reading ${dataPath}`);
  const data = await readDataPath(dataPath, read.progress);
  const m = data.dataset.matrix;
  read.done(`${m.nRows.toLocaleString('en-US')} cells x ${m.nCols.toLocaleString('en-US')} genes`);
  for (const note of data.notes) io.stderr(`Note: ${note}\n`);
  const alignment = await alignDatasetToModel(data.dataset, manifest.input.genes, undefined, values.orthologs === true);
  io.stderr(`Alignment: ${alignment.message}\n`);
  if (!alignment.isTrustworthy) {
    io.stderr(
      `Warning: only ${(alignment.matchedFraction * 100).toFixed(1)} % of the model's genes were found, so its outputs on these data may not be trustworthy.\n`,
    );
  }
  if (alignment.nMatched === 0)
    throw new InputError(
      `None of the model's ${manifest.input.genes.length} genes is in ${data.fileName}; check that the data and the model use the same organism and gene names.`,
    );
  const load = stage(io, `Loading model ${manifest.name}`);
  const model = await loadModelDir(required(values, 'model', 'a model folder'));
  load.done();
  return { model, data, alignment, dataHash: datasetSha256(data.dataset) };
}

/** Cell rows `[start, start+count)` as a Uint32Array. */
const rowRange = (start: number, count: number) => Uint32Array.from({ length: count }, (_, i) => start + i);

/** The model's output tensor (first output when it has several). */
function firstOutput(model: tf.LayersModel, x: Tensor2D): Tensor2D {
  const y = model.apply(x);
  return (Array.isArray(y) ? y[0] : y) as Tensor2D;
}

/** Runs `fn` on every block of cells' model input and returns the outputs `[nCells, width]`. */
async function mapBlocks(
  p: Prepared,
  rows: ArrayLike<number>,
  width: number,
  fn: (x: Tensor2D) => Tensor2D,
  onProgress: (f: number) => void,
): Promise<Float32Array> {
  const g = p.alignment.nModelGenes;
  const n = rows.length;
  const out = new Float32Array(n * width);
  for (let start = 0; start < n; start += ROWS_PER_BLOCK) {
    const count = Math.min(ROWS_PER_BLOCK, n - start);
    const block = Uint32Array.from({ length: count }, (_, i) => rows[start + i]);
    const x = inputRows(p.data.dataset, p.model.manifest, p.alignment, block);
    const y = tf.tidy(() => fn(tf.tensor2d(x, [count, g])));
    out.set((await y.data()) as Float32Array, start * width);
    y.dispose();
    onProgress((start + count) / n);
  }
  return out;
}

/** `glasswing predict`. */
async function predictCommand(values: Values, io: CliIo): Promise<void> {
  const manifest = readManifest(required(values, 'model', 'a model folder'));
  if (manifest.kind === 'regressor') return predictRegressor(values, manifest, io);
  if (manifest.kind !== 'classifier') {
    throw new InputError(
      `${manifest.name} is a ${manifest.kind} model; predict needs a classifier or a regressor (use embed for a vae or embedding model).`,
    );
  }
  const classes = manifest.output.classes;
  const sink = new CsvSink((values.out as string | undefined) ?? '-', io);
  try {
    const p = await prepare(values, manifest, io);
    const model = p.model.models.model;
    const n = p.data.dataset.matrix.nRows;
    const run = stage(io, `Predicting ${n.toLocaleString('en-US')} cells`);
    const probs = await mapBlocks(p, rowRange(0, n), classes.length, (x) => tf.softmax(firstOutput(model, x)), run.progress);
    run.done();
    sink.line(provenanceLine('predict', p.model, p.data, p.dataHash, {}));
    sink.line(['cell_id', 'predicted', ...classes.map((c) => `p_${c}`)].map(csvField).join(','));
    const k = classes.length;
    for (let i = 0; i < n; i++) {
      const row = probs.subarray(i * k, (i + 1) * k);
      let best = 0;
      for (let c = 1; c < k; c++) if (row[c] > row[best]) best = c;
      sink.line([csvField(p.data.dataset.cellIds[i]), csvField(classes[best]), ...Array.from(row, formatFloat)].join(','));
    }
    io.stderr(`Wrote ${n.toLocaleString('en-US')} rows to ${sink.describe()}.\n`);
  } finally {
    sink.close();
  }
}

/** `glasswing predict` for a regressor: cell_id, then one column per named output. */
function predictRegressor(values: Values, manifest: RegressorManifest, io: CliIo): Promise<void> {
  const names = manifest.output.names;
  return writeOutputColumns('predict', values, manifest, io, {
    header: names,
    fn: (model) => (x) => firstOutput(model.models.model, x),
    label: (n) => `Predicting ${names.length} outputs for ${n}`,
    fix: 'fix output.names',
  });
}

/**
 * Runs a model over every cell and writes cell_id then one column per `header` name (a regressor's
 * predict, embed); a model whose output width differs from the manifest is an InputError.
 */
async function writeOutputColumns(
  command: 'predict' | 'embed',
  values: Values,
  manifest: Manifest,
  io: CliIo,
  o: { header: string[]; fn: (model: LoadedModel) => BatchModel; label: (cells: string) => string; fix: string },
): Promise<void> {
  const k = o.header.length;
  const sink = new CsvSink((values.out as string | undefined) ?? '-', io);
  try {
    const p = await prepare(values, manifest, io);
    const n = p.data.dataset.matrix.nRows;
    const run = stage(io, o.label(`${n.toLocaleString('en-US')} cells`));
    const fn = o.fn(p.model);
    const out = await mapBlocks(
      p,
      rowRange(0, n),
      k,
      (x) => {
        const y = fn(x);
        if (y.shape[1] !== k) throw new InputError(`The model outputs ${y.shape[1]} columns but its manifest says ${k}; ${o.fix}.`);
        return y;
      },
      run.progress,
    );
    run.done();
    sink.line(provenanceLine(command, p.model, p.data, p.dataHash, {}));
    sink.line(['cell_id', ...o.header].map(csvField).join(','));
    for (let i = 0; i < n; i++) {
      sink.line([csvField(p.data.dataset.cellIds[i]), ...Array.from(out.subarray(i * k, (i + 1) * k), formatFloat)].join(','));
    }
    io.stderr(`Wrote ${n.toLocaleString('en-US')} rows to ${sink.describe()}.\n`);
  } finally {
    sink.close();
  }
}

/** The function from model input to latent coordinates: a VAE's z_mean, or an embedding model's output. */
function latentFn(model: LoadedModel): BatchModel {
  const net = model.manifest.kind === 'vae' ? model.models.encoder : model.models.model;
  return (x) => firstOutput(net, x);
}

/** `glasswing embed`. */
function embedCommand(values: Values, io: CliIo): Promise<void> {
  const manifest = readManifest(required(values, 'model', 'a model folder'));
  if (manifest.kind !== 'vae' && manifest.kind !== 'embedding') {
    throw new InputError(
      `${manifest.name} is a ${manifest.kind} model; embed needs a vae or embedding model (use predict for a classifier or regressor).`,
    );
  }
  const dim = manifest.kind === 'vae' ? manifest.output.latentDim : manifest.output.dim;
  return writeOutputColumns('embed', values, manifest, io, {
    header: Array.from({ length: dim }, (_, j) => `z${j + 1}`),
    fn: latentFn,
    label: (n) => `Embedding ${n}`,
    fix: 'fix the manifest',
  });
}

/** Dataset rows of the requested cells (InputError naming unknown ids). */
export function selectCells(cellIds: string[], cells: 'all' | string[], fileName: string): Uint32Array {
  if (cells === 'all') return rowRange(0, cellIds.length);
  const index = new Map(cellIds.map((id, i) => [id, i]));
  const missing = cells.filter((c) => !index.has(c));
  if (missing.length > 0) {
    const shown = missing.slice(0, 3).join(', ') + (missing.length > 3 ? ` and ${missing.length - 3} more` : '');
    throw new InputError(`--cells names ${shown}, not cell ids of ${fileName}; give ids as they appear in the data (e.g. ${cellIds[0]}).`);
  }
  return Uint32Array.from(cells, (c) => index.get(c)!);
}

/** The differentiable function an attribution looks through, and its fast Dense gradient stack when it has one. */
function attributionModel(model: LoadedModel): { fn: BatchModel; stack: DenseStack | null } {
  const isVae = model.manifest.kind === 'vae';
  const net = isVae ? model.models.encoder : model.models.model;
  const outputName = isVae ? 'z_mean' : net.outputs.length > 1 ? net.outputLayers[0].name : undefined;
  return { fn: (x) => firstOutput(net, x), stack: denseStackOrNull(net, outputName) };
}

/** The Dense stack of `net` for the fast gradient, or null (tf.grad is used) when it is not a plain Dense chain. */
function denseStackOrNull(net: tf.LayersModel, outputName: string | undefined): DenseStack | null {
  try {
    return extractDenseStack(tf, net, outputName);
  } catch {
    // e.g. a VAE encoder whose mean output is not named z_mean: tf.grad through the first output still works.
    return null;
  }
}

/** Per-block target and gradient functions for one block of cells, with the index per cell. */
function blockTarget(
  model: { fn: BatchModel; stack: DenseStack | null },
  target: ResolvedTarget,
  index: Int32Array | number,
  decoder: BatchModel | null,
): { targetFn: TargetFn; gradientFn?: GradientFn } {
  if (target.kind === 'gene') {
    // Encoder then decoder: tf.grad through both (no single Dense chain).
    return { targetFn: decodedGeneTarget(tf, model.fn, decoder!, target.index) };
  }
  if (target.kind === 'latent' || target.kind === 'output') {
    // A latent coordinate, embedding dimension or regressor output: one column of the model's output.
    const targetFn = latentTarget(tf, model.fn, index);
    return model.stack ? { targetFn, gradientFn: denseLatentGradient(tf, model.stack, index) } : { targetFn };
  }
  if (target.output === 'probability') {
    const targetFn = probabilityTarget(tf, model.fn, index);
    return model.stack ? { targetFn, gradientFn: denseProbabilityGradient(tf, model.stack, index) } : { targetFn };
  }
  const targetFn = logitTarget(tf, model.fn, index);
  return model.stack ? { targetFn, gradientFn: denseLogitGradient(tf, model.stack, index) } : { targetFn };
}

/** Reference cells GradientSHAP draws its baselines from. */
const GRADSHAP_REFERENCE_CELLS = 100;

/** `glasswing attribute`. */
async function attributeCommand(values: Values, io: CliIo): Promise<void> {
  const manifest = readManifest(required(values, 'model', 'a model folder'));
  const req = parseAttributeRequest(values);
  const target = resolveTarget(manifest, req.target);
  const sink = new CsvSink((values.out as string | undefined) ?? '-', io);
  try {
    const p = await prepare(values, manifest, io);
    const ds = p.data.dataset;
    const rows = selectCells(ds.cellIds, req.cells, p.data.fileName);
    const g = p.alignment.nModelGenes;
    const net = attributionModel(p.model);
    const baseline = req.baseline === 'mean' ? meanInput(ds, manifest, p.alignment) : new Float32Array(g);
    const classes = manifest.kind === 'classifier' ? manifest.output.classes : [];
    const extra: Record<string, string | number> = {
      method: req.method,
      target: req.target ?? (target.kind === 'output' ? `output:${target.name}` : 'predicted'),
      output:
        target.kind === 'latent' ? 'latent' : target.kind === 'gene' ? 'decoded' : target.kind === 'output' ? 'regression' : target.output,
    };
    if (req.method === 'ig') Object.assign(extra, { baseline: req.baseline, steps: req.steps, rule: 'gauss-legendre' });
    if (req.method === 'smoothgrad') Object.assign(extra, { samples: req.samples, noise: req.noise, seed: req.seed });
    if (req.method === 'gradshap')
      Object.assign(extra, {
        samples: req.samples,
        seed: req.seed,
        reference_cells: Math.min(GRADSHAP_REFERENCE_CELLS, ds.cellIds.length),
      });
    if (values.orthologs === true) extra.orthologs = 'on';
    extra.gradient = net.stack && target.kind !== 'gene' ? 'dense-backprop' : 'tf.grad';
    const decoder: BatchModel | null = manifest.kind === 'vae' ? (t) => p.model.models.decoder.apply(t) as Tensor2D : null;
    const references =
      req.method === 'gradshap'
        ? inputRows(ds, manifest, p.alignment, Uint32Array.from(sampleCellIndices(ds.cellIds.length, GRADSHAP_REFERENCE_CELLS, req.seed)))
        : null;
    sink.line(provenanceLine('attribute', p.model, p.data, p.dataHash, extra));
    sink.line(['cell_id', 'target', 'delta', ...manifest.input.genes].map(csvField).join(','));
    const run = stage(
      io,
      `Attributing ${rows.length.toLocaleString('en-US')} cells with ${req.method}${req.method === 'ig' ? ` (${req.steps} steps)` : ''}`,
    );
    let worstDelta = 0;
    for (let start = 0; start < rows.length; start += ROWS_PER_BLOCK) {
      const count = Math.min(ROWS_PER_BLOCK, rows.length - start);
      const block = rows.subarray(start, start + count);
      const x = inputRows(ds, manifest, p.alignment, block);
      const index = target.kind === 'predicted' ? await predictedClasses(net.fn, x, count, g) : target.index;
      const { targetFn, gradientFn } = blockTarget(net, target, index, decoder);
      const opts = { nGenes: g, gradientFn, onProgress: (f: number) => run.progress((start + f * count) / rows.length) };
      let attributions: Float32Array;
      let delta: Float32Array | null = null;
      if (req.method === 'ig') {
        const r = await integratedGradients(tf, targetFn, x, baseline, { ...opts, steps: req.steps });
        attributions = r.attributions;
        delta = r.deltaRel;
      } else if (req.method === 'smoothgrad') {
        // Noise is seeded by each cell's row in the data, so a cell gets the same noise in any block or subset.
        const seeded = { ...opts, samples: req.samples, noiseFraction: req.noise, seed: req.seed, seedKeys: block };
        attributions = (await smoothGrad(tf, targetFn, x, seeded)).attributions;
      } else if (req.method === 'gradshap') {
        const r = await gradientShap(tf, targetFn, x, references!, { ...opts, samples: req.samples, seed: req.seed, seedKeys: block });
        attributions = r.attributions;
        delta = r.deltaRel;
      } else {
        attributions = (await (req.method === 'saliency' ? saliency : gradientTimesInput)(tf, targetFn, x, opts)).attributions;
      }
      for (let i = 0; i < count; i++) {
        const label =
          target.kind === 'latent'
            ? target.label
            : target.kind === 'output'
              ? `output:${target.name}`
              : target.kind === 'gene'
                ? `gene:${target.symbol}`
                : `${target.output === 'probability' ? 'prob:' : ''}${classes[typeof index === 'number' ? index : index[i]]}`;
        const d = delta ? formatFloat(delta[i]) : '';
        if (delta) worstDelta = Math.max(worstDelta, delta[i]);
        sink.line(
          [csvField(ds.cellIds[block[i]]), csvField(label), d, ...Array.from(attributions.subarray(i * g, (i + 1) * g), formatFloat)].join(
            ',',
          ),
        );
      }
    }
    run.done(req.method === 'ig' || req.method === 'gradshap' ? `worst completeness delta ${(worstDelta * 100).toFixed(3)} %` : undefined);
    if (req.method === 'ig' && worstDelta > 0.01) {
      io.stderr(`Warning: the worst completeness delta is ${(worstDelta * 100).toFixed(2)} %, above 1 %; use more --steps.\n`);
    }
    io.stderr(`Wrote ${rows.length.toLocaleString('en-US')} rows to ${sink.describe()}.\n`);
  } finally {
    sink.close();
  }
}

/** Predicted class (argmax of the logits) of each row of `x` `[count, g]`. */
async function predictedClasses(fn: BatchModel, x: Float32Array, count: number, g: number): Promise<Int32Array> {
  const arg = tf.tidy(() => tf.argMax(fn(tf.tensor2d(x, [count, g])), 1));
  const out = Int32Array.from((await arg.data()) as Int32Array);
  arg.dispose();
  return out;
}

const COMMANDS: Record<string, (values: Values, io: CliIo) => Promise<void>> = {
  predict: predictCommand,
  embed: embedCommand,
  attribute: attributeCommand,
};

/** Runs the CLI on `argv` (without node and the script); returns the exit code. */
export async function runCli(argv: string[], io: CliIo = processIo): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === '--help' || command === '-h' || command === 'help') {
    (command === undefined ? io.stderr : io.stdout)(HELP.main);
    return command === undefined ? 2 : 0;
  }
  if (command === '--version') {
    io.stdout(`${VERSION}\n`);
    return 0;
  }
  const handler = COMMANDS[command];
  try {
    if (!handler) throw new InputError(`There is no command "${command}"; use predict, embed or attribute (glasswing --help).`);
    const values = parseCommandArgs(command, rest);
    if (values.help) {
      io.stdout(HELP[command]);
      return 0;
    }
    await handler(values, io);
    return 0;
  } catch (err) {
    const isInput = err instanceof InputError;
    const message = (err as Error).message ?? String(err);
    io.stderr(isInput ? `glasswing: ${message}\n` : `glasswing: internal error: ${message}\n`);
    return isInput ? 2 : 1;
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await runCli(process.argv.slice(2));
}
