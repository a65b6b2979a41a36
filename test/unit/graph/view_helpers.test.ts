import { describe, expect, it } from 'vitest';
import { indexGrn, parseTrrust } from '../../../src/core/graph/grn';
import { estimateLabelWidthPx, placeLabels } from '../../../src/core/graph/label_placement';
import { layoutGraph } from '../../../src/core/graph/layout';
import { correlationPairs, cosinePairs, evenSample } from '../../../src/core/graph/model_edges';
import { extractRegulon, extractSubgraph } from '../../../src/core/graph/subgraph';

const TEXT = [
  'TF\tTarget\tRegulation\tReference',
  'STAT1\tIRF1\tActivation\t1',
  'STAT1\tGBP1\tActivation\t2',
  'STAT1\tGBP1\tRepression\t3',
  'STAT1\tSOCS1\tRepression\t4',
  'IRF1\tGBP1\tActivation\t5',
  'SPI1\tSTAT1\tUnknown\t6',
  'SPI1\tCD74\tActivation\t7',
].join('\n');
const index = indexGrn(parseTrrust(TEXT));

describe('extractRegulon', () => {
  it('keeps the TF and its targets ranked by |summed weight|, with every link among them', () => {
    const sub = extractRegulon(index, 'stat1', { maxTargets: 2 });
    // GBP1's rows sum to 0 (activation + repression), so IRF1 and SOCS1 (|1|) come first.
    expect(sub.nodes.map((n) => [n.id, n.isSeed])).toEqual([
      ['STAT1', true],
      ['IRF1', false],
      ['SOCS1', false],
    ]);
    expect(sub.truncated.dropped).toBe(1);
    expect(sub.links.map((l) => `${l.source}>${l.target}:${l.sign}`)).toEqual(['STAT1>IRF1:1', 'STAT1>SOCS1:-1']);
    const all = extractRegulon(index, 'STAT1', { maxTargets: 10 });
    expect(all.links.map((l) => `${l.source}>${l.target}:${l.sign}`)).toEqual([
      'IRF1>GBP1:1',
      'STAT1>GBP1:0',
      'STAT1>IRF1:1',
      'STAT1>SOCS1:-1',
    ]);
  });

  it('says when a gene regulates nothing', () => {
    expect(() => extractRegulon(index, 'CD74', { maxTargets: 5 })).toThrow('CD74 regulates no gene in TRRUST; pick a TF from the list.');
  });
});

describe('extractSubgraph from a pasted gene list', () => {
  it('reaches 1 hop and 2 hops from the listed genes', () => {
    const seeds = ['CD74', 'SOCS1'].map((gene) => ({ gene, score: 0 }));
    const one = extractSubgraph(index, seeds, { hops: 1, maxNeighbours: 50 });
    expect(one.nodes.map((n) => n.id)).toEqual(['CD74', 'SOCS1', 'SPI1', 'STAT1']);
    const two = extractSubgraph(index, seeds, { hops: 2, maxNeighbours: 50 });
    expect(two.nodes.map((n) => n.id)).toEqual(['CD74', 'SOCS1', 'SPI1', 'STAT1', 'GBP1', 'IRF1']);
  });
});

describe('layoutGraph with pinned nodes', () => {
  it('keeps a pinned gene exactly where the user put it', () => {
    const sub = extractRegulon(index, 'STAT1', { maxTargets: 10 });
    const pinned = new Map([['IRF1', { x: 20, y: 30 }]]);
    const layout = layoutGraph(sub, { seed: 3, width: 300, height: 200, pinned, isFitSkipped: true });
    const irf1 = layout.nodes.find((n) => n.id === 'IRF1')!;
    expect([irf1.x, irf1.y]).toEqual([20, 30]);
    const stat1 = layout.nodes.find((n) => n.id === 'STAT1')!;
    expect(Math.hypot(stat1.x - 20, stat1.y - 30)).toBeGreaterThan(5);
  });
});

describe('placeLabels', () => {
  const req = (x: number, y: number, priority: number, widthPx = 30) => ({ x, y, radiusPx: 5, widthPx, heightPx: 10, priority });

  it('puts a lone label above its node', () => {
    expect(placeLabels([req(100, 100, 1)])).toEqual([{ x: 100, y: 92, anchor: 'middle', side: 'above' }]);
  });

  it('moves the lower-priority label of two close nodes, and drops a third that fits nowhere', () => {
    // Two nodes 12 px apart horizontally: the second's "above" box overlaps the first's.
    const out = placeLabels([req(100, 100, 1), req(112, 100, 2), req(106, 100, 0)]);
    expect(out[1]!.side).toBe('above'); // highest priority placed first, at its first choice
    expect(out[0]!.side).not.toBe('above');
    expect(out[2]).toBeNull();
  });

  it('never returns overlapping boxes on a dense random cloud', () => {
    const requests = Array.from({ length: 200 }, (_, i) => req((i * 37) % 300, (i * 53) % 200, i % 7, 24 + (i % 5) * 4));
    const placed = placeLabels(requests);
    const boxes = placed.flatMap((p, i) => {
      if (!p) return [];
      const w = requests[i].widthPx;
      const x0 = p.anchor === 'middle' ? p.x - w / 2 : p.anchor === 'start' ? p.x : p.x - w;
      return [{ x0, x1: x0 + w, y0: p.y + 1 - 10, y1: p.y + 1 }];
    });
    expect(boxes.length).toBeGreaterThan(20);
    for (let i = 0; i < boxes.length; i++)
      for (let j = i + 1; j < boxes.length; j++) {
        const a = boxes[i];
        const b = boxes[j];
        expect(a.x0 < b.x1 - 1e-9 && b.x0 < a.x1 - 1e-9 && a.y0 < b.y1 - 1e-9 && b.y0 < a.y1 - 1e-9).toBe(false);
      }
  });

  it('estimates widths at 0.6 em per character', () => {
    expect(estimateLabelWidthPx('STAT1', 10)).toBe(32);
  });
});

describe('model-derived edges', () => {
  it('gives cosine similarities of Jacobian rows above the threshold', () => {
    // Rows: [1,0], [1,1], [-1,0], [0,0] (no direction).
    const m = Float32Array.from([1, 0, 1, 1, -1, 0, 0, 0]);
    const pairs = cosinePairs(m, 2, [0, 1, 2, 3], 0.5);
    expect(pairs.map((p) => [p.a, p.b, Math.round(p.value * 1e6) / 1e6])).toEqual([
      [0, 1, 0.707107],
      [0, 2, -1],
      [1, 2, -0.707107],
    ]);
    expect(cosinePairs(m, 2, [0, 1, 2], 0.8).map((p) => [p.a, p.b])).toEqual([[0, 2]]);
  });

  it('gives Pearson correlations across cells', () => {
    // Columns over 4 samples: a = [1,2,3,4], b = 2a + 1, c = [4,1,3,2], d constant.
    const m = Float32Array.from([1, 3, 4, 7, 2, 5, 1, 7, 3, 7, 3, 7, 4, 9, 2, 7]);
    const pairs = correlationPairs(m, 4, [0, 1, 2, 3], 0);
    expect(pairs.map((p) => [p.a, p.b, Math.round(p.value * 1e6) / 1e6])).toEqual([
      [0, 1, 1],
      [0, 2, -0.4],
      [1, 2, -0.4],
    ]);
  });

  it('samples cells evenly', () => {
    expect(evenSample(10, 4)).toEqual([0, 2, 5, 7]);
    expect(evenSample(3, 4)).toEqual([0, 1, 2]);
  });
});
