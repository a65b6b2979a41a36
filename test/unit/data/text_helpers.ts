/** Shared pieces of the text-reader tests (10x MTX, dense CSV, alignment). */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { decodeCompact, type CompactHeader } from '../../../src/core/data/compact_format.ts';
import type { Dataset } from '../../../src/core/data/dataset.ts';
import type { Gunzip } from '../../../src/core/data/text_input.ts';

/** Node's zlib as the readers' gunzip parameter (the worker passes DecompressionStream instead). */
export const nodeGunzip: Gunzip = async (b) => new Uint8Array(gunzipSync(b));

/** The shipped pbmc3k demo dataset (public/data/pbmc3k), decoded as the app decodes it. */
export function loadDemo(): Dataset {
  const header = JSON.parse(readFileSync('public/data/pbmc3k/dataset.json', 'utf8')) as CompactHeader;
  const body = readFileSync('public/data/pbmc3k/dataset.bin');
  return decodeCompact(header, body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
}

/** True when two arrays hold the same numbers (any element types), without a huge diff on failure. */
export function sameNumbers(a: ArrayLike<number>, b: ArrayLike<number>): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A dataset with these cells, one gene and no counts: enough to join metadata onto. */
export function cellsOnly(cellIds: string[], obs: Dataset['obs'] = {}): Dataset {
  return {
    name: 'cells only',
    matrix: {
      nRows: cellIds.length,
      nCols: 1,
      indptr: new Uint32Array(cellIds.length + 1),
      indices: new Uint16Array(0),
      data: new Float32Array(0),
    },
    valueKind: 'counts',
    genes: ['CD3E'],
    cellIds,
    obs,
    obsm: {},
  };
}
