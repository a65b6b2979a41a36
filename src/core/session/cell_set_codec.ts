/**
 * A compact text encoding of a set of cell row indices, for URL hashes and session files:
 * ascending indices as gaps (first index, then differences minus one), each gap a LEB128 varint,
 * the bytes in base64url. 2,638 random cells of 2,638 cost about one byte per cell; a contiguous
 * run costs almost nothing.
 */

const B64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** Encode ascending, distinct row indices as base64url text. Throws on unsorted input (a caller bug). */
export function encodeCellSet(indices: ArrayLike<number>): string {
  const bytes: number[] = [];
  let previous = -1;
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k];
    if (!Number.isInteger(i) || i <= previous) throw new Error('Cell indices must be ascending, distinct integers.');
    let gap = i - previous - 1;
    previous = i;
    while (gap >= 0x80) {
      bytes.push((gap & 0x7f) | 0x80);
      gap = Math.floor(gap / 128);
    }
    bytes.push(gap);
  }
  let out = '';
  for (let k = 0; k < bytes.length; k += 3) {
    const b0 = bytes[k];
    const b1 = bytes[k + 1] ?? 0;
    const b2 = bytes[k + 2] ?? 0;
    const n = (b0 << 16) | (b1 << 8) | b2;
    out += B64[(n >> 18) & 63] + B64[(n >> 12) & 63];
    if (k + 1 < bytes.length) out += B64[(n >> 6) & 63];
    if (k + 2 < bytes.length) out += B64[n & 63];
  }
  return out;
}

/**
 * Decode text made by encodeCellSet into ascending row indices; every index must be < nCells.
 * Untrusted input: throws an Error whose message says what is wrong.
 */
export function decodeCellSet(text: string, nCells: number): Uint32Array {
  if (!/^[A-Za-z0-9_-]*$/.test(text))
    throw new Error('The cell list holds characters that are not base64url; the link or file was altered.');
  if (text.length % 4 === 1) throw new Error('The cell list is truncated; copy the whole link again.');
  const bytes: number[] = [];
  for (let k = 0; k < text.length; k += 4) {
    const chunk = text.slice(k, k + 4);
    let n = 0;
    for (let c = 0; c < 4; c++) n = (n << 6) | (c < chunk.length ? B64.indexOf(chunk[c]) : 0);
    bytes.push((n >> 16) & 255);
    if (chunk.length > 2) bytes.push((n >> 8) & 255);
    if (chunk.length > 3) bytes.push(n & 255);
  }
  const out: number[] = [];
  let previous = -1;
  for (let k = 0; k < bytes.length;) {
    let gap = 0;
    let scale = 1;
    for (;;) {
      if (k >= bytes.length) throw new Error('The cell list ends in the middle of a number; the link or file was truncated.');
      const b = bytes[k++];
      gap += (b & 0x7f) * scale;
      scale *= 128;
      if (!(b & 0x80)) break;
      if (scale > 2 ** 35) throw new Error('The cell list holds a number too large to be a cell index.');
    }
    const i = previous + 1 + gap;
    if (i >= nCells)
      throw new Error(
        `The cell list refers to cell ${i + 1}, but this dataset has ${nCells.toLocaleString('en-US')} cells; it was made for another dataset.`,
      );
    out.push(i);
    previous = i;
  }
  return Uint32Array.from(out);
}
