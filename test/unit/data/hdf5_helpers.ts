/** Opens HDF5 files for the reader tests through h5wasm's Node build, the way the worker does in the browser. */
import { basename, resolve } from 'node:path';
import h5wasm from 'h5wasm/node';
import { openHdf5, type H5File, type Hdf5Module } from '../../../src/core/data/hdf5.ts';
import { csrGet, type CsrMatrix } from '../../../src/core/data/csr.ts';

/** h5wasm's Node module in the shape the readers take. */
export async function h5Module(): Promise<Hdf5Module> {
  const m = await h5wasm.ready;
  return { File: h5wasm.File, FS: m.FS };
}

/** Opens `path` (relative to the repo root) read-only; the file is named by its base name in sentences. */
export async function openFile(path: string): Promise<H5File> {
  return openHdf5(await h5Module(), resolve(path), basename(path));
}

/** Runs `fn` on an open file and closes it afterwards. */
export async function withFile<T>(path: string, fn: (f: H5File) => Promise<T> | T): Promise<T> {
  const f = await openFile(path);
  try {
    return await fn(f);
  } finally {
    f.close();
  }
}

/** Dense rows of a CSR matrix, for comparing with a literal. */
export function dense(m: CsrMatrix): number[][] {
  return Array.from({ length: m.nRows }, (_, r) => Array.from({ length: m.nCols }, (_, c) => csrGet(m, r, c)));
}

/** Message of the rejection of `p` (fails the test when it resolves). */
export async function rejectionOf(p: Promise<unknown> | (() => unknown)): Promise<string> {
  try {
    await (typeof p === 'function' ? p() : p);
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('expected an error');
}
