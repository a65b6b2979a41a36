/**
 * Opens a user's HDF5 file (.h5ad, .loom, Cell Ranger .h5) in the worker with h5wasm. The File is
 * mounted with WORKERFS, so HDF5 reads the parts it needs straight from disk instead of copying the
 * whole file into h5wasm's 32-bit heap (ISSUE-NOTES: Memory). h5wasm embeds its wasm binary, so no
 * extra request is made.
 */
import h5wasm from 'h5wasm';
import type { Dataset } from '../core/data/dataset.ts';
import { detectHdf5Layout, openHdf5, unknownLayoutError, type Hdf5Module, type Hdf5ReadOptions, type H5Fs } from '../core/data/hdf5.ts';
import { readH5ad, type H5adMatrix } from '../core/data/h5ad.ts';
import { readLoom, type LoomReadOptions } from '../core/data/loom.ts';
import { readTenxH5 } from '../core/data/tenx_h5.ts';

interface WorkerFsStream {
  node: { contents: Blob; size: number };
}
type WorkerFsRead = (stream: WorkerFsStream, buffer: Uint8Array, offset: number, length: number, position: number) => number;

interface EmscriptenFs extends H5Fs {
  mkdir(path: string): void;
  rmdir(path: string): void;
  mount(type: unknown, opts: { files: File[] }, mountpoint: string): void;
  unmount(mountpoint: string): void;
  filesystems: { WORKERFS: { stream_ops: { read: WorkerFsRead } } };
}

let mountCount = 0;

/** Read-ahead block size in bytes (0 = off); see installReadAhead. */
let readAheadBytes = 1 << 20;
/** Blocks kept per file: 32 × 1 MiB bounds the cache at 32 MiB of worker memory. */
const READ_AHEAD_BLOCKS = 32;
const blockCaches = new WeakMap<Blob, Map<string, Uint8Array>>();
let originalRead: WorkerFsRead | null = null;

/** Sets the read-ahead block size for HDF5 reads (0 turns it off; the bench measures both). */
export function setHdf5ReadAhead(bytes: number): void {
  readAheadBytes = Math.max(0, Math.floor(bytes));
}

/**
 * HDF5 reads a compressed dataset in many small pieces (B-tree nodes, then each chunk), and WORKERFS
 * turns every piece into one synchronous FileReaderSync call (measured ~2.5 ms each in Chromium,
 * whatever the size). Reading aligned 1 MiB blocks and serving the small reads from a bounded LRU of
 * them turns hundreds of calls into a few. Large reads go straight through.
 */
function installReadAhead(fs: EmscriptenFs): void {
  const ops = fs.filesystems.WORKERFS.stream_ops;
  if (originalRead) return;
  const original = ops.read;
  originalRead = original;
  const reader = new FileReaderSync();
  ops.read = (stream, buffer, offset, length, position) => {
    const block = readAheadBytes;
    const { contents: file, size } = stream.node;
    if (block === 0 || length >= block || position >= size) return original(stream, buffer, offset, length, position);
    const end = Math.min(size, position + length);
    let cache = blockCaches.get(file);
    if (!cache) blockCaches.set(file, (cache = new Map()));
    for (let at = position; at < end;) {
      const index = Math.floor(at / block);
      const key = `${block}:${index}`;
      let bytes = cache.get(key);
      if (bytes) {
        cache.delete(key); // re-insert: Map order is the LRU order
      } else {
        bytes = new Uint8Array(reader.readAsArrayBuffer(file.slice(index * block, Math.min(size, (index + 1) * block))));
        if (cache.size >= READ_AHEAD_BLOCKS) cache.delete(cache.keys().next().value!);
      }
      cache.set(key, bytes);
      const from = at - index * block;
      const n = Math.min(end - at, bytes.length - from);
      buffer.set(bytes.subarray(from, from + n), offset + (at - position));
      at += n;
    }
    return end - position;
  };
}

/** Reads one HDF5 file into a Dataset; `notes` says what the reader chose (e.g. raw/X over a scaled X). */
export async function readHdf5File(
  file: File,
  opts: Hdf5ReadOptions & { matrix?: string } = {},
): Promise<{ dataset: Dataset; notes: string[]; matrices: string[]; matrix: string }> {
  const module = await h5wasm.ready;
  const fs = module.FS as unknown as EmscriptenFs;
  installReadAhead(fs);
  const dir = `/glasswing-${++mountCount}`;
  fs.mkdir(dir);
  fs.mount(fs.filesystems.WORKERFS, { files: [file] }, dir);
  const h5: Hdf5Module = { File: h5wasm.File as unknown as Hdf5Module['File'], FS: fs };
  let handle: ReturnType<typeof openHdf5> | undefined;
  try {
    handle = openHdf5(h5, `${dir}/${file.name}`, file.name);
    const layout = detectHdf5Layout(handle);
    const name = file.name.replace(/\.(h5ad|h5|hdf5|loom)$/i, '');
    const { matrix: _matrix, ...rest } = opts;
    const common = { ...rest, name, fileName: file.name };
    if (layout === 'h5ad') {
      const read = await readH5ad(handle, { ...common, ...(opts.matrix ? { matrix: opts.matrix as H5adMatrix } : {}) });
      return { dataset: read.dataset, notes: read.dataset.notes ?? [], matrices: read.available.matrices, matrix: read.matrix };
    }
    if (layout === 'loom') {
      const read = await readLoom(handle, { ...common, ...(opts.matrix ? { matrix: opts.matrix as LoomReadOptions['matrix'] } : {}) });
      return { dataset: read.dataset, notes: read.dataset.notes ?? [], matrices: [], matrix: 'matrix' };
    }
    if (layout === '10x-h5') {
      const dataset = await readTenxH5(handle, common);
      return { dataset, notes: dataset.notes ?? [], matrices: [], matrix: 'matrix' };
    }
    throw unknownLayoutError(file.name, handle);
  } finally {
    try {
      handle?.close();
    } finally {
      fs.unmount(dir);
      fs.rmdir(dir);
      blockCaches.delete(file);
    }
  }
}
