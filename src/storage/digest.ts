/** SHA-256 as lowercase hex, with WebCrypto (available in pages, workers and Node 20). */
export async function sha256Hex(data: BufferSource): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', data);
  return [...new Uint8Array(digest)].map((b) => b.toString(16).padStart(2, '0')).join('');
}

/** SHA-256 of several byte chunks taken in order (copied once into one buffer; WebCrypto has no streaming digest). */
export async function sha256OfChunks(chunks: Uint8Array[]): Promise<string> {
  const total = chunks.reduce((a, c) => a + c.byteLength, 0);
  const all = new Uint8Array(total);
  let offset = 0;
  for (const c of chunks) {
    all.set(c, offset);
    offset += c.byteLength;
  }
  return sha256Hex(all);
}
