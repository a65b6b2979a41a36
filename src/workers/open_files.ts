/**
 * Turns the files a user dropped or picked into a Dataset, in the worker: recognises the format
 * by name and magic bytes, then hands the bytes to the matching core reader. Text formats are
 * read into memory; HDF5 files are mounted (see hdf5_mount.ts), never copied whole into wasm.
 */
import type { Dataset } from '../core/data/dataset.ts';
import { pickTenxFiles, readMtxWithTables, readTenxMtx } from '../core/data/tenx_mtx.ts';
import { guessCsvOrientation, readDenseCsv, ORIENTATION_CONFIDENT, joinMetadata } from '../core/data/csv_reader.ts';
import type { CancelSignal } from '../core/attribution/batching.ts';

/** Decompresses gzip with the browser's own DecompressionStream (rejects on truncated input). */
export async function gunzip(bytes: Uint8Array): Promise<Uint8Array> {
  const stream = new Blob([bytes as Uint8Array<ArrayBuffer>]).stream().pipeThrough(new DecompressionStream('gzip'));
  return new Uint8Array(await new Response(stream).arrayBuffer());
}

const fileBytes = async (f: File) => new Uint8Array(await f.arrayBuffer());
const pathOf = (f: File) => (f as File & { webkitRelativePath?: string }).webkitRelativePath || f.name;

/** The largest text file read whole (bigger ones should come as h5ad or MTX). */
const MAX_TEXT_BYTES = 1.5e9;

/** What the user may choose about how a file is read; the reader's defaults apply when unset. */
export interface ReadChoices {
  /** h5ad / loom matrix, e.g. 'X', 'raw/X', 'layers/counts'. */
  matrix?: string;
  /** Dense tables: which way they run. */
  orientation?: 'cells-x-genes' | 'genes-x-cells';
}

/** The alternatives a file offered, and which one was read (the Data section shows them). */
export interface ReadOptionsOffered {
  matrices?: { options: string[]; chosen: string };
  orientation?: { chosen: 'cells-x-genes' | 'genes-x-cells'; confidence: number; reason: string };
}

/** Reads `files` as one dataset; `onProgress` gets fractions in [0, 1]. Errors are sentences for the user. */
export async function readUserFiles(
  files: File[],
  opts: { onProgress?: (f: number) => void; signal?: CancelSignal; choices?: ReadChoices } = {},
): Promise<{ dataset: Dataset; fileName: string; notes: string[]; offered: ReadOptionsOffered }> {
  const choices = opts.choices ?? {};
  if (files.length === 0) throw new Error('No file was given. Drop an .h5ad, .loom, 10x .h5, a 10x folder or a CSV.');
  const tooBig = files.find((f) => f.size > MAX_TEXT_BYTES && !/\.(h5ad|h5|loom)$/i.test(f.name));
  if (tooBig) {
    throw new Error(
      `${tooBig.name} is ${(tooBig.size / 1e9).toFixed(1)} GB, more than the ${MAX_TEXT_BYTES / 1e9} GB a text file may take in this tab. Save it as .h5ad (compressed) or pick a subset of cells or genes.`,
    );
  }
  const common = { gunzip, onProgress: opts.onProgress, signal: opts.signal };
  const empty = files.find((f) => f.size === 0);
  if (empty) throw new Error(`${empty.name} is empty (0 bytes). Choose the file that holds the data.`);

  const hdf5 = files.find((f) => /\.(h5ad|h5|hdf5|loom)$/i.test(f.name));
  if (hdf5) {
    // h5wasm (4.8 MB with its embedded wasm) loads only when an HDF5 file is opened.
    const { readHdf5File } = await import('./hdf5_mount.ts');
    const { dataset, notes, matrices, matrix } = await readHdf5File(hdf5, { ...common, matrix: choices.matrix });
    return { dataset, fileName: hdf5.name, notes, offered: matrices.length > 1 ? { matrices: { options: matrices, chosen: matrix } } : {} };
  }

  const names = files.map(pathOf);
  if (names.some((n) => /matrix\.mtx(\.gz)?$/i.test(n))) {
    const pick = pickTenxFiles(names);
    const byName = (re: RegExp) => files.find((f) => re.test(pathOf(f).split('/').pop() ?? ''));
    const cellsTable = byName(/^(cells|obs|metadata)\.(csv|tsv)(\.gz)?$/i);
    const genesTable = byName(/^(genes|var)\.(txt|tsv|csv)(\.gz)?$/i);
    const matrixFile = byName(/matrix\.mtx(\.gz)?$/i)!;
    if (!pick.isComplete && cellsTable && genesTable) {
      // The cells x genes layout with a cell metadata table (e.g. matrix.mtx.gz + genes.txt + cells.csv).
      const [matrix, genes, cells] = await Promise.all([matrixFile, genesTable, cellsTable].map(fileBytes));
      const dataset = await readMtxWithTables(
        { matrix, genes, cells },
        {
          ...common,
          fileNames: { matrix: matrixFile.name, genes: genesTable.name, cells: cellsTable.name },
          name: folderName(pathOf(matrixFile)),
        },
      );
      return { dataset, fileName: matrixFile.name, notes: [], offered: {} };
    }
    if (!pick.isComplete) throw new Error(pick.message);
    const byPath = new Map(files.map((f) => [pathOf(f), f]));
    const [matrix, features, barcodes] = await Promise.all(
      [pick.matrix, pick.features, pick.barcodes].map((p) => fileBytes(byPath.get(p)!)),
    );
    const dataset = await readTenxMtx(
      { matrix, features, barcodes },
      { ...common, fileNames: { matrix: pick.matrix, features: pick.features, barcodes: pick.barcodes }, name: folderName(pick.matrix) },
    );
    return { dataset, fileName: pick.matrix, notes: pick.notes, offered: {} };
  }

  const tables = files.filter((f) => /\.(csv|tsv|txt)(\.gz)?$/i.test(f.name));
  if (tables.length > 0) {
    // The biggest table is the expression matrix; a second one is cell metadata joined on cell id.
    const [expression, ...rest] = [...tables].sort((a, b) => b.size - a.size);
    const bytes = await fileBytes(expression);
    const guess = await guessCsvOrientation(bytes, { ...common, fileName: expression.name });
    const orientation = choices.orientation ?? guess.orientation;
    const notes: string[] = [];
    if (!choices.orientation && guess.confidence < ORIENTATION_CONFIDENT) {
      notes.push(
        `Not sure which way ${expression.name} runs; read it with ${orientation === 'cells-x-genes' ? 'cells in rows' : 'genes in rows'} (${guess.reason}). Switch below if that is wrong.`,
      );
    }
    const offered: ReadOptionsOffered = {
      orientation: { chosen: orientation, confidence: choices.orientation ? 1 : guess.confidence, reason: guess.reason },
    };
    const dataset = await readDenseCsv(bytes, { ...common, fileName: expression.name, orientation });
    if (rest[0]) {
      const join = joinMetadata(dataset, new TextDecoder().decode(await fileBytes(rest[0])), { fileName: rest[0].name });
      notes.push(join.message);
      return { dataset: join.dataset, fileName: expression.name, notes, offered };
    }
    return { dataset, fileName: expression.name, notes, offered };
  }
  throw new Error(
    `Glasswing cannot tell what ${files.map((f) => f.name).join(', ')} ${files.length === 1 ? 'is' : 'are'}. Open an .h5ad, .loom or 10x .h5 file, a 10x folder (matrix.mtx.gz + features.tsv.gz + barcodes.tsv.gz), or a CSV/TSV expression table.`,
  );
}

function folderName(path: string): string {
  const parts = path.split('/');
  return parts.length > 1 ? parts[parts.length - 2] : parts[0].replace(/matrix\.mtx(\.gz)?$/i, '').replace(/[_-]$/, '') || 'dataset';
}
