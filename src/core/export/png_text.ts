/**
 * PNG tEXt chunks (PNG spec 11.3.4.3), so exported images carry their provenance. Pure bytes in,
 * bytes out: insert key/value text chunks after IHDR, and read them back (for tests and sessions).
 */

const SIGNATURE = [137, 80, 78, 71, 13, 10, 26, 10];

let crcTable: Uint32Array | null = null;

/** CRC-32 (ISO 3309, as PNG uses) of `bytes`. */
export function crc32(bytes: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function isPng(png: Uint8Array): boolean {
  return png.length >= 8 && SIGNATURE.every((b, i) => png[i] === b);
}

/** Latin-1 bytes; characters outside it become '?' (tEXt is Latin-1 by spec). */
function latin1(s: string): Uint8Array {
  return Uint8Array.from(s, (ch) => {
    const c = ch.charCodeAt(0);
    return c < 256 ? c : 63;
  });
}

function chunk(type: string, data: Uint8Array): Uint8Array {
  const out = new Uint8Array(12 + data.length);
  const view = new DataView(out.buffer);
  view.setUint32(0, data.length);
  out.set(latin1(type), 4);
  out.set(data, 8);
  view.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
  return out;
}

/** A copy of `png` with one tEXt chunk per entry inserted after IHDR. Keys are 1–79 Latin-1 characters. */
export function addPngText(png: Uint8Array, entries: [string, string][]): Uint8Array {
  if (!isPng(png)) throw new Error('This is not a PNG image, so its provenance cannot be embedded.');
  const ihdrEnd = 8 + 12 + new DataView(png.buffer, png.byteOffset).getUint32(8);
  const chunks = entries.map(([k, v]) => {
    const key = latin1(k.slice(0, 79).replace(/\0/g, ''));
    const value = latin1(v.replace(/\0/g, ''));
    const data = new Uint8Array(key.length + 1 + value.length);
    data.set(key, 0);
    data.set(value, key.length + 1);
    return chunk('tEXt', data);
  });
  const extra = chunks.reduce((n, c) => n + c.length, 0);
  const out = new Uint8Array(png.length + extra);
  out.set(png.subarray(0, ihdrEnd), 0);
  let at = ihdrEnd;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  out.set(png.subarray(ihdrEnd), at);
  return out;
}

/** Every tEXt chunk of `png` as [key, value], checking each chunk's CRC. */
export function readPngText(png: Uint8Array): [string, string][] {
  if (!isPng(png)) throw new Error('This is not a PNG image.');
  const view = new DataView(png.buffer, png.byteOffset, png.byteLength);
  const out: [string, string][] = [];
  let at = 8;
  while (at + 12 <= png.length) {
    const length = view.getUint32(at);
    const type = String.fromCharCode(...png.subarray(at + 4, at + 8));
    const data = png.subarray(at + 8, at + 8 + length);
    if (view.getUint32(at + 8 + length) !== crc32(png.subarray(at + 4, at + 8 + length)))
      throw new Error(`PNG chunk ${type} has a bad CRC.`);
    if (type === 'tEXt') {
      const zero = data.indexOf(0);
      const text = (b: Uint8Array) => String.fromCharCode(...b);
      out.push([text(data.subarray(0, zero)), text(data.subarray(zero + 1))]);
    }
    if (type === 'IEND') break;
    at += 12 + length;
  }
  return out;
}
