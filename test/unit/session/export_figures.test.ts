import { describe, expect, it } from 'vitest';
import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { MAX_VECTOR_POINTS, scatterFigureSize, scatterSvg, type ScatterFigure } from '../../../src/core/export/scatter_svg.ts';
import { buildManifest } from '../../../scripts/vite_service_worker.ts';
import { SECURITY_HEADERS } from '../../../src/server_headers.ts';

function figure(n: number, extra: Partial<ScatterFigure> = {}): ScatterFigure {
  const xy = new Float32Array(n * 2);
  const rgba = new Uint8Array(n * 4);
  for (let i = 0; i < n; i++) {
    xy[2 * i] = (i * 7) % 400;
    xy[2 * i + 1] = (i * 13) % 300;
    rgba.set([204, 102, 119, i % 5 === 0 ? 0 : i % 2 ? 255 : 128], 4 * i);
  }
  return {
    title: 'PBMC <3k> & "friends"',
    subtitle: 'sub',
    plotWidthPx: 400,
    plotHeightPx: 300,
    xy,
    rgba,
    diameterPx: 4,
    xTicks: [
      { px: 0, label: '-1' },
      { px: 200, label: '0' },
      { px: 500, label: 'off-plot' },
    ],
    yTicks: [{ px: 150, label: '0' }],
    xLabel: 'UMAP 1',
    yLabel: 'UMAP 2',
    legendTitle: '<svg onload=alert(3)>',
    legend: [
      { color: '#CC6677', label: '<img src=x onerror=alert(1)>', count: 1234 },
      { color: '#332288', label: 'B', count: 5, isHidden: true },
    ],
    background: '#fff',
    ink: '#000',
    muted: '#666',
    ...extra,
  };
}

describe('scatter SVG figure', () => {
  it('draws every visible cell as a circle with its colour and alpha, plus the legend swatches', () => {
    const svg = scatterSvg(figure(1000));
    const circles = svg.match(/<circle [^>]*>/g)!;
    // 1000 cells, 200 fully transparent (i % 5 == 0) are skipped; 2 legend swatches.
    expect(circles).toHaveLength(800 + 2);
    expect(svg).toContain('<circle cx="7.00" cy="13.00" r="2.00" fill="#cc6677"/>');
    expect(svg).toContain('<circle cx="14.00" cy="26.00" r="2.00" fill="#cc6677" fill-opacity="0.502"/>');
    // Ticks off the plot are dropped; the others are drawn.
    expect(svg).not.toContain('off-plot');
    expect(svg).toContain('>-1</text>');
    const { widthPx, heightPx } = scatterFigureSize(figure(1));
    expect(svg).toContain(`width="${widthPx}" height="${heightPx}"`);
    expect(widthPx).toBe(56 + 400 + 230);
    expect(heightPx).toBe(54 + 300 + 40);
  });

  it('escapes every name: no element can be injected through a title or legend', () => {
    const svg = scatterSvg(figure(3));
    expect(svg).toContain('PBMC &lt;3k&gt; &amp; &quot;friends&quot;');
    expect(svg).toContain('&lt;img src=x onerror=alert(1)&gt; <tspan fill="#666">(1,234)</tspan>');
    expect(svg).toContain('&lt;svg onload=alert(3)&gt;');
    expect(svg).not.toMatch(/<img|<script|onerror=alert\(1\)>/);
    expect(svg).toContain('<g transform="translate(0,52)" opacity="0.4">');
  });

  it('embeds one raster image, and says so, above the vector limit', () => {
    const n = MAX_VECTOR_POINTS + 1;
    const svg = scatterSvg(figure(n, { rasterHref: 'data:image/png;base64,AAAA' }));
    expect(svg.match(/<circle /g)).toHaveLength(2);
    expect(svg).toContain('<image x="0" y="0" width="400" height="300" href="data:image/png;base64,AAAA"');
    expect(svg).toContain(`The ${n} cells are embedded as one raster image (more than ${MAX_VECTOR_POINTS} cells`);
    expect(scatterSvg(figure(MAX_VECTOR_POINTS, { rasterHref: 'data:x' }))).not.toContain('<image');
  });
});

describe('service worker manifest', () => {
  it('lists every build file but docs, and its id changes with any byte of the build', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gw-sw-'));
    mkdirSync(join(dir, 'assets'));
    mkdirSync(join(dir, 'models', 'm'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html>');
    writeFileSync(join(dir, 'sw.js'), 'x');
    writeFileSync(join(dir, 'assets', 'a.js'), 'console.log(1)');
    writeFileSync(join(dir, 'models', 'm', 'weights.bin'), new Uint8Array([1, 2, 3]));
    writeFileSync(join(dir, 'models', 'm', 'MODEL.md'), '# doc');
    const first = buildManifest(dir);
    expect(first.files.sort()).toEqual(['./', 'assets/a.js', 'index.html', 'models/m/weights.bin']);
    expect(first.headers).toEqual(SECURITY_HEADERS);
    expect(first.build).toMatch(/^[0-9a-f]{16}$/);
    expect(buildManifest(dir).build).toBe(first.build);
    writeFileSync(join(dir, 'models', 'm', 'weights.bin'), new Uint8Array([1, 2, 4]));
    expect(buildManifest(dir).build).not.toBe(first.build);
  });
});
