/**
 * The reading half of the `glasswing` CLI (scripts/cli.ts), kept apart so tests can call it: opens
 * a dataset from disk through the app's own readers (h5ad / loom / 10x h5 via h5wasm's Node build,
 * 10x and cells×genes MTX folders, dense CSV/TSV), loads a model folder (manifest.json + tfjs
 * LayersModels), aligns the dataset's genes to the model's like the app does, builds the model
 * input, and hashes both for the provenance header.
 */
import * as tf from '@tensorflow/tfjs';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { gunzip as gunzipCb } from 'node:zlib';
import { promisify } from 'node:util';
import { fileURLToPath } from 'node:url';
import h5wasm from 'h5wasm/node';
import type { Dataset } from '../src/core/data/dataset.ts';
import { detectHdf5Layout, openHdf5, unknownLayoutError, type Hdf5Module } from '../src/core/data/hdf5.ts';
import { readH5ad } from '../src/core/data/h5ad.ts';
import { readLoom } from '../src/core/data/loom.ts';
import { readTenxH5 } from '../src/core/data/tenx_h5.ts';
import { pickTenxFiles, readMtxWithTables, readTenxMtx } from '../src/core/data/tenx_mtx.ts';
import { guessCsvOrientation, readDenseCsv, ORIENTATION_CONFIDENT } from '../src/core/data/csv_reader.ts';
import { alignToModel, type AlignmentReport } from '../src/core/data/alignment.ts';
import {
  GENE_TABLE_FILES,
  parseGencodeIdToName,
  parseGeneAliases,
  parseHumanGenes,
  parseHumanMouseOrthologs,
  type GeneTables,
} from '../src/core/data/gene_tables.ts';
import { modelInput } from '../src/core/data/preprocess.ts';
import { canonicalChunks } from '../src/core/data/canonical.ts';
import { validateManifest, type Manifest } from '../src/core/model/manifest.ts';

/** A problem with what the user gave (arguments, files): reported as its sentence with exit code 2. */
export class InputError extends Error {
  override name = 'InputError';
}

const gunzipAsync = promisify(gunzipCb);
/** gzip decompression for the core readers (they detect gzip by its magic bytes). */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  return new Uint8Array(await gunzipAsync(bytes));
}

/** A dataset read from disk: the file it came from (for messages and provenance) and the readers' notes. */
export interface DataRead {
  dataset: Dataset;
  fileName: string;
  notes: string[];
}

const HDF5_RE = /\.(h5ad|h5|hdf5|loom)$/i;
const TABLE_RE = /\.(csv|tsv|txt)(\.gz)?$/i;
const MTX_RE = /matrix\.mtx(\.gz)?$/i;

/**
 * Reads `path`: an .h5ad/.loom/10x .h5 file, a folder (10x MatrixMarket, or matrix.mtx + genes +
 * cells table), a matrix.mtx file (its folder is read), or a dense CSV/TSV table.
 * Errors are InputError sentences.
 */
export async function readDataPath(path: string, onProgress?: (f: number) => void): Promise<DataRead> {
  const full = resolve(path);
  if (!existsSync(full)) {
    throw new InputError(`The data path ${path} does not exist; give an .h5ad file, a 10x folder, MTX files or a CSV table.`);
  }
  const common = { gunzip, onProgress };
  try {
    if (statSync(full).isDirectory()) return await readMtxFolder(full, common);
    const name = basename(full);
    if (statSync(full).size === 0) throw new InputError(`${name} is empty (0 bytes); choose the file that holds the data.`);
    if (HDF5_RE.test(name)) return await readHdf5Path(full, common);
    if (MTX_RE.test(name)) return await readMtxFolder(dirname(full), common);
    if (TABLE_RE.test(name)) return await readTable(full, common);
  } catch (err) {
    throw err instanceof InputError ? err : new InputError((err as Error).message);
  }
  throw new InputError(
    `Glasswing cannot tell what ${basename(full)} is; give an .h5ad, .loom or 10x .h5 file, a 10x folder (matrix.mtx.gz + features.tsv.gz + barcodes.tsv.gz), or a CSV/TSV expression table.`,
  );
}

type Common = { gunzip: typeof gunzip; onProgress?: (f: number) => void };

async function readHdf5Path(full: string, common: Common): Promise<DataRead> {
  const m = await h5wasm.ready;
  const h5: Hdf5Module = { File: h5wasm.File as unknown as Hdf5Module['File'], FS: m.FS as unknown as Hdf5Module['FS'] };
  const fileName = basename(full);
  const handle = openHdf5(h5, full, fileName);
  try {
    const opts = { onProgress: common.onProgress, name: fileName.replace(HDF5_RE, ''), fileName };
    const layout = detectHdf5Layout(handle);
    let dataset: Dataset;
    if (layout === 'h5ad') dataset = (await readH5ad(handle, opts)).dataset;
    else if (layout === 'loom') dataset = (await readLoom(handle, opts)).dataset;
    else if (layout === '10x-h5') dataset = await readTenxH5(handle, opts);
    else throw unknownLayoutError(fileName, handle);
    return { dataset, fileName, notes: dataset.notes ?? [] };
  } finally {
    handle.close();
  }
}

async function readMtxFolder(dir: string, common: Common): Promise<DataRead> {
  const names = readdirSync(dir).filter((n) => statSync(join(dir, n)).isFile());
  const matrixName = names.find((n) => MTX_RE.test(n));
  if (!matrixName) {
    throw new InputError(
      `The folder ${basename(dir)} holds no matrix.mtx(.gz); give a 10x folder (matrix.mtx.gz + features.tsv.gz + barcodes.tsv.gz) or a file.`,
    );
  }
  const bytes = (n: string) => new Uint8Array(readFileSync(join(dir, n)));
  const folder = basename(dir);
  const pick = pickTenxFiles(names);
  const cells = names.find((n) => /^(cells|obs|metadata)\.(csv|tsv)(\.gz)?$/i.test(n));
  const genes = names.find((n) => /^(genes|var)\.(txt|tsv|csv)(\.gz)?$/i.test(n));
  if (!pick.isComplete && cells && genes) {
    const dataset = await readMtxWithTables(
      { matrix: bytes(matrixName), genes: bytes(genes), cells: bytes(cells) },
      { ...common, fileNames: { matrix: matrixName, genes, cells }, name: folder },
    );
    return { dataset, fileName: `${folder}/${matrixName}`, notes: dataset.notes ?? [] };
  }
  if (!pick.isComplete) throw new InputError(pick.message);
  const dataset = await readTenxMtx(
    { matrix: bytes(pick.matrix), features: bytes(pick.features), barcodes: bytes(pick.barcodes) },
    { ...common, fileNames: { matrix: pick.matrix, features: pick.features, barcodes: pick.barcodes }, name: folder },
  );
  return { dataset, fileName: `${folder}/${pick.matrix}`, notes: [...pick.notes, ...(dataset.notes ?? [])] };
}

async function readTable(full: string, common: Common): Promise<DataRead> {
  const fileName = basename(full);
  const bytes = new Uint8Array(readFileSync(full));
  const guess = await guessCsvOrientation(bytes, { ...common, fileName });
  const notes: string[] = [];
  if (guess.confidence < ORIENTATION_CONFIDENT) {
    notes.push(
      `Not sure which way ${fileName} runs; read it with ${guess.orientation === 'cells-x-genes' ? 'cells in rows' : 'genes in rows'} (${guess.reason}).`,
    );
  }
  const dataset = await readDenseCsv(bytes, { ...common, fileName, orientation: guess.orientation });
  return { dataset, fileName, notes: [...notes, ...(dataset.notes ?? [])] };
}

/** The app's public folder, whose data/genes/ holds the shipped reference tables (found from this script's location). */
export const PUBLIC_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'public');

/** Reads and parses every shipped gene table (what the app fetches from its own origin). */
export async function loadGeneTablesFromDisk(base = PUBLIC_DIR): Promise<GeneTables> {
  const text = async (f: { path: string; isGzip: boolean }) => {
    const bytes = new Uint8Array(readFileSync(join(base, f.path)));
    return new TextDecoder().decode(f.isGzip ? await gunzip(bytes) : bytes);
  };
  const [gencode, human, aliases, orthologs] = await Promise.all([
    text(GENE_TABLE_FILES.gencode),
    text(GENE_TABLE_FILES.human),
    text(GENE_TABLE_FILES.aliases),
    text(GENE_TABLE_FILES.orthologs),
  ]);
  return {
    gencode: parseGencodeIdToName(gencode),
    human: parseHumanGenes(human),
    aliases: parseGeneAliases(aliases),
    orthologs: parseHumanMouseOrthologs(orthologs),
  };
}

/** Aligns as the app does: exact symbols first; the shipped tables only when that leaves model genes missing. */
export async function alignDatasetToModel(
  ds: Dataset,
  modelGenes: string[],
  tablesBase = PUBLIC_DIR,
  useOrthologs = false,
): Promise<AlignmentReport> {
  const quick = alignToModel(ds, modelGenes);
  if (quick.nMatched === quick.nModelGenes) return quick;
  return alignToModel(ds, modelGenes, { tables: await loadGeneTablesFromDisk(tablesBase), useOrthologs });
}

/** A model folder: its manifest, its LayersModels by role, and its SHA-256 over every file that defines it. */
export interface LoadedModel {
  dir: string;
  manifest: Manifest;
  /** 'model' for classifier/embedding/regressor; 'encoder' and 'decoder' for a VAE. */
  models: Record<string, tf.LayersModel>;
  sha256: string;
}

/** Reads and checks `dir/manifest.json` (InputError sentences naming the problem). */
export function readManifest(dir: string): Manifest {
  const path = join(resolve(dir), 'manifest.json');
  if (!existsSync(resolve(dir))) {
    throw new InputError(`The model folder ${dir} does not exist; point --model at a folder holding manifest.json and its model files.`);
  }
  if (!existsSync(path)) {
    throw new InputError(
      `The model folder ${dir} has no manifest.json; point --model at a folder holding manifest.json and its model files.`,
    );
  }
  let json: unknown;
  try {
    json = JSON.parse(readFileSync(path, 'utf8'));
  } catch (err) {
    throw new InputError(`${dir}/manifest.json is not valid JSON (${(err as Error).message}); fix or re-export it.`);
  }
  const checked = validateManifest(json);
  if (!checked.ok) throw new InputError(`${dir}/manifest.json is not a valid manifest: ${checked.errors.join(' ')}`);
  return checked.manifest;
}

/** The files of one tfjs LayersModel: model.json bytes, its artifacts, and the weight files' bytes in manifest order. */
function readLayersFiles(jsonPath: string): { json: Buffer; weights: Buffer[]; artifacts: tf.io.ModelArtifacts } {
  if (!existsSync(jsonPath)) throw new InputError(`The model file ${jsonPath} is missing; the manifest's "files" must point at it.`);
  const json = readFileSync(jsonPath);
  const parsed = JSON.parse(json.toString('utf8')) as {
    modelTopology: object;
    weightsManifest: { paths: string[]; weights: tf.io.WeightsManifestEntry[] }[];
  };
  const weights: Buffer[] = [];
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  for (const group of parsed.weightsManifest ?? []) {
    weightSpecs.push(...group.weights);
    for (const p of group.paths) {
      const wp = join(dirname(jsonPath), p);
      if (!existsSync(wp))
        throw new InputError(`The weight file ${wp} named in ${basename(jsonPath)} is missing; put it beside model.json.`);
      weights.push(readFileSync(wp));
    }
  }
  const all = Buffer.concat(weights);
  const weightData = all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength) as ArrayBuffer;
  return { json, weights, artifacts: { modelTopology: parsed.modelTopology, weightSpecs, weightData } };
}

/** Loads a model folder on the current tfjs backend. */
export async function loadModelDir(dir: string): Promise<LoadedModel> {
  const manifest = readManifest(dir);
  const hash = createHash('sha256');
  hash.update(readFileSync(join(resolve(dir), 'manifest.json')));
  const models: Record<string, tf.LayersModel> = {};
  for (const [role, rel] of Object.entries(manifest.files as unknown as Record<string, string>)) {
    const files = readLayersFiles(join(resolve(dir), rel));
    hash.update(files.json);
    for (const w of files.weights) hash.update(w);
    try {
      models[role] = await tf.loadLayersModel(tf.io.fromMemory(files.artifacts));
    } catch (err) {
      throw new InputError(`The ${role} model ${rel} could not be loaded by tfjs (${(err as Error).message}).`);
    }
  }
  return { dir, manifest, models, sha256: hash.digest('hex') };
}

/** SHA-256 of a dataset's canonical content (the app's dataset hash). */
export function datasetSha256(ds: Dataset): string {
  const hash = createHash('sha256');
  for (const chunk of canonicalChunks(ds)) hash.update(chunk);
  return hash.digest('hex');
}

/** Model input `[rows.length, nModelGenes]` float32 for the given cell rows (all cells when omitted). */
export function inputRows(ds: Dataset, manifest: Manifest, alignment: AlignmentReport, rows?: ArrayLike<number>): Float32Array {
  return modelInput(ds, manifest.preprocessing.steps, alignment, rows);
}

/** Mean model input over every cell `[nModelGenes]` (the 'mean' baseline), built in chunks. */
export function meanInput(ds: Dataset, manifest: Manifest, alignment: AlignmentReport, chunk = 4096): Float32Array {
  const g = alignment.nModelGenes;
  const n = ds.matrix.nRows;
  const sum = new Float64Array(g);
  for (let start = 0; start < n; start += chunk) {
    const count = Math.min(chunk, n - start);
    const block = inputRows(
      ds,
      manifest,
      alignment,
      Uint32Array.from({ length: count }, (_, i) => start + i),
    );
    for (let k = 0; k < block.length; k++) sum[k % g] += block[k];
  }
  return Float32Array.from(sum, (v) => v / Math.max(1, n));
}
