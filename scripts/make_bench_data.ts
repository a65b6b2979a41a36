/**
 * The bench's generated dataset (issue 3, "Bring your own data"): a sparse counts matrix of
 * 100,000 cells x 2,000 genes at 10 % density, deterministic from a seed, written three ways:
 *   - an h5ad with X as uncompressed CSR float32 (anndata's layout, scripts/fixtures_h5.ts' writer);
 *   - the same h5ad with X gzip-compressed (level 4, h5py's chunk-size guess: anndata's usual);
 *   - a 10x MatrixMarket folder (matrix.mtx genes x cells + features.tsv + barcodes.tsv, uncompressed),
 *     optionally for the first `mtxCells` cells only.
 * Every cell holds exactly `density · nGenes` genes (sorted), with small integer counts 1..20. The
 * three sources hold the same matrix, gene names and cell ids, so they share one content hash.
 *
 * Files go to bench/output/data/ (gitignored). A stamp file records the parameters and sizes; a
 * later run with the same parameters reuses the files instead of writing ~600 MB again.
 *
 * CLI: npx tsx scripts/make_bench_data.ts [outDir]
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync, statSync, writeFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import h5wasm from 'h5wasm/node';
import { anndataFile, dataframe, strings, writeSparse } from './fixtures_h5.ts';

export interface BenchDataParams {
  nCells: number;
  nGenes: number;
  /** Fraction of stored entries per cell (each cell gets exactly round(density · nGenes)). */
  density: number;
  seed: number;
  /** Cells written to the MTX folder (the first ones of the same matrix). */
  mtxCells: number;
}

export const BENCH_DATA_DEFAULTS: BenchDataParams = { nCells: 100_000, nGenes: 2_000, density: 0.1, seed: 20_240_101, mtxCells: 100_000 };

/** Bumped when the files' content or layout changes, so stale files are rewritten. */
const GENERATOR_VERSION = 1;
const STAMP = 'bench-data.json';

/** The generated files (paths) and their sizes in bytes. */
export interface BenchData {
  params: BenchDataParams;
  nnz: number;
  /** nnz of the MTX folder (its first `mtxCells` cells). */
  mtxNnz: number;
  h5adUncompressed: string;
  h5adGzip: string;
  /** matrix.mtx, features.tsv, barcodes.tsv. */
  mtx: string[];
  bytes: Record<string, number>;
  /** Milliseconds spent writing them (0 when reused). */
  writeMs: number;
  isReused: boolean;
}

/** mulberry32: a small, fast, seeded 32-bit generator giving floats in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The CSR matrix (cells x genes), gene symbols and ids, and 10x-style cell barcodes. */
export function makeBenchMatrix(p: BenchDataParams): {
  indptr: Int32Array;
  indices: Int32Array;
  data: Float32Array;
  genes: string[];
  geneIds: string[];
  cellIds: string[];
} {
  const perCell = Math.round(p.density * p.nGenes);
  const nnz = perCell * p.nCells;
  const indptr = new Int32Array(p.nCells + 1);
  const indices = new Int32Array(nnz);
  const data = new Float32Array(nnz);
  const rand = mulberry32(p.seed);
  // Counts: 1 + a geometric draw (p = 0.3), capped at 20: mostly 1-4, a tail to 20.
  const logQ = Math.log(0.7);
  let k = 0;
  for (let r = 0; r < p.nCells; r++) {
    // Selection sampling (Knuth's algorithm S): exactly perCell genes, already in order.
    let needed = perCell;
    for (let j = 0; j < p.nGenes && needed > 0; j++) {
      if (rand() * (p.nGenes - j) < needed) {
        indices[k] = j;
        data[k] = Math.min(20, 1 + Math.floor(Math.log(1 - rand()) / logQ));
        k++;
        needed--;
      }
    }
    indptr[r + 1] = k;
  }
  const genes = Array.from({ length: p.nGenes }, (_, j) => `GENE${String(j + 1).padStart(5, '0')}`);
  const geneIds = Array.from({ length: p.nGenes }, (_, j) => `ENSG9${String(j + 1).padStart(10, '0')}`);
  // 16 bases from a bijection of the index (odd multiplier mod 2^32), so barcodes are unique and varied.
  const cellIds = Array.from({ length: p.nCells }, (_, i) => {
    let x = Math.imul(i + 1, 0x9e3779b1) >>> 0;
    let s = '';
    for (let b = 0; b < 16; b++, x >>>= 2) s += 'ACGT'[x & 3];
    return `${s}-1`;
  });
  return { indptr, indices, data, genes, geneIds, cellIds };
}

/** h5py's chunk-size guess for a 1-D dataset of `n` elements of `itemBytes` (h5py/_hl/filters.py guess_chunk). */
export function h5pyChunk(n: number, itemBytes: number): number {
  const BASE = 16 * 1024;
  const MIN = 8 * 1024;
  const MAX = 1024 * 1024;
  const size = n * itemBytes;
  const target = Math.min(MAX, Math.max(MIN, BASE * 2 ** Math.log10(size / (1024 * 1024))));
  let chunk = n;
  for (;;) {
    const bytes = chunk * itemBytes;
    if ((bytes < target || Math.abs(bytes - target) / target < 0.5) && bytes < MAX) break;
    if (chunk === 1) break;
    chunk = Math.ceil(chunk / 2);
  }
  return chunk;
}

function writeH5ad(path: string, m: ReturnType<typeof makeBenchMatrix>, p: BenchDataParams, gzip: boolean): void {
  rmSync(path, { force: true });
  const f = anndataFile(path);
  writeSparse(
    f,
    'X',
    { format: 'csr', nRows: p.nCells, nCols: p.nGenes, indptr: m.indptr, indices: m.indices, data: m.data },
    gzip ? { gzipChunk: (n) => h5pyChunk(n, 4), gzipIndptr: true, gzipLevel: 4 } : {},
  );
  dataframe(f, 'obs', '_index', m.cellIds, [], () => {});
  dataframe(f, 'var', '_index', m.genes, ['gene_ids'], (g) => strings(g, 'gene_ids', m.geneIds));
  f.close();
}

/** Cell Ranger's layout: genes x cells, entries in cell order, 1-based. Returns the entries written. */
function writeMtx(dir: string, m: ReturnType<typeof makeBenchMatrix>, p: BenchDataParams): number {
  mkdirSync(dir, { recursive: true });
  const nCells = Math.min(p.mtxCells, p.nCells);
  const nnz = m.indptr[nCells];
  const fd = openSync(join(dir, 'matrix.mtx'), 'w');
  try {
    writeSync(fd, `%%MatrixMarket matrix coordinate integer general\n%metadata_json: {"software_version": "glasswing-bench"}\n`);
    writeSync(fd, `${p.nGenes} ${nCells} ${nnz}\n`);
    let lines: string[] = [];
    for (let r = 0; r < nCells; r++) {
      const cell = r + 1;
      for (let k = m.indptr[r]; k < m.indptr[r + 1]; k++) lines.push(`${m.indices[k] + 1} ${cell} ${m.data[k]}\n`);
      if (lines.length >= 1 << 18) {
        writeSync(fd, lines.join(''));
        lines = [];
      }
    }
    writeSync(fd, lines.join(''));
  } finally {
    closeSync(fd);
  }
  writeFileSync(join(dir, 'features.tsv'), m.genes.map((g, j) => `${m.geneIds[j]}\t${g}\tGene Expression\n`).join(''));
  writeFileSync(join(dir, 'barcodes.tsv'), `${m.cellIds.slice(0, nCells).join('\n')}\n`);
  return nnz;
}

/**
 * Writes (or reuses) the bench dataset under `outDir`. Deterministic: the same parameters give
 * the same matrix, names and files.
 */
export async function writeBenchData(outDir = 'bench/output/data', params: Partial<BenchDataParams> = {}): Promise<BenchData> {
  const p = { ...BENCH_DATA_DEFAULTS, ...params };
  const tag = `${p.nCells / 1000}k`;
  const mtxTag = `${Math.min(p.mtxCells, p.nCells) / 1000}k`;
  const h5adUncompressed = join(outDir, `bench-${tag}-uncompressed.h5ad`);
  const h5adGzip = join(outDir, `bench-${tag}-gzip.h5ad`);
  const mtxDir = join(outDir, `bench-${mtxTag}-mtx`);
  const mtx = ['matrix.mtx', 'features.tsv', 'barcodes.tsv'].map((f) => join(mtxDir, f));
  const all = [h5adUncompressed, h5adGzip, ...mtx];
  const stampPath = join(outDir, STAMP);
  const sizes = () => Object.fromEntries(all.map((f) => [f, statSync(f).size]));

  if (existsSync(stampPath)) {
    try {
      const stamp = JSON.parse(readFileSync(stampPath, 'utf8')) as Omit<BenchData, 'writeMs' | 'isReused'> & { version: number };
      const isSame =
        stamp.version === GENERATOR_VERSION &&
        JSON.stringify(stamp.params) === JSON.stringify(p) &&
        all.every((f) => existsSync(f) && statSync(f).size === stamp.bytes[f]);
      if (isSame) return { ...stamp, writeMs: 0, isReused: true };
    } catch {
      // A damaged stamp: write everything again.
    }
  }

  const t0 = performance.now();
  rmSync(stampPath, { force: true });
  mkdirSync(outDir, { recursive: true });
  await h5wasm.ready;
  const m = makeBenchMatrix(p);
  writeH5ad(h5adUncompressed, m, p, false);
  writeH5ad(h5adGzip, m, p, true);
  const mtxNnz = writeMtx(mtxDir, m, p);
  const result = { params: p, nnz: m.indptr[p.nCells], mtxNnz, h5adUncompressed, h5adGzip, mtx, bytes: sizes() };
  writeFileSync(stampPath, `${JSON.stringify({ version: GENERATOR_VERSION, ...result }, null, 2)}\n`);
  return { ...result, writeMs: performance.now() - t0, isReused: false };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const written = await writeBenchData(process.argv[2]);
  console.log(JSON.stringify(written, null, 2));
}
