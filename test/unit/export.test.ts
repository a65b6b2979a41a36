import { describe, expect, it } from 'vitest';
import { deflateSync } from 'node:zlib';
import { addPngText, crc32, readPngText } from '../../src/core/export/png_text.ts';
import { escapeXml, withSvgMetadata } from '../../src/core/export/svg_metadata.ts';

/** A valid 1×1 RGBA PNG built from scratch (so the test does not depend on an encoder). */
function tinyPng(): Uint8Array {
  const chunk = (type: string, data: Uint8Array) => {
    const out = new Uint8Array(12 + data.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, data.length);
    out.set(Buffer.from(type, 'latin1'), 4);
    out.set(data, 8);
    v.setUint32(8 + data.length, crc32(out.subarray(4, 8 + data.length)));
    return out;
  };
  const ihdr = new Uint8Array(13);
  new DataView(ihdr.buffer).setUint32(0, 1);
  new DataView(ihdr.buffer).setUint32(4, 1);
  ihdr.set([8, 6, 0, 0, 0], 8);
  const idat = deflateSync(Buffer.from([0, 255, 0, 0, 255]));
  return new Uint8Array(
    Buffer.concat([
      Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
      chunk('IHDR', ihdr),
      chunk('IDAT', idat),
      chunk('IEND', new Uint8Array(0)),
    ]),
  );
}

describe('PNG provenance', () => {
  it('CRC-32 matches the standard check value', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
  it('tEXt chunks round-trip and keep the image valid', () => {
    const png = tinyPng();
    const out = addPngText(png, [
      ['app', 'glasswing 0.1.0'],
      ['dataset_sha256', 'abc'],
    ]);
    expect(out.length).toBe(png.length + 12 * 2 + 'app'.length + 1 + 'glasswing 0.1.0'.length + 'dataset_sha256'.length + 1 + 3);
    expect(readPngText(out)).toEqual([
      ['app', 'glasswing 0.1.0'],
      ['dataset_sha256', 'abc'],
    ]);
    expect(() => addPngText(new Uint8Array(10), [])).toThrow(/not a PNG/);
    const broken = out.slice();
    broken[40] ^= 0xff;
    expect(() => readPngText(broken)).toThrow(/bad CRC/);
  });
});

describe('SVG provenance', () => {
  it('escapes markup in names and inserts metadata after the root tag', () => {
    expect(escapeXml('<img src=x onerror="a">&')).toBe('&lt;img src=x onerror=&quot;a&quot;&gt;&amp;');
    const svg = withSvgMetadata('<svg width="10"><g/></svg>', [['dataset', '<b>']]);
    expect(svg).toBe(
      '<svg width="10"><metadata><glasswing:provenance xmlns:glasswing="urn:glasswing:provenance"><glasswing:entry key="dataset" value="&lt;b&gt;"/></glasswing:provenance></metadata><g/></svg>',
    );
  });
});
