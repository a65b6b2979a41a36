/**
 * A dataset embedded in a session file: the compact format's header (JSON) and body (bytes) in one
 * byte string, `GWDS1\n` + uint32 LE header length + header + body. Base64 of this goes in the
 * session's `data` field when the user asks to include the raw data.
 */
import { decodeCompact, encodeCompact, type CompactHeader } from '../data/compact_format.ts';
import type { Dataset } from '../data/dataset.ts';

const MAGIC = 'GWDS1\n';

/** Pack a dataset into one byte string. */
export function packDataset(ds: Dataset): Uint8Array {
  const { header, body } = encodeCompact(ds);
  const headerBytes = new TextEncoder().encode(JSON.stringify(header));
  const out = new Uint8Array(MAGIC.length + 4 + headerBytes.length + body.length);
  out.set(new TextEncoder().encode(MAGIC), 0);
  new DataView(out.buffer).setUint32(MAGIC.length, headerBytes.length, true);
  out.set(headerBytes, MAGIC.length + 4);
  out.set(body, MAGIC.length + 4 + headerBytes.length);
  return out;
}

/** Unpack bytes made by packDataset. Untrusted input: a damaged payload gets a sentence. */
export function unpackDataset(bytes: Uint8Array): Dataset {
  const bad = (why: string): never => {
    throw new Error(`The dataset embedded in this session file is damaged (${why}). Open the original data file instead.`);
  };
  if (bytes.length < MAGIC.length + 4 || new TextDecoder().decode(bytes.subarray(0, MAGIC.length)) !== MAGIC)
    bad('it does not start with GWDS1');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset).getUint32(MAGIC.length, true);
  const start = MAGIC.length + 4;
  if (start + headerLength > bytes.length) bad('its header runs past the end');
  let header: CompactHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(bytes.subarray(start, start + headerLength))) as CompactHeader;
  } catch {
    return bad('its header is not JSON');
  }
  const body = bytes.slice(start + headerLength);
  try {
    return decodeCompact(header, body.buffer);
  } catch (e) {
    return bad((e as Error).message);
  }
}
