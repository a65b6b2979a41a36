/**
 * Shared plumbing for the text-format readers (10x MTX, dense CSV/TSV, gene tables): gzip
 * detection, text decoding, progress and cancel options, and scanpy-style unique names.
 */
import { throwIfAborted, type CancelSignal } from '../attribution/batching.ts';
import type { CsrValues } from './csr.ts';
import type { Dataset } from './dataset.ts';

/**
 * Decompresses a whole gzip file. src/core may not use `DecompressionStream` directly (core
 * lint allows only runtime-neutral globals), so the caller passes one in: in a worker,
 * `new Response(new Blob([b]).stream().pipeThrough(new DecompressionStream('gzip'))).arrayBuffer()`;
 * in Node, `zlib.gunzipSync`. It must reject on truncated or corrupt input.
 */
export type Gunzip = (bytes: Uint8Array) => Promise<Uint8Array>;

/** Options every text reader takes. `onProgress` gets the fraction done in [0, 1]. */
export interface ReadOptions {
  /** Needed only when a file is gzipped (detected by its magic bytes, not its name). */
  gunzip?: Gunzip;
  onProgress?: (fraction: number) => void;
  /** Checked between stages and chunks; when set, the read rejects with an Error named 'AbortError'. */
  signal?: CancelSignal;
  /** Dataset name shown in the UI; defaults to the matrix file's name. */
  name?: string;
}

/** True when `bytes` start with the gzip magic number 1f 8b. */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Returns `bytes` unchanged, or decompressed when they are gzip. A gunzip failure becomes a
 * sentence naming the file: almost always a download that was cut short.
 */
export async function gunzipIfNeeded(bytes: Uint8Array, fileName: string, gunzip: Gunzip | undefined): Promise<Uint8Array> {
  if (!isGzip(bytes)) return bytes;
  if (!gunzip) throw new Error(`The file ${fileName} is gzipped, but this reader was given no gunzip function; this is a bug in the app.`);
  try {
    return await gunzip(bytes);
  } catch (e) {
    const why = e instanceof Error ? e.message : String(e);
    throw new Error(
      `The file ${fileName} is a truncated gzip (or a damaged one: the decompressor said "${why}"); re-download it, or decompress it yourself to check.`,
      { cause: e },
    );
  }
}

const decoder = new TextDecoder('utf-8');

/**
 * Decodes UTF-8 text, dropping a byte-order mark. A binary file (a NUL byte in its first 4 KB)
 * gets a sentence instead of a garbled parse error; an HDF5 file is named as such.
 */
export function decodeText(bytes: Uint8Array, fileName: string): string {
  if (bytes.length >= 4 && bytes[0] === 0x89 && bytes[1] === 0x48 && bytes[2] === 0x44 && bytes[3] === 0x46) {
    throw new Error(`The file ${fileName} is an HDF5 file (.h5 / .h5ad / .loom), not text; open it with the HDF5 readers instead.`);
  }
  const head = Math.min(bytes.length, 4096);
  for (let i = 0; i < head; i++) {
    if (bytes[i] === 0) throw new Error(`The file ${fileName} is binary, not text; choose the plain or gzipped text file.`);
  }
  let text: string;
  try {
    text = decoder.decode(bytes);
  } catch (e) {
    // V8 caps a string near 2^29 characters (~512 MB); a bigger text file cannot be held whole.
    if (e instanceof RangeError) {
      throw new Error(
        `The file ${fileName} is ${fmt(Math.round(bytes.length / 1e6))} MB of text, more than a browser can hold as one string (about 512 MB). Open a subset of cells or genes, or the same data as .h5ad.`,
        { cause: e },
      );
    }
    throw e;
  }
  return text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
}

/** Non-empty lines of `text` (LF or CRLF), in order; trailing blank lines are dropped. */
export function textLines(text: string): string[] {
  const lines = text.split('\n');
  for (let i = 0; i < lines.length; i++) if (lines[i].endsWith('\r')) lines[i] = lines[i].slice(0, -1);
  while (lines.length > 0 && lines[lines.length - 1].trim() === '') lines.pop();
  return lines;
}

/**
 * Makes names unique the way scanpy's `var_names_make_unique` (anndata `make_index_unique`) does:
 * the first occurrence keeps its name, later ones become NAME-1, NAME-2, ... skipping any name
 * already taken. `renamed` lists the original names that repeated, with how often they occur.
 */
export function makeUnique(names: string[]): { names: string[]; renamed: { name: string; count: number }[] } {
  const seen = new Set<string>();
  const dupIdx: number[] = [];
  names.forEach((n, i) => {
    if (seen.has(n)) dupIdx.push(i);
    else seen.add(n);
  });
  if (dupIdx.length === 0) return { names, renamed: [] };
  const out = names.slice();
  const counter = new Map<string, number>();
  for (const i of dupIdx) {
    const v = names[i];
    for (;;) {
      const c = (counter.get(v) ?? 0) + 1;
      counter.set(v, c);
      const tentative = `${v}-${c}`;
      if (!seen.has(tentative)) {
        seen.add(tentative);
        out[i] = tentative;
        break;
      }
    }
  }
  const occurrences = new Map<string, number>();
  for (const i of dupIdx) occurrences.set(names[i], (occurrences.get(names[i]) ?? 1) + 1);
  const renamed = [...occurrences].map(([name, count]) => ({ name, count }));
  return { names: out, renamed };
}

/** The note a reader adds when `makeUnique` renamed anything ('' when nothing was renamed). */
export function uniqueNamesNote(renamed: { name: string; count: number }[], what: string): string {
  if (renamed.length === 0) return '';
  const shown = renamed
    .slice(0, 5)
    .map((r) => `${r.name} (${r.count}x)`)
    .join(', ');
  const more = renamed.length > 5 ? ` and ${renamed.length - 5} more` : '';
  return `${renamed.length} ${what} appear more than once (${shown}${more}); the repeats were renamed NAME-1, NAME-2, ... as scanpy's var_names_make_unique does, and the first one keeps its name.`;
}

/**
 * 'counts' when every stored value is a non-negative whole number, else 'normalized'
 * (the integer check the issue asks for; range checks belong to preprocessing).
 */
export function inferValueKind(data: CsrValues): Dataset['valueKind'] {
  for (let k = 0; k < data.length; k++) {
    const v = data[k];
    if (!(v >= 0 && Math.round(v) === v)) return 'normalized';
  }
  return 'counts';
}

/** Throws an AbortError when cancelled, else lets the event loop run so a worker can hear a cancel. */
export async function checkpoint(signal: CancelSignal | undefined): Promise<void> {
  throwIfAborted(signal);
  await new Promise((resolve) => setTimeout(resolve, 0));
  throwIfAborted(signal);
}

/** Name of the file without folders: 'a/b/matrix.mtx.gz' -> 'matrix.mtx.gz'. */
export function baseName(path: string): string {
  const i = Math.max(path.lastIndexOf('/'), path.lastIndexOf('\\'));
  return i < 0 ? path : path.slice(i + 1);
}

/** `n` with thousands separators, as sentences show counts. */
export function fmt(n: number): string {
  return n.toLocaleString('en-US');
}
